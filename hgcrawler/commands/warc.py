"""``hgcrawler warc``: the raw responses kept in WARC files (``docs/warc.md``).

``show ARTICLE [--revision N]`` prints the bytes behind a version of an article,
``list [CRAWL_ID]`` the files and their sizes, ``index CRAWL_ID`` (re)writes a
crawl's CDXJ index, ``replay`` serves every crawl with pywb on loopback.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from hgcrawler.commands._archive import EXIT_NOTHING, CommandError, open_archive, run_guarded
from hgcrawler.commands._listen import address_text, listen_problem, port_problem
from hgcrawler.config import default_data_dir
from hgcrawler.fetch.warc import (
    INDEX_NAME,
    WarcLookupError,
    crawl_directory,
    crawl_ids,
    read_response,
    warc_files,
    warc_location_text,
    warc_root,
    write_index,
)

__all__ = ["configure", "replay_command", "run", "write_replay_config"]

#: The pywb collection ``hgcrawler warc replay`` serves.
COLLECTION = "hgcrawler"


def configure(parser: argparse.ArgumentParser) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="data directory (default: $HGCRAWLER_DATA_DIR or ~/.local/share/hgcrawler)",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    show = actions.add_parser(
        "show", parents=[common], help="print the response behind a version of an article"
    )
    show.add_argument(
        "article", metavar="ARTICLE", help="article id (<site>:<key>), a site's key, or URL"
    )
    show.add_argument(
        "--site",
        action="append",
        metavar="NAME",
        help="the site whose key ARTICLE is (when several sites have that key)",
    )
    show.add_argument(
        "--revision", type=int, default=None, metavar="N", help="revision N (default: current)"
    )
    show.add_argument("--headers", action="store_true", help="the HTTP status line and headers too")
    show.add_argument(
        "--raw",
        action="store_true",
        help="the body as sent (still gzip-encoded if the server gzipped it)",
    )
    show.add_argument(
        "--mongo-uri", default=None, help="MongoDB URI (default: $MONGO_URI, else embedded)"
    )
    show.add_argument(
        "--database",
        default=None,
        help="database name (default: $HGCRAWLER_MONGO_DATABASE, else 'hgcrawler')",
    )

    listing = actions.add_parser("list", parents=[common], help="WARC files and their sizes")
    listing.add_argument("crawl_id", nargs="?", metavar="CRAWL_ID", help="one crawl's files")

    index = actions.add_parser(
        "index", parents=[common], help="write a crawl's CDXJ index (index.cdxj)"
    )
    index.add_argument("crawl_id", metavar="CRAWL_ID")

    replay = actions.add_parser(
        "replay", parents=[common], help="serve the archive with pywb (wayback)"
    )
    replay.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    replay.add_argument("--bind", default="127.0.0.1", help="address (default 127.0.0.1)")


def run(args: argparse.Namespace) -> int:
    """Exit 0 done, 1 nothing to show (unknown article or revision, no WARC files),
    2 bad arguments, an unreachable database, or replay that cannot start."""
    return run_guarded(f"hgcrawler warc {args.action}", lambda: _run(args))


def _run(args: argparse.Namespace) -> int:
    data_dir: Path = (args.data_dir or default_data_dir()).expanduser()
    try:
        if args.action == "show":
            return _show(args, data_dir)
        if args.action == "list":
            return _list(data_dir, args.crawl_id)
        if args.action == "index":
            path = write_index(data_dir, args.crawl_id)
            print(path)
            return 0
        return _replay(args, data_dir)
    except (WarcLookupError, FileNotFoundError, ValueError) as exc:
        raise CommandError(str(exc), exit_code=EXIT_NOTHING) from None


# --- show -------------------------------------------------------------------------------


def _show(args: argparse.Namespace, data_dir: Path) -> int:
    from hgcrawler.storage import UnknownArticle

    with open_archive(args) as reader:
        reader.ensure_not_empty()
        try:
            revision = reader.revision(args.article, args.revision)
        except UnknownArticle as exc:
            raise WarcLookupError(str(exc)) from None
    location = revision.get("warc")
    if not location:
        raise WarcLookupError(
            f"revision {revision.get('number')} of article {revision.get('article_id')} "
            "has no WARC record (crawled with HGCRAWLER_WARC_ENABLED off?)"
        )
    response = read_response(data_dir, location)
    print(
        f"article {revision['article_id']} revision {revision['number']}: "
        f"{response.url} {response.date} {warc_location_text(revision)}",
        file=sys.stderr,
    )
    out = sys.stdout.buffer
    if args.headers:
        out.write(response.header_bytes())
    out.write(response.raw_body if args.raw else response.body)
    out.flush()
    return 0


# --- list -------------------------------------------------------------------------------


def _size(size: int) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"  # pragma: no cover


def _list(data_dir: Path, crawl_id: str | None) -> int:
    if crawl_id:
        directory = crawl_directory(data_dir, crawl_id)
        files = warc_files(data_dir, crawl_id)
        if not files:
            raise FileNotFoundError(f"no WARC files in {directory}")
        for path in files:
            print(f"{path.stat().st_size:>12}  {path.relative_to(data_dir)}")
        index = directory / INDEX_NAME
        print(f"{'':>12}  {index.relative_to(data_dir)}" + ("" if index.exists() else " (missing)"))
        return 0
    ids = crawl_ids(data_dir)
    if not ids:
        print(f"no WARC files under {warc_root(data_dir)}")
        return 0
    total = 0
    for name in ids:
        files = warc_files(data_dir, name)
        size = sum(path.stat().st_size for path in files)
        total += size
        indexed = (
            "indexed" if (crawl_directory(data_dir, name) / INDEX_NAME).exists() else "no index"
        )
        print(f"{name}  {len(files):>4} files  {_size(size):>10}  {indexed}")
    print(f"total: {len(ids)} crawls, {_size(total)} in {warc_root(data_dir)}")
    return 0


# --- replay -----------------------------------------------------------------------------


def write_replay_config(data_dir: Path) -> Path:
    """A pywb directory (``<data_dir>/warc/.pywb``) serving every crawl as one collection.

    Its ``indexes/`` holds a link to each crawl's ``index.cdxj`` (written first
    where missing); ``config.yaml`` points pywb at them and at ``<data_dir>/warc/``,
    against which the index file names are relative.  Returns the directory.
    """
    root = warc_root(data_dir).resolve()
    replay_dir = root / ".pywb"
    indexes = replay_dir / "indexes"
    indexes.mkdir(parents=True, exist_ok=True)
    for stale in indexes.iterdir():
        stale.unlink()
    ids = [name for name in crawl_ids(data_dir) if warc_files(data_dir, name)]
    if not ids:
        raise FileNotFoundError(f"no WARC files under {root}")
    for name in ids:
        index = crawl_directory(data_dir, name).resolve() / INDEX_NAME
        if not index.exists():
            write_index(data_dir, name)
        (indexes / f"{name}.cdxj").symlink_to(index)
    config = (
        "# written by `hgcrawler warc replay`; rewritten on every run\n"
        "collections:\n"
        f"  {COLLECTION}:\n"
        f"    index_paths: {_yaml_string(str(indexes))}\n"
        f"    archive_paths: {_yaml_string(str(root) + '/')}\n"
        "framed_replay: true\n"
    )
    (replay_dir / "config.yaml").write_text(config, encoding="utf-8")
    return replay_dir


def _yaml_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def replay_command(replay_dir: Path, port: int, bind: str = "127.0.0.1") -> list[str]:
    """The command line that runs pywb's ``wayback`` on ``replay_dir``."""
    launcher = "import sys; from pywb.apps.cli import wayback; sys.exit(wayback())"
    return [
        sys.executable,
        "-c",
        launcher,
        "--bind",
        bind,
        "--port",
        str(port),
        "--directory",
        str(replay_dir),
    ]


