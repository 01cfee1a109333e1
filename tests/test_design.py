"""The import boundaries of ``docs/DESIGN.md``, checked on the source with ``ast``.

Modules are parsed, never imported, so a rule holds for every import in the file:
top-level, inside functions, under ``TYPE_CHECKING``. Relative imports are
resolved against the module's package. Imports by string (``importlib``) are not
seen. A new rule is one more row in ``RULES``.
"""

from __future__ import annotations

import ast
import fnmatch
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("hgcrawler", "spiders", "tests", "benchmarks")


@dataclass(frozen=True)
class Rule:
    """Modules matching ``files`` (a glob on the path from the repository root, where
    ``*`` also crosses directories) import nothing named by a ``forbidden`` prefix,
    unless it also falls under an ``allowed`` prefix."""

    files: str
    forbidden: tuple[str, ...]
    why: str
    allowed: tuple[str, ...] = ()
    exempt: tuple[str, ...] = ()  # globs of files the rule does not apply to


#: What the pure modules never import: the crawl's machinery, storage, the CLI.
PURE = (
    "spiders",
    "hgcrawler.pipelines",
    "hgcrawler.storage",
    "hgcrawler.commands",
    "hgcrawler.cli",
    "scrapy.crawler",
    "pymongo",
)

#: What writes the archive or runs a crawl (never imported by the browser).
WRITES = (
    "hgcrawler.storage.mongo",
    "hgcrawler.storage.writer",
    "hgcrawler.storage.identity",
    "hgcrawler.storage.revisions",
    "hgcrawler.storage.joins",
    "hgcrawler.storage.outcomes",
    "hgcrawler.storage.merge",
    "hgcrawler.storage.migrate",
    "hgcrawler.storage.journal",
    "hgcrawler.storage.demo",
    "hgcrawler.pipelines",
    "hgcrawler.crawl",
    "hgcrawler.commands",
    "spiders",
)

#: The flow of ``docs/DESIGN.md``, one package a stage: a stage imports the stages below
#: it, never those above. ``crawl`` (running one crawl) sits over ``fetch`` (finding and
#: fetching pages), ``pipelines`` and ``storage`` (keeping them) and ``read`` (reading
#: them); ``show`` (showing the archive) reads ``storage`` and never runs a crawl.
RULES = (
    Rule(
        "hgcrawler/read/*.py",
        (
            *PURE,
            "hgcrawler.crawl",
            "hgcrawler.fetch",
            "hgcrawler.show",
            "hgcrawler.config",
            "hgcrawler.sites",
            "scrapy",
            "twisted",
        ),
        "reading a page is pure: HTML + URL -> fields, with no crawl, store or Scrapy",
    ),
    Rule(
        "hgcrawler/fetch/*.py",
        (
            "spiders",
            "hgcrawler.crawl",
            "hgcrawler.pipelines",
            "hgcrawler.storage",
            "hgcrawler.show",
            "hgcrawler.commands",
            "hgcrawler.cli",
            "pymongo",
        ),
        "fetching knows requests and responses, not the crawl that asks or the archive",
    ),
    Rule(
        "hgcrawler/show/*.py",
        (
            "spiders",
            "hgcrawler.crawl",
            "hgcrawler.pipelines",
            "hgcrawler.commands",
            "hgcrawler.cli",
            "pymongo",
        ),
        "showing reads the archive through hgcrawler.storage; it never runs a crawl",
        allowed=("hgcrawler.fetch.warc",),
    ),
    Rule(
        "hgcrawler/sites/*.py",
        ("spiders", "hgcrawler.crawl", "hgcrawler.fetch", "hgcrawler.show", "hgcrawler.storage"),
        "a site profile is data read by pure functions; the crawl and the archive use it",
    ),
    Rule(
        "hgcrawler/replica/*.py",
        ("hgcrawler", "spiders"),
        "the replica is an independent site: it never imports the crawler",
        allowed=("hgcrawler.replica",),
    ),
    Rule(
        "spiders/*.py",
        ("hgcrawler.storage", "hgcrawler.show", "hgcrawler.commands", "pymongo", "bson"),
        "spiders yield items and requests; only hgcrawler.storage talks to MongoDB",
    ),
    Rule(
        "spiders/*.py",
        ("hgcrawler.fetch.counters", "hgcrawler.fetch.rendering", "hgcrawler.fetch.browser"),
        "spiders find pages and extract; view counts their HTML lacks (counter learning, "
        "rendering) are hgcrawler.fetch.viewcounts.ViewCounts's",
    ),
    Rule(
        "hgcrawler/*.py",
        ("pymongo", "bson"),
        "MongoDB is opened and read only in hgcrawler.storage (one entry point, one reader)",
        exempt=("hgcrawler/storage/*.py",),
    ),
    Rule(
        "hgcrawler/pipelines/*.py",
        ("spiders", "hgcrawler.commands", "hgcrawler.cli", "hgcrawler.show"),
        "the pipelines take items and records, whoever made them",
    ),
    Rule(
        "hgcrawler/storage/*.py",
        (
            "spiders",
            "hgcrawler.pipelines",
            "hgcrawler.commands",
            "hgcrawler.crawl",
            "hgcrawler.fetch",
            "hgcrawler.show",
            "scrapy",
        ),
        "storage knows neither the crawl nor the command line",
    ),
    Rule("tests/*.py", ("mongomock",), "tests run against a real SecantusDB server"),
    Rule(
        "hgcrawler/show/web/*.py",
        WRITES,
        "the browser (hgcrawler serve) reads: nothing that writes the archive or runs a crawl",
    ),
)


