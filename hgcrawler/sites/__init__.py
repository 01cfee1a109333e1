"""Site profiles: one TOML file per party portal, the Hậu Giang portal built in.

:mod:`hgcrawler.sites.profile` holds the types (:class:`SiteProfile`,
:class:`Labels`) and the strict reading of one file; :mod:`hgcrawler.sites.catalog`
finds the built-in profiles and the user's.  ``docs/sites.md`` describes the format.
"""

from __future__ import annotations

from hgcrawler.sites.catalog import (
    BUILTIN_DIR,
    ProfileFile,
    UnknownSite,
    load_profile,
    load_profiles,
    profile_files,
    read_profile,
    site_names,
)
from hgcrawler.sites.profile import Labels, ProfileError, SiteProfile, parse_profile

__all__ = [
    "BUILTIN_DIR",
    "DEFAULT_SITE",
    "HAUGIANG",
    "Labels",
    "ProfileError",
    "ProfileFile",
    "SiteProfile",
    "UnknownSite",
    "load_profile",
    "load_profiles",
    "parse_profile",
    "profile_files",
    "read_profile",
    "site_names",
]

#: The profile crawled when none is named (``HGCRAWLER_SITE``).
DEFAULT_SITE = "haugiang"
#: The built-in Hậu Giang profile.
HAUGIANG = load_profile(DEFAULT_SITE)