#: What to say when pywb (an optional dependency) cannot be imported.
PYWB_MISSING = (
    "pywb is not installed; install the replay extra: pip install 'hgcrawler[replay]' "
    "(in a clone: pip install -e '.[replay]')"
)


def pywb_problem() -> str | None:
    """Why pywb's ``wayback`` cannot run here, or None."""
    import importlib.util

    try:
        import pywb  # noqa: F401
    except ImportError:
        return PYWB_MISSING
    if importlib.util.find_spec("gevent") is None:  # pywb's server
        return PYWB_MISSING
    return None


def _replay(args: argparse.Namespace, data_dir: Path) -> int:
    where = address_text(args.bind, args.port)
    bad_port = port_problem(args.port, allow_any=False)
    if bad_port is not None:
        raise CommandError(f"cannot listen on {where}: {bad_port}")
    missing = pywb_problem()
    if missing is not None:
        raise CommandError(missing)
    unavailable = listen_problem(args.bind, args.port)
    if unavailable is not None:
        raise CommandError(f"cannot listen on {where}: {unavailable}")
    replay_dir = write_replay_config(data_dir)
    print(f"replaying {warc_root(data_dir)} at http://{where}/{COLLECTION}/", flush=True)
    print(f"  e.g. http://{where}/{COLLECTION}/*/<article URL> for its captures", flush=True)
    command = replay_command(replay_dir, args.port, args.bind)
    if os.name == "posix":  # become wayback: signals (Ctrl-C, kill) reach it directly
        os.chdir(replay_dir)
        os.execv(command[0], command)
    process = subprocess.Popen(command, cwd=replay_dir)
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        process.wait(timeout=10)
        return 130
