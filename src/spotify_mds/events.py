"""The listening event: the one schema definition of the topic `spotify.streams`.

A superset of the seed's event (same names, so the seed's SQL keeps working): the seed's nine
fields are required; the fields analytics needs (`artist_id`, `duration_ms`, `ms_played`, `level`)
are optional so a seed-style producer still validates. The simulator writes every field.

The same definition validates the simulator's output and the lander's input, gives the warehouse
column types (`COLUMNS`) and documents the topic (`json_schema()`); a test checks the dbt source
YAML lists the same columns.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Annotated, Final, Literal

import msgspec

from spotify_mds.errors import InvalidEvent

SCHEMA_VERSION: Final = 2
EVENT_TYPES: Final = ("play", "pause", "skip", "add_to_playlist")
DEVICE_TYPES: Final = ("mobile", "desktop", "web", "tablet", "smart_speaker", "tv", "car")
LEVELS: Final = ("free", "paid")
MAX_RECORD_BYTES: Final = 16_384
"""A record larger than this is quarantined as oversize (a real event is about 400 bytes)."""

EARLIEST: Final = datetime(2000, 1, 1, tzinfo=timezone.utc)
LATEST: Final = datetime(2100, 1, 1, tzinfo=timezone.utc)

# Constraints are checked without regular expressions: msgspec runs a pattern through Python's `re`
# for every field of every record, which cost 3.1 of the 4.5 µs a record took to validate (the
# lander's hot path). The UUID is msgspec's own type (C), lengths are msgspec constraints (C), and
# the character rules below are one pass of string methods in `__post_init__` (the JSON Schema still
# states them as patterns, for producers).
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=64, extra_json_schema={"pattern": r"^[\w.:-]+$"})]
"""An identifier: 1-64 characters, letters, digits and `_ . : -` (checked in `__post_init__`)."""
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=512)]
Millis = Annotated[int, msgspec.Meta(ge=0, le=86_400_000)]
_ID_FIELDS: Final = ("user_id", "session_id", "song_id", "artist_id")


def _id_chars_ok(value: str) -> bool:
    """Letters, digits and `_ . : -` (the rule of a `\\w`-and-punctuation pattern, without `re`).

    Tried first: hyphens only (UUIDs and most ids), one `replace` instead of four (~1 µs a record).
    """
    if value.replace("-", "").isalnum():
        return True
    letters_and_digits = value.replace("-", "").replace("_", "").replace(".", "").replace(":", "")
    return not letters_and_digits or letters_and_digits.isalnum()  # "---" matched the pattern too


def _invalid(message: str, field: str) -> msgspec.ValidationError:
    return msgspec.ValidationError(f"{message} - at `$.{field}`")


class ListenEvent(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One listening event. `timestamp` is the event time, RFC 3339 in UTC.

    `gc=False`: every field is a scalar, so an event can never be part of a reference cycle, and
    the cycle collector need not track the millions a lander decodes.
    """

    event_id: uuid.UUID
    user_id: Id
    session_id: Id
    song_id: Id
    song_name: Name
    artist_name: Name
    event_type: Literal["play", "pause", "skip", "add_to_playlist"]
    device_type: Annotated[str, msgspec.Meta(min_length=1, max_length=32, extra_json_schema={"pattern": "^[a-z_]+$"})]
    """Lower-case letters and `_` (extensible: `mobile`, `desktop`, `web`, `smart_speaker`, ...)."""
    country: Annotated[str, msgspec.Meta(min_length=2, max_length=2, extra_json_schema={"pattern": "^[A-Z]{2}$"})]
    """ISO 3166-1 alpha-2: two capital letters."""
    timestamp: Annotated[datetime, msgspec.Meta(tz=True)]
    artist_id: Id | None = None
    duration_ms: Annotated[int, msgspec.Meta(gt=0, le=86_400_000)] | None = None
    ms_played: Millis | None = None
    level: Literal["free", "paid"] | None = None
    schema_version: Annotated[int, msgspec.Meta(ge=1, le=SCHEMA_VERSION)] = 1

    def __post_init__(self) -> None:
        if not EARLIEST <= self.timestamp < LATEST:
            raise _invalid(
                f"timestamp {self.timestamp.isoformat()} is outside {EARLIEST.year}-{LATEST.year}", "timestamp"
            )
        if self.ms_played is not None and self.duration_ms is not None and self.ms_played > self.duration_ms:
            raise _invalid(f"ms_played {self.ms_played} exceeds duration_ms {self.duration_ms}", "ms_played")
        # All identifiers in one pass; only a failure looks for the field to name.
        ids = self.user_id + self.session_id + self.song_id + (self.artist_id or "")
        if not _id_chars_ok(ids):
            for name in _ID_FIELDS:
                value = getattr(self, name)
                if value is not None and not _id_chars_ok(value):
                    raise _invalid(f"Expected letters, digits and `_.:-` only, got {value!r}", name)
        country = self.country
        if not (country.isascii() and country.isalpha() and country.isupper()):
            raise _invalid(f"Expected two capital letters (ISO 3166-1 alpha-2), got {country!r}", "country")
        device = self.device_type
        if not (device.isascii() and device.islower() and device.replace("_", "").isalpha()):
            raise _invalid(f"Expected lower-case letters and `_` only, got {device!r}", "device_type")


# Warehouse column types, in table order, derived from the struct above (one schema).
COLUMNS: Final[dict[str, str]] = {
    "event_id": "varchar",
    "user_id": "varchar",
    "session_id": "varchar",
    "song_id": "varchar",
    "song_name": "varchar",
    "artist_id": "varchar",
    "artist_name": "varchar",
    "event_type": "varchar",
    "device_type": "varchar",
    "country": "varchar",
    "timestamp": "timestamp",
    "duration_ms": "bigint",
    "ms_played": "bigint",
    "level": "varchar",
    "schema_version": "integer",
}
assert set(COLUMNS) == set(ListenEvent.__struct_fields__), "COLUMNS must list every ListenEvent field"

_decoder = msgspec.json.Decoder(ListenEvent)
_encoder = msgspec.json.Encoder()


def decode(value: bytes) -> ListenEvent:
    """Validate one record's bytes; raise InvalidEvent naming the field and the reason."""
    if len(value) > MAX_RECORD_BYTES:
        raise InvalidEvent(f"record is {len(value)} bytes, over the {MAX_RECORD_BYTES}-byte limit", field=None)
    try:
        return _decoder.decode(value)
    except msgspec.ValidationError as exc:
        message = str(exc)
        field = message.rsplit("at `$.", 1)[1].rstrip("`") if "at `$." in message else None
        raise InvalidEvent(message, field=field) from None
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        # msgspec < 0.23 raised UnicodeDecodeError for bad bytes; 0.23 reports them as a DecodeError.
        # Either way the reason names the first bad byte (only this error path pays for the check).
        try:
            value.decode("utf-8")
        except UnicodeDecodeError as bad:
            raise InvalidEvent(f"not UTF-8: {bad.reason} at byte {bad.start}") from None
        raise InvalidEvent(f"malformed JSON: {exc}") from None


def encode(event: ListenEvent) -> bytes:
    """Serialize an event to compact JSON bytes (the Kafka value)."""
    return _encoder.encode(event)


def format_timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with millisecond precision and a `Z`, as every event carries it."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def json_schema() -> dict:
    """The topic's JSON Schema, generated from the struct (documentation for producers)."""
    return msgspec.json.schema(ListenEvent)
