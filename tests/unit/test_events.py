"""The event schema: what validates, and errors that name the field."""

from __future__ import annotations

import json

import msgspec
import pytest

import factories

from spotify_mds.errors import InvalidEvent
from spotify_mds.pipelines.streams.events import COLUMNS, ListenEvent, decode, encode, json_schema, landable

def raw(**changes) -> bytes:
    """The seed's event (version 1, required fields only); `...` drops a field."""
    return factories.event(0, version=1, **changes)


def test_the_seeds_event_validates_as_is():
    event = decode(raw())
    assert event.user_id == "u0" and event.timestamp.tzinfo is not None
    assert event.schema_version == 1 and event.ms_played is None


def test_round_trip_keeps_every_field():
    event = decode(raw(duration_ms=200_000, ms_played=12_000, level="paid", artist_id="ar1", session_id="s1", schema_version=2))
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
        (b"\xef\xbb\xbf" + raw(), "starts with a UTF-8 byte order mark"),
    ],
)
def test_undecodable_records_are_rejected_with_a_reason(value, words):
    with pytest.raises(InvalidEvent) as caught:
        decode(value)
    assert words in str(caught.value)


def test_non_utf8_bytes_inside_a_string_are_rejected():
    value = raw().replace(b'"Song"', b'"So\xffng"')
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


def test_dbt_source_yaml_lists_exactly_the_struct_columns_with_their_types():
    """`_sources.yml` promises its raw listening events table mirrors `ListenEvent`: this keeps it so."""
    from pathlib import Path

    import yaml

    dbt_models = Path(__file__).resolve().parents[2] / "dbt" / "models"
    tables = [
        table
        for path in sorted(dbt_models.glob("**/_*sources*.yml"))
        for source in (yaml.safe_load(path.read_text()) or {}).get("sources", [])
        for table in source.get("tables", [])
        if table["name"] == "listening_events"
    ]
    assert len(tables) == 1, "exactly one dbt source declares the raw listening events table"
    declared = {c["name"]: c.get("data_type") for c in tables[0]["columns"] if not c["name"].startswith("_")}
    assert list(declared) == list(COLUMNS)  # the same columns, in table order
    assert declared == COLUMNS  # with the same warehouse types


def test_literal_values_come_from_the_struct_annotations():
    from spotify_mds.pipelines.streams.events import EVENT_TYPES, LEVELS

    assert EVENT_TYPES == ("play", "pause", "skip", "add_to_playlist")
    assert LEVELS == ("free", "paid")
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(raw().replace(b'"play"', b'"rewind"'), type=ListenEvent)


# -- What lands is what loads (issue 15) ---------------------------------------------------------

SEED_001_EXAMPLE = {  # the record of seed 001's README ("Event schema (Producer output)"), as it is
    "event_id": "6f1c1c1e-8a4e-4f55-9d7c-1c9b3a7b2f10",  # "<uuid>" placeholders made real
    "user_id": "2b7e1516-28ae-4d2a-a6ab-f7158809cf4f",
    "song_id": "3243f6a8-885a-408d-b313-198a2e037073",
    "artist_name": "The Weeknd",
    "song_name": "Blinding Lights",
    "event_type": "play",
    "device_type": "mobile",
    "country": "US",
    "timestamp": "2025-10-28T06:15:00Z",
}


def test_the_seeds_own_example_record_is_a_version_1_event():
    value = json.dumps(SEED_001_EXAMPLE, indent="\t").encode()  # as the seed prints it
    event, landed = landable(value)
    assert landed is value and event.schema_version == 1
    assert event.session_id is None and event.ms_played is None and event.level is None


@pytest.mark.parametrize("missing", ["session_id", "artist_id", "duration_ms", "ms_played", "level"])
def test_version_2_requires_every_field(missing):
    decode(factories.event(0))
    with pytest.raises(InvalidEvent, match=f"requires field `{missing}`") as caught:
        decode(factories.event(0, **{missing: factories.DROP}))
    assert caught.value.field == missing


@pytest.mark.parametrize("depth", [33, 1_000, 2_500])
@pytest.mark.parametrize("bracket", ["[]", "{}"])
def test_deep_unknown_fields_are_quarantined_not_a_crash(depth, bracket):
    opening, closing = ('{"a":', "}") if bracket == "{}" else ("[", "]")
    value = raw()[:-1] + b', "extra": ' + (opening * depth + "1" + closing * depth).encode() + b"}"
    with pytest.raises(InvalidEvent, match="nested deeper than 32 levels") as caught:
        decode(value)
    assert caught.value.field == "extra"
    with pytest.raises(InvalidEvent, match="nested deeper than 32 levels"):
        landable(value)