@dataclass(frozen=True)
class Import:
    line: int
    name: str  # absolute dotted name: ``pymongo``, ``hgcrawler.storage.base.CrawlPlan``


def module_name(path: Path) -> str:
    """``hgcrawler/replica/site.py`` -> ``hgcrawler.replica.site``; a package's
    ``__init__.py`` -> the package."""
    parts = list(path.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(source: str, module: str, is_package: bool = False) -> list[Import]:
    """Every name a module imports, resolved to an absolute dotted name.

    ``from a.b import c`` yields ``a.b.c`` (``c`` may be a module or a name in ``a.b``).
    """
    package = module if is_package else module.rpartition(".")[0]
    found: list[Import] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend(Import(node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            found.extend(Import(node.lineno, f"{base}.{alias.name}") for alias in node.names)
    return sorted(found, key=lambda imp: imp.line)


def under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def violations(relative: str, source: str) -> list[str]:
    """``path:line imports NAME (…)`` for each import that breaks a rule."""
    path = Path(relative)
    found = []
    for rule in RULES:
        if not fnmatch.fnmatchcase(relative, rule.files):
            continue
        if any(fnmatch.fnmatchcase(relative, glob) for glob in rule.exempt):
            continue
        module = module_name(path)
        for imp in imports_of(source, module, is_package=path.name == "__init__.py"):
            if under(imp.name, rule.forbidden) and not under(imp.name, rule.allowed):
                problem = f"{relative}:{imp.line} imports {imp.name}"
                if not any(f.startswith(problem + " (") for f in found):
                    found.append(f"{problem} ({rule.why})")
    return found


def python_files() -> list[str]:
    return sorted(
        path.relative_to(ROOT).as_posix()
        for top in SOURCES
        if (ROOT / top).is_dir()
        for path in (ROOT / top).rglob("*.py")
    )


def test_the_modules_keep_the_design_boundaries() -> None:
    broken = [
        problem
        for relative in python_files()
        for problem in violations(relative, (ROOT / relative).read_text(encoding="utf-8"))
    ]
    assert not broken, "imports across the boundaries of docs/DESIGN.md:\n" + "\n".join(broken)


def own_private_names() -> set[str]:
    """The ``_names`` our own code defines (functions, methods, attributes it assigns)."""
    names: set[str] = set()
    for relative in python_files():
        for node in ast.walk(ast.parse((ROOT / relative).read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
    return {name for name in names if name.startswith("_")}


#: Names with a leading underscore that their library documents as public API.
PUBLIC_UNDERSCORED = frozenset(("os._exit",))


def private_uses(relative: str, source: str, own: frozenset[str] = frozenset()) -> list[str]:
    """``path:line uses NAME`` for each private name of another library imported, and
    each ``x._name`` of another library's object (a ``_name`` not in ``own``, on
    anything but ``self``/``cls``: Scrapy's ``RetryMiddleware._retry`` and the like)."""
    module = module_name(Path(relative))
    found = []
    for imp in imports_of(source, module, is_package=relative.endswith("__init__.py")):
        foreign = not under(imp.name, ("hgcrawler", "spiders", "tests", "benchmarks"))
        parts = imp.name.split(".")
        if foreign and any(p.startswith("_") and not p.startswith("__") for p in parts):
            found.append(f"{relative}:{imp.line} imports private {imp.name}")
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Attribute):
            continue
        name = node.attr
        if not name.startswith("_") or name.startswith("__") or name in own:
            continue
        owner = node.value
        if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
            continue
        if isinstance(owner, ast.Name) and f"{owner.id}.{name}" in PUBLIC_UNDERSCORED:
            continue
        if isinstance(owner, ast.Call) and getattr(owner.func, "id", None) == "super":
            found.append(f"{relative}:{node.lineno} uses super().{name}")
            continue
        found.append(f"{relative}:{node.lineno} uses private .{name}")
    return found


#: Packages whose every module, with everything it imports when it is imported, leaves
#: ``forbidden`` unloaded: ``import hgcrawler.storage`` must not load the crawler.
TRANSITIVE_RULES = (
    Rule(
        "hgcrawler/storage/*.py",
        ("scrapy", "twisted", "spiders"),
        "a question about the archive starts without loading the crawler",
    ),
    Rule(
        "hgcrawler/config.py",
        ("scrapy", "twisted"),
        "where the archive is, is found without loading the crawler",
    ),
)


def _runtime_imports(source: str, module: str, is_package: bool) -> list[Import]:
    """The imports a module runs when it is imported: at module level (in ``try``/``if``
    blocks too), not inside functions or classes' methods, not under ``TYPE_CHECKING``."""
    tree = ast.parse(source)
    top: list[ast.stmt] = []
    pending = list(tree.body)
    while pending:
        node = pending.pop(0)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            pending.extend(node.orelse)
            continue
        if isinstance(node, ast.If | ast.Try | ast.With | ast.ClassDef):
            for field_name in ("body", "orelse", "finalbody", "handlers"):
                for child in getattr(node, field_name, []):
                    pending.extend(child.body if isinstance(child, ast.ExceptHandler) else [child])
            continue
        top.append(node)
    module_source = ast.unparse(ast.Module(body=top, type_ignores=[]))
    return imports_of(module_source, module, is_package)


def _own_module(name: str, modules: dict[str, str]) -> str | None:
    """The longest prefix of ``name`` that is one of our modules (``from a import b``)."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


def import_chain(start: str, forbidden: tuple[str, ...], modules: dict[str, str]) -> list[str]:
    """The chain of modules by which importing ``start`` imports something ``forbidden``
    (``[start, …, forbidden name]``), or ``[]``; ``modules`` maps each of our module
    names to its path. Importing ``a.b.c`` also imports the packages ``a`` and ``a.b``."""
    seen = {start}
    queue: list[list[str]] = [[start]]
    while queue:
        chain = queue.pop(0)
        module = chain[-1]
        relative = modules[module]
        source = (ROOT / relative).read_text(encoding="utf-8")
        names = [
            imp.name for imp in _runtime_imports(source, module, relative.endswith("__init__.py"))
        ]
        parts = module.split(".")
        names += [".".join(parts[:end]) for end in range(1, len(parts))]
        for name in names:
            if under(name, forbidden):
                return [*chain, name]
            own = _own_module(name, modules)
            if own is not None and own not in seen:
                seen.add(own)
                queue.append([*chain, own])
    return []


def our_modules() -> dict[str, str]:
    return {
        module_name(Path(relative)): relative
        for relative in python_files()
        if relative.startswith(("hgcrawler/", "spiders/"))
    }


@pytest.mark.parametrize("rule", TRANSITIVE_RULES, ids=lambda rule: rule.files)
def test_transitive_boundaries(rule: Rule) -> None:
    modules = our_modules()
    checked = [m for m, rel in modules.items() if fnmatch.fnmatchcase(rel, rule.files)]
    assert checked
    broken = [
        " -> ".join(chain)
        for module in checked
        if (chain := import_chain(module, rule.forbidden, modules))
    ]
    assert not broken, f"{rule.why}:\n" + "\n".join(broken)


def test_the_transitive_check_follows_imports_through_our_modules() -> None:
    """The check sees scrapy two modules away, and not an import inside a function."""
    modules = {"hgcrawler.config": "hgcrawler/config.py", "hgcrawler": "hgcrawler/__init__.py"}
    assert import_chain("hgcrawler.config", ("scrapy",), modules) == []
    source = "import os\nfrom hgcrawler.read.reasons import X\ndef f():\n    import scrapy\n"
    assert [i.name for i in _runtime_imports(source, "m", False)] == [
        "os",
        "hgcrawler.read.reasons.X",
    ]
    source = (
        "if TYPE_CHECKING:\n    import scrapy\n"
        "try:\n    import twisted\nexcept ImportError:\n    pass\n"
    )
    assert [i.name for i in _runtime_imports(source, "m", False)] == ["twisted"]
    modules = {
        **modules,
        "hgcrawler.pipelines.validation": "hgcrawler/pipelines/validation.py",
        "hgcrawler.pipelines": "hgcrawler/pipelines/__init__.py",
    }
    chain = import_chain("hgcrawler.pipelines.validation", ("scrapy",), modules)
    assert chain[0] == "hgcrawler.pipelines.validation" and chain[-1].startswith("scrapy")


def test_importing_the_archive_leaves_scrapy_unloaded() -> None:
    """The same rule, by importing for real in a fresh interpreter."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import hgcrawler.storage, hgcrawler.storage.reader, hgcrawler.storage.connect\n"
        "import hgcrawler.commands.query, hgcrawler.commands.export, hgcrawler.commands.warc\n"
        "from hgcrawler.commands._archive import archive_config\n"
        "import argparse\n"
        "archive_config(argparse.Namespace(mongo_uri=None, database='x', data_dir='/tmp'))\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('scrapy', 'twisted'))\n"
        "assert not loaded, loaded[:5]\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr


def test_no_private_api_of_another_object() -> None:
    """The package and the spiders use other objects through their public API only."""
    own = frozenset(own_private_names())
    broken = [
        problem
        for relative in python_files()
        if relative.startswith(("hgcrawler/", "spiders/"))
        for problem in private_uses(relative, (ROOT / relative).read_text(encoding="utf-8"), own)
    ]
    assert not broken, "private APIs used:\n" + "\n".join(broken)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("x = self._batch\n", []),
        ("retry = super()._retry(request, reason)\n", ["m.py:1 uses super()._retry"]),
        ("d = op._doc\n", ["m.py:1 uses private ._doc"]),
        (
            "from scrapy.utils._compression import x\n",
            ["m.py:1 imports private scrapy.utils._compression.x"],
        ),
        ("from scrapy.http import Request\n", []),
        ("os._exit(0)\n", []),  # documented public API
        ("process._exit(0)\n", ["m.py:1 uses private ._exit"]),
    ],
)
def test_the_private_check(source: str, expected: list[str]) -> None:
    assert [p.split(" (", 1)[0] for p in private_uses("m.py", source)] == expected


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.files)
def test_every_rule_applies_to_some_module(rule: Rule) -> None:
    """A renamed module must not leave a rule checking nothing."""
    assert any(fnmatch.fnmatchcase(relative, rule.files) for relative in python_files())


@pytest.mark.parametrize(
    ("relative", "source", "expected"),
    [
        (
            "hgcrawler/read/extraction.py",
            "import re\n\ndef f():\n    import pymongo.errors\n",
            ["hgcrawler/read/extraction.py:4 imports pymongo.errors"],
        ),
        (
            "hgcrawler/read/text.py",
            "from scrapy.crawler import Crawler\n",
            ["hgcrawler/read/text.py:1 imports scrapy.crawler.Crawler"],
        ),
        (
            "hgcrawler/read/urls.py",
            "from scrapy.http import Request\n",
            ["hgcrawler/read/urls.py:1 imports scrapy.http.Request"],
        ),
        ("hgcrawler/fetch/discovery.py", "from scrapy.http import Request\n", []),
        (
            "hgcrawler/fetch/pace.py",
            "from hgcrawler.crawl.session import CrawlSession\n",
            ["hgcrawler/fetch/pace.py:1 imports hgcrawler.crawl.session.CrawlSession"],
        ),
        (
            "hgcrawler/show/web/views.py",
            "from hgcrawler.fetch.warc import read_response\nfrom ...crawl import runner\n",
            ["hgcrawler/show/web/views.py:2 imports hgcrawler.crawl.runner"],
        ),
        (
            "hgcrawler/replica/site.py",
            "from . import content\nfrom ..read.text import fold\n"
            "from hgcrawler import __version__\n",
            [
                "hgcrawler/replica/site.py:2 imports hgcrawler.read.text.fold",
                "hgcrawler/replica/site.py:3 imports hgcrawler.__version__",
            ],
        ),
        ("hgcrawler/replica/__init__.py", "from .site import ReplicaSite\n", []),
        (
            "hgcrawler/replica/__init__.py",
            "from spiders.haugiang import HaugiangSpider\n",
            ["hgcrawler/replica/__init__.py:1 imports spiders.haugiang.HaugiangSpider"],
        ),
        (
            "spiders/haugiang.py",
            "from hgcrawler import storage\nfrom hgcrawler.storage.base import CrawlPlan\n",
            [
                "spiders/haugiang.py:1 imports hgcrawler.storage",
                "spiders/haugiang.py:2 imports hgcrawler.storage.base.CrawlPlan",
            ],
        ),
        (
            "hgcrawler/commands/query.py",
            "from pymongo import MongoClient\n",
            ["hgcrawler/commands/query.py:1 imports pymongo.MongoClient"],
        ),
        ("hgcrawler/storage/connect.py", "from pymongo import MongoClient\n", []),
        (
            "spiders/haugiang.py",
            "if TYPE_CHECKING:\n    from pymongo import MongoClient\n",
            ["spiders/haugiang.py:2 imports pymongo.MongoClient"],
        ),
        ("tests/test_x.py", "import mongomock\n", ["tests/test_x.py:1 imports mongomock"]),
        (
            "spiders/haugiang.py",
            "from hgcrawler.fetch.counters import TemplateBook\n"
            "from hgcrawler.fetch.viewcounts import X\n",
            ["spiders/haugiang.py:1 imports hgcrawler.fetch.counters.TemplateBook"],
        ),
        ("hgcrawler/storage/mongo.py", "import pymongo\n", []),
    ],
)
def test_the_check_finds_forbidden_imports(relative: str, source: str, expected: list[str]) -> None:
    found = [problem.split(" (", 1)[0] for problem in violations(relative, source)]
    assert found == expected


def import_circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or through others
    (strongly connected components of ``graph``, module -> the modules it imports),
    each sorted; modules in no circle are left out."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(module: str) -> None:
        order[module] = low[module] = len(order)
        stack.append(module)
        on_stack.add(module)
        for other in sorted(graph.get(module, ())):
            if other not in order:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], order[other])
        if low[module] == order[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                circles.append(sorted(group))

    for module in sorted(graph):
        if module not in order:
            visit(module)
    return sorted(circles)


def test_no_modules_import_each_other() -> None:
    """Every import counts (inside functions and under ``TYPE_CHECKING`` too): two
    modules that need each other are one concern, or share a third module below both."""
    modules = our_modules()
    graph: dict[str, set[str]] = {}
    for module, relative in modules.items():
        source = (ROOT / relative).read_text(encoding="utf-8")
        found = imports_of(source, module, relative.endswith("__init__.py"))
        owners = {_own_module(imp.name, modules) for imp in found}
        graph[module] = {owner for owner in owners if owner is not None and owner != module}
    circles = import_circles(graph)
    assert not circles, "modules that import each other:\n" + "\n".join(
        " <-> ".join(group) for group in circles
    )


def test_the_circle_check_finds_circles_through_other_modules() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"d"}}
    assert import_circles(graph) == [["a", "b", "c"]]
    assert import_circles({"a": {"b"}, "b": set()}) == []
