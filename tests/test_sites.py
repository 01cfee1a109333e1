"""Site profiles: the TOML format read strictly, built-in and user profiles, and how a
profile becomes the crawl's configuration (its values are defaults an explicit
setting overrides; its politeness is the crawl's Scrapy settings; its own lock and
journal)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from scrapy.settings import Settings

from hgcrawler.config import (
    DEFAULTS,
    ConfigError,
    HgcrawlerConfig,
    apply_site_settings,
    site_profile,
)
from hgcrawler.plan import RevisitPolicy
from hgcrawler.sites import (
    BUILTIN_DIR,
    DEFAULT_SITE,
    HAUGIANG,
    Labels,
    ProfileError,
    UnknownSite,
    load_profile,
    load_profiles,
    profile_files,
    site_names,
)
from hgcrawler.sites.profile import POLITENESS_SETTINGS, REVISIT_SETTINGS, TOP_KEYS
from tests.test_design import PURE, imports_of

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "sites"

MINIMAL = 'name = "tinh"\nstart_url = "https://tinh.dcs.vn/"\n'


def write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- the built-in profile


def test_the_builtin_profile_is_the_hau_giang_portal() -> None:
    assert sorted(profile_files()) == ["haugiang"]
    assert DEFAULT_SITE == "haugiang" == HAUGIANG.name
    assert HAUGIANG.start_url == "https://haugiang.dcs.vn/"
    assert HAUGIANG.title == "Cổng thông tin điện tử Đảng bộ tỉnh Hậu Giang"
    assert HAUGIANG.allowed_hosts == ("haugiang.dcs.vn",)
    assert (HAUGIANG.article_id_pattern, HAUGIANG.slug_ids) == ("", False)
    # the extractor's default labels are the built-in profile's
    assert HAUGIANG.labels == Labels() == Labels(("Cập nhật vào ngày",), ("Số lần xem",))
    # revisit and politeness are hgcrawler's defaults: nothing written twice
    assert HAUGIANG.revisit == {} and HAUGIANG.politeness == {}
    assert HAUGIANG.source == "built-in" and HAUGIANG.enabled
    assert (BUILTIN_DIR / "haugiang.toml").is_file()


def test_the_default_configuration_is_the_one_before_profiles_existed(tmp_path: Path) -> None:
    config = HgcrawlerConfig.from_settings(Settings({"HGCRAWLER_DATA_DIR": str(tmp_path)}))
    assert config.site == HAUGIANG
    assert config.start_url == "https://haugiang.dcs.vn/"
    assert config.allowed_hosts == ("haugiang.dcs.vn",)
    assert config.revisit == RevisitPolicy()
    assert config.article_keys.pattern is None and not config.article_keys.slug_ids
    # the lock and the journal stay where they were
    assert config.archive.site == "haugiang"
    assert config.archive.lock_path == tmp_path / "crawl.lock"
    assert config.archive.journal_dir == tmp_path / "journal" / "hgcrawler"


def test_the_profile_modules_are_pure() -> None:
    """Extraction imports the profile types: they import no crawl machinery."""
    for name in ("profile", "catalog", "__init__"):
        path = ROOT / "hgcrawler" / "sites" / f"{name}.py"
        module = "hgcrawler.sites" + ("" if name == "__init__" else f".{name}")
        names = [imp.name for imp in imports_of(path.read_text(), module, name == "__init__")]
        bad = [n for n in names if any(n == p or n.startswith(p + ".") for p in PURE)]
        assert bad == [] and not [n for n in names if n.startswith("scrapy")]


# ---------------------------------------------------------------- reading files strictly


def test_a_full_profile_is_read(tmp_path: Path) -> None:
    write(
        tmp_path,
        "soctrang",
        """
name = "soctrang"
title = "Trang thông tin điện tử Đảng bộ tỉnh Sóc Trăng"
start_url = "https://soctrang.dcs.vn/Default.aspx"
allowed_hosts = ["www.soctrang.dcs.vn", "Tin.SocTrang.dcs.vn"]
enabled = false

[ids]
pattern = '/tin/[^/]+/\\d+-\\d+-(\\d+)$'
slug_ids = false

[labels]
date = ["Ngày đăng", "Cập nhật"]
views = ["Lượt xem"]
bare_date = true
date_formats = ["dd/mm/yyyy", "ngày d tháng m năm yyyy"]

