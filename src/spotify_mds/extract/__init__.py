"""Extracting second sources into bronze: the Spotify Web API (the user's real listening).

`spotify`: the HTTP client and the streams; `auth`: the OAuth refresh-token flow; `load_raw`: bronze
to RAW; `catalog`: the extracted tracks as a catalog for the simulator; `run`: the edge that turns
settings into the plain arguments these take (CLI and DAG).

The client needs httpx (the `spotify` extra); `load_extracted_catalog` does not, so the names that
need httpx are imported on first use and the simulator can import the catalog on a base install.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from spotify_mds.extract.catalog import load_extracted_catalog

_LAZY = {
    "Credentials": "auth",
    "SpotifyAuthError": "auth",
    "require_credentials": "auth",
    "STREAM_NAMES": "spotify",
    "EndpointNotServed": "spotify",
    "ExtractReport": "spotify",
    "SpotifyApiError": "spotify",
    "SpotifyClient": "spotify",
    "extract": "spotify",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f"spotify_mds.extract.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "STREAM_NAMES",
    "Credentials",
    "EndpointNotServed",
    "ExtractReport",
    "SpotifyApiError",
    "SpotifyAuthError",
    "SpotifyClient",
    "extract",
    "load_extracted_catalog",
    "require_credentials",
]
