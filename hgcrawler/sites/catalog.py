"""Where profiles come from: the built-in files next to this module, and a user directory.

A profile is the file ``<name>.toml``.  A user directory (``HGCRAWLER_SITES_DIR``,
default ``<data dir>/sites``) may add portals or replace a built-in one with a
file of the same name.  Files are read when asked for and kept while unchanged.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, replace
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from hgcrawler.sites.profile import NAME_PATTERN, ProfileError, SiteProfile, parse_profile

__all__ = [
    "BUILTIN_DIR",
    "ProfileFile",
    "UnknownSite",
    "load_profile",
    "load_profiles",
    "profile_files",
    "read_profile",
    "site_names",
]

#: The built-in profiles: ``hgcrawler/sites/*.toml``, read as package resources (so
#: they are found in an egg Scrapyd runs, too).
BUILTIN_DIR: Traversable = resources.files("hgcrawler.sites")
SUFFIX = ".toml"


class UnknownSite(ProfileError):
    """No profile has this name; the message lists the known ones."""


@dataclass(frozen=True)
class ProfileFile:
    """A profile's file, before it is read."""

    name: str
    path: Path | Traversable
    builtin: bool
    overrides: bool = False  # a user file that replaces the built-in one of its name

    @property
    def origin(self) -> str:
        """Where the profile comes from, for people: ``built-in`` or the file."""
        if self.builtin:
            return "built-in"
        return f"{self.path} (overrides the built-in)" if self.overrides else str(self.path)


def _files_in(directory: Path) -> list[Path]:
    return sorted(path for path in directory.glob(f"*{SUFFIX}") if path.is_file())


def _builtin_files() -> list[Traversable]:
    found = [item for item in BUILTIN_DIR.iterdir() if item.name.endswith(SUFFIX)]
    return sorted(found, key=lambda item: item.name)


def profile_files(user_dir: Path | None = None) -> dict[str, ProfileFile]:
    """Every profile file by name: the built-in ones, then the user directory's
    (which replace built-in ones of the same name).  A missing user directory
    is an empty one."""
    files = {
        item.name[: -len(SUFFIX)]: ProfileFile(item.name[: -len(SUFFIX)], item, builtin=True)
        for item in _builtin_files()
    }
    if user_dir is None or not user_dir.exists():
        return files
    if not user_dir.is_dir():
        raise ProfileError(f"{user_dir}: the sites directory is not a directory")
    for path in _files_in(user_dir):
        files[path.stem] = ProfileFile(path.stem, path, builtin=False, overrides=path.stem in files)
    return files


def read_profile(file: ProfileFile) -> SiteProfile:
    """The profile in ``file``, checked (:class:`ProfileError` naming the file and key)."""
    if not isinstance(file.path, Path):  # a built-in resource: it never changes
        return _read(file, 0, 0)
    try:
        stat = file.path.stat()
    except OSError as exc:
        raise ProfileError(f"{file.path}: cannot read: {exc.strerror or exc}") from None
    return _read(file, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=64)
def _read(file: ProfileFile, mtime_ns: int, size: int) -> SiteProfile:
    if not NAME_PATTERN.fullmatch(file.name):
        raise ProfileError(
            f"{file.path}: the file name must be <name>.toml with a name of lower-case "
            "letters, digits, '-' or '_'"
        )
    try:
        data = tomllib.loads(file.path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise ProfileError(f"{file.path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{file.path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ProfileError(f"{file.path}: not UTF-8 text: {exc}") from None
    profile = parse_profile(data, str(file.path), stem=file.name)
    return replace(profile, source=file.origin)


def load_profile(name: str, user_dir: Path | None = None) -> SiteProfile:
    """The profile called ``name`` (:class:`UnknownSite` when there is none)."""
    files = profile_files(user_dir)
    if name not in files:
        known = ", ".join(sorted(files)) or "none"
        where = f" (built-in or in {user_dir})" if user_dir is not None else ""
        raise UnknownSite(f"no site profile named {name!r}{where}; known: {known}")
    return read_profile(files[name])


def load_profiles(user_dir: Path | None = None) -> tuple[list[SiteProfile], list[ProfileError]]:
    """Every profile, by name, and the errors of the files that could not be read."""
    profiles, errors = [], []
    for _, file in sorted(profile_files(user_dir).items()):
        try:
            profiles.append(read_profile(file))
        except ProfileError as exc:
            errors.append(exc)
    return profiles, errors


def site_names(user_dir: Path | None = None) -> list[str]:
    """The sites ``--all-sites`` crawls: every profile not marked ``enabled = false``, by
    name.  A file that cannot be read is named too: its crawl says why it cannot start."""
    names = []
    for name, file in sorted(profile_files(user_dir).items()):
        try:
            enabled = read_profile(file).enabled
        except ProfileError:
            enabled = True
        if enabled:
            names.append(name)
    return names