[revisit]
young_days = 3
young_hours = 2.5

[politeness]
download_delay = 2
concurrent_requests_per_domain = 2
autothrottle = true
autothrottle_target_concurrency = 1.5
download_timeout = 30
""",
    )
    profile = load_profile("soctrang", tmp_path)
    assert profile.title == "Trang thông tin điện tử Đảng bộ tỉnh Sóc Trăng"
    assert profile.allowed_hosts == ("www.soctrang.dcs.vn", "tin.soctrang.dcs.vn")
    assert profile.article_id_pattern == r"/tin/[^/]+/\d+-\d+-(\d+)$"
    assert profile.labels == Labels(
        date=("Ngày đăng", "Cập nhật"),
        views=("Lượt xem",),
        bare_date=True,
        date_formats=("dd/mm/yyyy", "ngày d tháng m năm yyyy"),
    )
    assert profile.revisit == {"young_days": 3.0, "young_hours": 2.5}
    assert profile.scrapy_settings() == {
        "DOWNLOAD_DELAY": 2.0,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.5,
        "DOWNLOAD_TIMEOUT": 30.0,
    }
    assert not profile.enabled
    assert profile.source == str(tmp_path / "soctrang.toml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('start_url = "https://x.dcs.vn/"\n', "name: missing"),
        ('name = "tinh"\n', "start_url: missing"),
        ('name = "tinh"\nstart_url = ""\n', "start_url: bad start URL '': it is empty"),
        (
            'name = "tinh"\nstart_url = "ftp://tinh.dcs.vn/"\n',
            "start_url: bad start URL 'ftp://tinh.dcs.vn/': the scheme must be http or https",
        ),
        ('name = "other"\nstart_url = "https://t/"\n', "name: is 'other' but the file is tinh"),
        (MINIMAL + 'titel = "x"\n', "titel: unknown key (known: name, title, start_url,"),
        (MINIMAL + "[labels]\nviews = ['Lượt xem']\ndates = []\n", "labels.dates: unknown key"),
        (MINIMAL + "[ids]\npattern = '(unclosed'\n", "ids.pattern: article id pattern '(unclosed'"),
        (MINIMAL + "[ids]\npattern = '/(\\d+)/(\\d+)'\n", "ids.pattern: an article id pattern"),
        (MINIMAL + "[ids]\nslug_ids = 'yes'\n", "ids.slug_ids: must be true or false, got 'yes'"),
        (MINIMAL + "[labels]\nviews = 'Lượt xem'\n", "labels.views: must be a list of strings"),
        (MINIMAL + "[labels]\nviews = ['']\n", "labels.views: has an empty string"),
        (MINIMAL + "[labels]\ndate = []\n", "labels.date: no date label and bare_date is false"),
        (
            MINIMAL + "[labels]\ndate = []\nviews = []\nbare_date = true\n",
            "labels.views: no date label and no views label",
        ),
        (
            MINIMAL + "[labels]\ndate_formats = ['mm/dd/yyyy']\n",
            "labels.date_formats: unknown format 'mm/dd/yyyy' (known: dd/mm/yyyy,",
        ),
        (MINIMAL + "labels = 3\n", "labels: must be a table ([labels]), got 3"),
        (MINIMAL + "[revisit]\nyoung_days = -1\n", "revisit.young_days: must be >= 0, got -1"),
        (MINIMAL + "[revisit]\nyoung = 1\n", "revisit.young: unknown key"),
        (
            MINIMAL + "[politeness]\ndownload_delay = 'slow'\n",
            "politeness.download_delay: must be a number, got 'slow'",
        ),
        (
            MINIMAL + "[politeness]\nconcurrent_requests_per_domain = 0.5\n",
            "politeness.concurrent_requests_per_domain: must be a whole number >= 1, got 0.5",
        ),
        (
            MINIMAL + "[politeness]\nrobotstxt_obey = false\n",
            "politeness.robotstxt_obey: unknown key",
        ),
        (
            MINIMAL + 'allowed_hosts = ["https://tinh.dcs.vn/"]\n',
            "allowed_hosts: 'https://tinh.dcs.vn/' is not a host name",
        ),
        (
            MINIMAL + 'hosts = ["tinh.dcs.vn:8080"]\n',
            "hosts: 'tinh.dcs.vn:8080' is not a host name",
        ),
        (MINIMAL + "enabled = 1\n", "enabled: must be true or false, got 1"),
        ('name = "tinh"\nstart_url = "https://t/\n', "not valid TOML: "),
    ],
)
def test_a_bad_profile_is_one_line_naming_the_file_and_the_key(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, "tinh", text)
    with pytest.raises(ProfileError) as info:
        load_profile("tinh", tmp_path)
    error = str(info.value)
    assert error.startswith(f"{path}: "), error
    assert message in error, error
    assert "\n" not in error


def test_a_file_name_that_is_no_profile_name(tmp_path: Path) -> None:
    write(tmp_path, "Hau Giang", MINIMAL)
    profiles, errors = load_profiles(tmp_path)
    assert [p.name for p in profiles] == ["haugiang"]
    assert [str(e) for e in errors] == [
        f"{tmp_path / 'Hau Giang.toml'}: the file name must be <name>.toml with a name of "
        "lower-case letters, digits, '-' or '_'"
    ]


def test_user_profiles_add_portals_and_replace_builtin_ones(tmp_path: Path) -> None:
    write(tmp_path, "tinh", MINIMAL)
    override = write(
        tmp_path,
        "haugiang",
        'name = "haugiang"\nstart_url = "https://mirror.haugiang.example/"\nenabled = false\n',
    )
    profiles, errors = load_profiles(tmp_path)
    assert errors == []
    by_name = {p.name: p for p in profiles}
    assert sorted(by_name) == ["haugiang", "tinh"]
    assert by_name["haugiang"].start_url == "https://mirror.haugiang.example/"
    assert by_name["haugiang"].source == f"{override} (overrides the built-in)"
    assert not by_name["haugiang"].enabled
    assert by_name["tinh"].labels == Labels()  # the Hậu Giang labels unless said otherwise
    # a missing user directory is an empty one
    assert [p.name for p in load_profiles(tmp_path / "none")[0]] == ["haugiang"]
    # --all-sites: the enabled ones, and those that cannot be read (their crawl says why)
    write(tmp_path, "broken", "name = 3\n")
    assert site_names(tmp_path) == ["broken", "tinh"]
    assert site_names() == ["haugiang"]


def test_a_profile_changed_on_disk_is_read_again(tmp_path: Path) -> None:
    path = write(tmp_path, "tinh", MINIMAL)
    assert load_profile("tinh", tmp_path).title == ""
    path.write_text(MINIMAL + 'title = "Tỉnh ủy"\n', encoding="utf-8")
    assert load_profile("tinh", tmp_path).title == "Tỉnh ủy"


def test_an_unknown_site_lists_the_known_ones(tmp_path: Path) -> None:
    write(tmp_path, "tinh", MINIMAL)
    with pytest.raises(UnknownSite, match=r"named 'nowhere' .*known: haugiang, tinh$"):
        load_profile("nowhere", tmp_path)


def test_the_fixture_profiles_are_valid() -> None:
    profiles, errors = load_profiles(FIXTURES)
    assert errors == []
    by_name = {p.name: p for p in profiles}
    assert by_name["replica-ids"].slug_ids and by_name["replica-ids"].labels == Labels()
    province2 = by_name["replica-province2"]
    assert province2.labels == Labels(
        date=(), views=("Lượt xem",), bare_date=True, date_formats=("dd/mm/yyyy",)
    )
    assert not province2.slug_ids and province2.article_id_pattern == ""


# ---------------------------------------------------------------- the profile in the configuration


@pytest.fixture
def sites(tmp_path: Path) -> Path:
    directory = tmp_path / "data" / "sites"  # the default: <data dir>/sites
    write(
        directory,
        "tinh",
        MINIMAL
        + 'allowed_hosts = ["www.tinh.dcs.vn"]\n'
        + "[ids]\nslug_ids = true\n"
        + "[labels]\ndate = []\nviews = ['Lượt xem']\nbare_date = true\n"
        + "[revisit]\nyoung_days = 3\nold_interval_days = 14\n"
        + "[politeness]\ndownload_delay = 5\nconcurrent_requests_per_domain = 1\n"
        + "autothrottle = false\n",
    )
    return tmp_path / "data"


def config_for(data_dir: Path, **settings: object) -> HgcrawlerConfig:
    values = {"HGCRAWLER_DATA_DIR": str(data_dir), "HGCRAWLER_SITE": "tinh", **settings}
    return HgcrawlerConfig.from_settings(Settings(values))


def test_the_profile_gives_the_defaults(sites: Path) -> None:
    config = config_for(sites)
    assert config.site.name == "tinh"
    assert config.start_url == "https://tinh.dcs.vn/"
    assert config.allowed_hosts == ("tinh.dcs.vn", "www.tinh.dcs.vn")
    assert config.article_keys.slug_ids
    assert config.article_keys.key("https://tinh.dcs.vn/tin/hoi-nghi-4711.html") == "4711"
    assert config.site.labels.views == ("Lượt xem",) and config.site.labels.bare_date
    assert config.revisit == RevisitPolicy(young_days=3, old_interval=dt.timedelta(days=14))
    assert config.archive.lock_path == sites / "locks" / "tinh.lock"
    assert config.archive.journal_dir == sites / "journal" / "hgcrawler" / "tinh"


def test_an_explicit_setting_wins_over_the_profile(sites: Path) -> None:
    config = config_for(
        sites,
        HGCRAWLER_START_URL="http://127.0.0.2:8000/",
        HGCRAWLER_SLUG_IDS="0",
        HGCRAWLER_ARTICLE_ID_PATTERN=r"/tin/(\d+)/",
        HGCRAWLER_REVISIT_YOUNG_DAYS="2",
    )
    assert config.start_url == "http://127.0.0.2:8000/"
    # the start URL's host is the site's; the profile's other hosts stay
    assert config.allowed_hosts == ("127.0.0.2", "www.tinh.dcs.vn")
    assert not config.article_keys.slug_ids
    assert config.article_keys.key("https://tinh.dcs.vn/tin/12/x-99.html") == "12"
    assert config.revisit.young_days == 2
    assert config.revisit.old_interval == dt.timedelta(days=14)  # still the profile's


def test_a_bad_revisit_combination_names_the_profile(sites: Path) -> None:
    with pytest.raises(ConfigError, match=r"REVISIT_\* settings \(with site profile tinh's"):
        config_for(sites, HGCRAWLER_REVISIT_OLD_DAYS="1")


def test_the_sites_directory_setting(tmp_path: Path, sites: Path) -> None:
    elsewhere = tmp_path / "profiles"
    write(elsewhere, "khac", MINIMAL.replace("tinh", "khac"))
    config = config_for(sites, HGCRAWLER_SITE="khac", HGCRAWLER_SITES_DIR=str(elsewhere))
    assert config.site.name == "khac" and config.site.source == str(elsewhere / "khac.toml")
    with pytest.raises(ConfigError, match="HGCRAWLER_SITE=tinh: no site profile named 'tinh'"):
        config_for(sites, HGCRAWLER_SITES_DIR=str(elsewhere))


@pytest.mark.parametrize("name", ["../etc", "Tinh", "", "a b"])
def test_a_site_name_is_a_plain_word(sites: Path, name: str) -> None:
    with pytest.raises(ConfigError, match="HGCRAWLER_SITE must be a site profile's name"):
        config_for(sites, HGCRAWLER_SITE=name)


def test_a_broken_profile_stops_the_configuration_naming_the_file(sites: Path) -> None:
    path = write(sites / "sites", "tinh", MINIMAL + "[labels]\nviews = 'Lượt xem'\n")
    with pytest.raises(ConfigError) as info:
        config_for(sites)
    assert str(info.value) == (
        f"HGCRAWLER_SITE=tinh: {path}: labels.views: must be a list of strings, got 'Lượt xem'"
    )
    assert site_profile(Settings({"HGCRAWLER_DATA_DIR": str(sites)})) == HAUGIANG


def test_politeness_replaces_the_project_defaults_not_the_command_line(sites: Path) -> None:
    settings = Settings({"HGCRAWLER_DATA_DIR": str(sites), "HGCRAWLER_SITE": "tinh"})
    settings.setmodule("hgcrawler.settings", priority="project")
    settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", 16, priority="cmdline")  # e.g. --fast
    assert settings.getfloat("DOWNLOAD_DELAY") == 1.0  # hgcrawler/settings.py
    apply_site_settings(settings)
    assert settings.getfloat("DOWNLOAD_DELAY") == 5.0
    assert settings.getbool("AUTOTHROTTLE_ENABLED") is False
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 16
    assert settings.getbool("ROBOTSTXT_OBEY")  # no profile can turn robots.txt off


def test_the_spider_crawls_the_profile_with_its_politeness(sites: Path) -> None:
    from scrapy.utils.reactor import install_reactor, is_reactor_installed
    from scrapy.utils.test import get_crawler

    from hgcrawler.crawl.runner import project_settings
    from spiders.haugiang import HaugiangSpider

    settings = project_settings(
        {"HGCRAWLER_DATA_DIR": str(sites), "HGCRAWLER_SITE": "tinh", "HGCRAWLER_CONTACT": "a@b.vn"}
    ).copy_to_dict()
    if not is_reactor_installed():
        install_reactor(settings["TWISTED_REACTOR"])
    crawler = get_crawler(HaugiangSpider, settings_dict=settings)
    spider = HaugiangSpider.from_crawler(crawler)
    assert spider.start_url == "https://tinh.dcs.vn/"
    assert spider.allowed_domains == ["tinh.dcs.vn", "www.tinh.dcs.vn"]
    assert spider.labels == Labels(date=(), views=("Lượt xem",), bare_date=True)
    assert spider.on_site("https://www.tinh.dcs.vn/a.html")
    assert not spider.on_site("https://haugiang.dcs.vn/a.html")
    assert not spider.on_site("https://sub.tinh.dcs.vn/a.html")
    assert crawler.settings.getfloat("DOWNLOAD_DELAY") == 5.0
    assert crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1


def test_every_profile_key_is_documented() -> None:
    sites_doc = (ROOT / "docs" / "sites.md").read_text(encoding="utf-8")
    for key, setting in REVISIT_SETTINGS.items():
        assert setting in DEFAULTS and key in sites_doc, key
    for key, (setting, _) in POLITENESS_SETTINGS.items():
        assert f"{key} = " in sites_doc and setting in sites_doc, key
    for key in TOP_KEYS:
        assert f"{key} = " in sites_doc or f"[{key}]" in sites_doc, key
    builtin = (BUILTIN_DIR / "haugiang.toml").read_text(encoding="utf-8")
    shown = [line for line in builtin.splitlines() if line and not line.startswith("#")]
    assert all(line in sites_doc for line in shown)  # the built-in file, as documented
    for page in ("crawling.md", "settings.md", "extraction.md"):
        assert "(sites.md" in (ROOT / "docs" / page).read_text(encoding="utf-8"), page


def test_a_profile_of_old_articles_revisits_them_daily(tmp_path: Path) -> None:
    """docs/crawling.md's recipe for a portal whose articles are months old: its own
    [revisit] windows make an article of two years due daily, not weekly."""
    import re

    docs = (Path(__file__).parents[1] / "docs" / "crawling.md").read_text(encoding="utf-8")
    recipe = re.search(r"```toml\n( *\[revisit\]\n.*?) *```", docs, re.DOTALL)
    assert recipe is not None
    text = "\n".join(line.strip() for line in recipe.group(1).splitlines()) + "\n"
    write(tmp_path / "data" / "sites", "tinh", MINIMAL + text)
    config = config_for(tmp_path / "data")
    two_years = dt.timedelta(days=730)
    assert config.revisit.interval_for(two_years) == dt.timedelta(days=1)
    assert config.revisit.interval_for(dt.timedelta(days=2000)) == dt.timedelta(days=2)
    default = config_for(tmp_path / "data", HGCRAWLER_SITE="haugiang")
    assert default.revisit.interval_for(two_years) == dt.timedelta(days=7)


def test_hosts_name_every_address_the_site_has_had(tmp_path: Path) -> None:
    """``hosts`` (newest first) and the older ``allowed_hosts`` say the same: both kept."""
    write(tmp_path, "tinh", MINIMAL + 'hosts = ["Tinh.CanTho.gov.vn", "tinh.dcs.vn"]\n'
          'allowed_hosts = ["old.tinh.vn", "tinh.dcs.vn"]\n')  # fmt: skip
    profile = load_profile("tinh", tmp_path)
    assert profile.allowed_hosts == ("tinh.cantho.gov.vn", "tinh.dcs.vn", "old.tinh.vn")
