"""The event schema: what validates, and errors that name the field."""

from __future__ import annotations

import json

import pytest

from spotify_mds.errors import InvalidEvent
from spotify_mds.events import COLUMNS, ListenEvent, decode, encode, json_schema

VALID = {
    "event_id": "6f1c1c1e-8a4e-4f55-9d7c-1c9b3a7b2f10",
    "user_id": "u_123",
    "session_id": "s1",
    "song_id": "t_456",
    "song_name": "Blinding Lights",
    "artist_name": "The Weeknd",
    "event_type": "play",
    "device_type": "mobile",
    "country": "US",
    "timestamp": "2025-10-28T06:15:00Z",
}


def raw(**changes) -> bytes:
    record = {**VALID, **changes}
    return json.dumps({k: v for k, v in record.items() if v is not ...}).encode()


def test_the_seeds_event_validates_as_is():
    event = decode(raw())
    assert event.user_id == "u_123" and event.timestamp.tzinfo is not None
    assert event.schema_version == 1 and event.ms_played is None


def test_round_trip_keeps_every_field():
    event = decode(raw(duration_ms=200_000, ms_played=12_000, level="paid", artist_id="ar1", schema_version=2))
    assert decode(encode(event)) == event


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"user_id": 7}, "user_id", "Expected `str`"),
        ({"event_type": "rewind"}, "event_type", "Invalid enum value"),
        ({"country": "usa"}, "country", "length <= 2"),
        ({"country": "us"}, "country", "ISO 3166-1 alpha-2"),
        ({"user_id": "u 1"}, "user_id", "letters, digits"),
        ({"artist_id": "ar;1"}, "artist_id", "letters, digits"),
        ({"device_type": "Mobile"}, "device_type", "lower-case"),
        ({"timestamp": "2025-13-01T00:00:00Z"}, "timestamp", "RFC3339"),
        ({"timestamp": "2025-10-28T06:15:00"}, "timestamp", "timezone"),
        ({"timestamp": "1970-01-01T00:00:00Z"}, "timestamp", "outside"),
        ({"event_id": "not-a-uuid"}, "event_id", "Invalid UUID"),
        ({"duration_ms": 1000, "ms_played": 5000}, "ms_played", "exceeds duration_ms"),
        ({"song_id": ...}, None, "missing required field `song_id`"),
    ],
)
def test_invalid_events_name_the_field(changes, field, words):
    with pytest.raises(InvalidEvent) as caught:
        decode(raw(**changes))
    assert caught.value.field == field
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (b'{"event_id": ', "malformed JSON"),
        (b"\xff\xfe{}", "not UTF-8: invalid start byte at byte 0"),
        (b"[1, 2]", "Expected `object`"),
        (raw(song_name="x" * 20_000), "over the 16384-byte limit"),
    ],
)
def test_undecodable_records_are_rejected_with_a_reason(value, words):
    with pytest.raises(InvalidEvent) as caught:
        decode(value)
    assert words in str(caught.value)


def test_non_utf8_bytes_inside_a_string_are_rejected():
    value = raw().replace(b"Blinding", b"Blind\xffing")
    with pytest.raises(InvalidEvent, match="UTF-8|malformed"):
        decode(value)


def test_columns_and_json_schema_come_from_the_one_struct():
    assert list(COLUMNS) == [
        "event_id", "user_id", "session_id", "song_id", "song_name", "artist_id", "artist_name", "event_type",
        "device_type", "country", "timestamp", "duration_ms", "ms_played", "level", "schema_version",
    ]  # fmt: skip
    schema = json_schema()
    definition = schema["$defs"]["ListenEvent"]
    assert set(definition["properties"]) == set(ListenEvent.__struct_fields__)
    assert set(definition["required"]) >= {"event_id", "user_id", "timestamp", "event_type"}
