"""spotify-mds: a Modern Data Stack for music-streaming analytics.

The few names a user imports live here (the rest stays in its module). They are resolved on first
use, so `import spotify_mds.lake` in a landing worker does not import the runner and its console.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.2.0"
"""The package's version: pyproject reads it from here (`[tool.hatch.version]`), `--version` prints it."""

_NAMES = {
    "Lake": "spotify_mds.lake",
    "Pipeline": "spotify_mds.pipelines",
    "Settings": "spotify_mds.settings",
    "SpotifyMdsError": "spotify_mds.errors",
    "load_settings": "spotify_mds.settings",
    "open_lake": "spotify_mds.lake",
    "pipelines": "spotify_mds.pipelines",
    "run_pipeline": "spotify_mds.runner",
}


def __getattr__(name: str) -> Any:
    if name == "pipelines":  # the registry's module: `spotify_mds.pipelines.registry()`
        return import_module(_NAMES[name])
    if name in _NAMES:
        return getattr(import_module(_NAMES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Lake",
    "Pipeline",
    "Settings",
    "SpotifyMdsError",
    "load_settings",
    "open_lake",
    "pipelines",
    "run_pipeline",
]
