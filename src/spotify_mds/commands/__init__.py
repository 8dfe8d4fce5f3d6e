"""The CLI's commands, by room: the warehouse's stages, presentation, extracts; `cli` has the rest.

The command root (`app`), the stderr console and the settings helpers live here, so every room
registers its commands on the same `app` (also when `cli` runs as `python -m spotify_mds.cli`).
"""

from __future__ import annotations

import typer
from rich.console import Console

from spotify_mds.commands.helptext import HelpGroup
from spotify_mds.settings import Settings, load_settings

app = typer.Typer(
    name="spotify-mds",
    cls=HelpGroup,
    help="A Modern Data Stack for music-streaming analytics: simulate → land → load → transform → export → dashboard.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)


def _settings(**overrides: object) -> Settings:
    return load_settings(**overrides)


def _stage_settings(**overrides: object) -> Settings:
    """Settings for a stage that writes under DATA_DIR, the lake or the DuckDB file: checked first."""
    from spotify_mds.runner import check_paths

    settings = _settings(**overrides)
    check_paths(settings)
    return settings
