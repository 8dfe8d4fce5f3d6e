"""The Spotify Web API pipeline: the user's real listening, extracted into bronze, loaded into
`raw.spotify_api_records`, modelled in `dbt/models/spotify_api` (its own sources only).

Two declarations: `PIPELINE`, the API's own models and marts, built when its RAW table holds rows;
`VS_STREAMS`, the marts that set the real listening beside the simulated stream
(`dbt/models/spotify_api_vs_streams`), built only when both pipelines have data. They read the
streams' silver as it stands and never rebuild it: the API pipeline asks the question, so it owns
the comparison, but the streams pipeline stays buildable and exportable without it.

`spotify`: the HTTP client and the streams; `auth`: the OAuth refresh-token flow; `load_raw`: bronze
to RAW; `catalog`: the extracted tracks as a catalog for the simulator; `run`: the edge that turns
settings into the plain arguments these take (CLI and DAG).

The client needs httpx (the `spotify` extra); `load_extracted_catalog` does not, so the names that
need httpx are imported on first use and the simulator can import the catalog on a base install.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from spotify_mds.pipelines import Pipeline
from spotify_mds.pipelines.spotify_api.catalog import load_extracted_catalog

RAW_TABLE = "raw.spotify_api_records"

PIPELINE = Pipeline(
    name="spotify_api",
    selector="path:models/spotify_api",
    raw_tables=(RAW_TABLE,),
    marts=("spotify_api_plays", "spotify_api_top_artists", "spotify_api_top_tracks"),
    dag_ids=("spotify_api_extract",),
)

VS_STREAMS = Pipeline(
    name="spotify_api_vs_streams",
    selector="path:models/spotify_api_vs_streams",
    # The streams' table is named, not imported: pipelines never import each other.
    raw_tables=(RAW_TABLE, "raw.listening_events"),
    marts=(
        "spotify_api_artists",
        "spotify_api_hourly_listening_shares",
        "spotify_api_top_artist_overlap",
        "spotify_api_tracks",
    ),
    dag_ids=("spotify_api_extract",),
)

PIPELINES = (PIPELINE, VS_STREAMS)

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
        return getattr(import_module(f"spotify_mds.pipelines.spotify_api.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "PIPELINE",
    "PIPELINES",
    "RAW_TABLE",
    "STREAM_NAMES",
    "VS_STREAMS",
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