def test_a_repeated_key_lands_reencoded_with_the_value_that_was_validated():
    value = raw(level="free")[:-1] + b', "song_name": "Second", "level": "paid"}'
    event, landed = landable(value)
    assert event.song_name == "Second" and event.level == "paid"
    assert json.loads(landed)["song_name"] == "Second" and landed.count(b'"song_name"') == 1
    assert decode(landed) == event


def test_an_escaped_key_repeating_a_field_counts_as_repeated():
    value = raw()[:-1] + b', "song\\u005fname": "Second"}'
    assert json.loads(landable(value)[1])["song_name"] == "Second"


@pytest.mark.parametrize(
    "value",
    [
        raw(),  # the common case: as received
        raw(level=None, artist_id=None),  # explicit nulls
        # unknown fields, nested repeats (written as bytes: a Python dict cannot repeat a key)
        raw()[:-1] + b', "nested": [1, {"a": 2, "a": 3}]}',
        raw(song_name='Say "hi"'),  # escaped quotes
        raw(schema_version=1),
        raw(timestamp="2025-10-28t06:15:00z"),  # RFC 3339 in lower case: valid, loaders read it
    ],
)
def test_records_without_repeated_keys_land_as_received(value):
    event, landed = landable(value)
    assert landed is value and event == decode(value)


@pytest.mark.parametrize("field", ["song_name", "artist_name"])
def test_nul_in_text_is_quarantined_naming_the_field(field):
    with pytest.raises(InvalidEvent, match="U\\+0000") as caught:
        landable(raw(**{field: "a\u0000b"}))
    assert caught.value.field == field


def test_nul_in_an_identifier_is_refused_by_the_identifier_rule():
    with pytest.raises(InvalidEvent) as caught:
        decode(raw(user_id="u\u00001"))
    assert caught.value.field == "user_id"


def test_check_passes_only_records_that_land_as_received():
    from spotify_mds.pipelines.streams.events import NotAsReceived, check

    assert check(raw()) == decode(raw())
    with pytest.raises(NotAsReceived):
        check(raw()[:-1] + b', "song_name": "Second"}')


def test_no_byte_string_makes_decode_raise_anything_but_invalid_event():
    """Mutations of a valid record (seeded): every outcome is an event or an InvalidEvent."""
    import random

    rng = random.Random(15)
    base = raw(duration_ms=1000, ms_played=10, level="free", artist_id="a", session_id="s1", schema_version=2)
    pieces = [b"{", b"}", b"[", b"]", b'"', b"\\", b"\\u0000", b"\\ud800", b"\x00", b"\xff", b"9" * 400, b"1e999999", b",", b":"]
    for _ in range(3_000):
        value = bytearray(base)
        for _ in range(rng.randrange(1, 4)):
            at = rng.randrange(len(value) + 1)
            if rng.random() < 0.5:
                value[at:at] = rng.choice(pieces) * rng.choice([1, 1, 50, 2_000])
            else:
                del value[at : at + rng.randrange(1, 20)]
        try:
            landable(bytes(value))
        except InvalidEvent:
            pass


def test_seed_000s_shorter_sample_is_quarantined_naming_what_it_lacks():
    """Seed 000's README sample has other names and no event id, type, song, artist or country:
    there is nothing to deduplicate or count it by, so it is quarantined with the reason."""
    sample = b'{\n  "user_id":"u_123",\n  "track_id":"t_456",\n  "played_at":"2025-11-06T12:34:56Z",\n  "device":"mobile",\n  "duration_ms":210000\n}'
    with pytest.raises(InvalidEvent, match="missing required field `event_id`"):
        landable(sample)


def test_the_landers_validator_says_what_landable_says():
    """`landing_record` (the landing core's validator) and its fast path agree with `landable`."""
    import pickle

    from spotify_mds.pipelines.streams.events import landing_record

    valid = raw()
    assert landing_record(valid) == (int(decode(valid).timestamp.timestamp() * 1000), valid)
    assert landing_record.event_ms(valid) == landing_record(valid)[0]
    repeated = valid[:-1] + b', "user_id": "u_999"}'  # a repeated key lands re-encoded, the last copy
    ms, landed = landing_record(repeated)
    assert landed == landable(repeated)[1] and landed != repeated and decode(landed).user_id == "u_999"
    with pytest.raises(Exception):  # noqa: B017 - the fast path refuses it, whatever the exception
        landing_record.event_ms(repeated)
    with pytest.raises(InvalidEvent, match="event_type"):
        landing_record(raw(event_type="rewind"))
    assert pickle.loads(pickle.dumps(landing_record))(valid) == landing_record(valid)  # worker processes
