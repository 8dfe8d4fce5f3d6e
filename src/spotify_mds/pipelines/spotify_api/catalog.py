"""The user's real tracks as a catalog for the simulator.

`load_extracted_catalog(lake)` reads the Spotify API's bronze files and returns one tuple per
distinct track, `(track_id, track_name, artist_id, artist_name, duration_ms)` sorted by track id
(first credited artist), or None when nothing was extracted yet. The simulator can draw its
songs from it, so simulated events and real plays share ids and the marts can join them.
"""

from __future__ import annotations

import json
from typing import Any

from spotify_mds.lake import Lake
from spotify_mds.load import bronze_files

CatalogTrack = tuple[str, str, str, str, int]


def _track_of(stream: str, item: dict[str, Any]) -> dict[str, Any] | None:
    if stream.startswith("user_top_artists"):
        return None
    track = item if stream.startswith("user_top_tracks") else item.get("track")
    if not isinstance(track, dict) or track.get("type", "track") != "track" or not track.get("id"):
        return None  # podcast episodes, local files and removed tracks have no usable track id
    return track


def load_extracted_catalog(lake: Lake) -> list[CatalogTrack] | None:
    """Distinct tracks seen in any extracted stream, or None when there are none."""
    tracks: dict[str, CatalogTrack] = {}
    for info in bronze_files(lake, "spotify_api"):
        for line in lake.get(info.key).splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            track = _track_of(record.get("stream", ""), record.get("item") or {})
            if track is None:
                continue
            artist = (track.get("artists") or [{}])[0]
            tracks[track["id"]] = (
                track["id"],
                track.get("name") or "",
                artist.get("id") or "",
                artist.get("name") or "",
                int(track.get("duration_ms") or 0),
            )
    return [tracks[key] for key in sorted(tracks)] or None
