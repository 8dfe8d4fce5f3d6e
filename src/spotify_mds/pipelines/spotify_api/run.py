"""The edge of the Spotify extract: settings in, plain arguments to the library out.

The CLI (`spotify-mds extract spotify`) and the DAG (`dags/spotify_api_extract.py`) call these, as
they call `spotify_mds.runner` for the simulated pipeline. Nothing below the edge reads settings.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from spotify_mds.errors import ConfigError
from spotify_mds.pipelines.spotify_api.auth import require_credentials
from spotify_mds.pipelines.spotify_api.spotify import ExtractReport, SpotifyClient, extract
from spotify_mds.load import LoadStats
from spotify_mds.settings import Settings

def client_from(settings: Settings, **options: Any) -> SpotifyClient:
    """A client for the configured app and user; ConfigError naming what is missing otherwise."""
    credentials = require_credentials(
        settings.spotify_client_id,
        settings.spotify_client_secret.get_secret_value(),
        settings.spotify_refresh_token.get_secret_value(),
    )
    return SpotifyClient(
        credentials,
        api_base_url=settings.spotify_api_base_url,
        accounts_base_url=settings.spotify_accounts_base_url,
        **options,
    )


def extract_to_lake(settings: Settings, snapshot_date: date, streams: list[str] | None = None, **options: Any) -> ExtractReport:
    """Extract the streams into the configured lake's bronze."""
    from spotify_mds.runner import lake_from

    lake = lake_from(settings)
    with client_from(settings, **options) as client:
        return extract(client, lake, snapshot_date=snapshot_date, streams=streams)


def load_to_raw(settings: Settings) -> LoadStats:
    """Load the Spotify bronze files into the configured warehouse's RAW."""
    if settings.warehouse != "duckdb":
        raise ConfigError(f"WAREHOUSE={settings.warehouse}: the Spotify loader supports duckdb only so far")
    from spotify_mds.pipelines.spotify_api import load_raw
    from spotify_mds.runner import lake_from

    return load_raw.load(lake_from(settings), settings.duckdb_file)


def transform(settings: Settings):  # -> spotify_mds.transform.TransformResult
    """`dbt build` of the Spotify models that have data (never the streams' models), raising
    TransformError on failure: the API's own models when its RAW table holds rows, and the
    comparison with the simulated stream when the streams' RAW table does too."""
    from spotify_mds import transform as dbt
    from spotify_mds.pipelines.spotify_api import PIPELINES
    from spotify_mds.runner import dbt_env, pipelines_with_data

    select = dbt.selection(pipelines_with_data(settings, PIPELINES))
    if select is None:
        return dbt.TransformResult(succeeded=True)
    state_dir = settings.data_dir / "dbt"
    return dbt.build(env=dbt_env(settings), target=settings.warehouse, state_dir=state_dir, select=select)
