"""The listening event: the one schema definition of the topic `spotify.streams`.

A superset of the seed's event (same names, so the seed's SQL keeps working), versioned:
- **schema_version 1** is the seed's event (seed 001's producer): `event_id`, `user_id`, `song_id`,
  `song_name`, `artist_name`, `event_type`, `device_type`, `country`, `timestamp` are required and
  the rest is optional (`session_id`, `artist_id`, `duration_ms`, `ms_played`, `level`). A record
  without `schema_version` is a version 1 record. Downstream derives what it lacks: sessions come
  from the 30-minute gap per user (dbt, `int_listens_sessionized`), never from `session_id`;
  an unknown `ms_played` counts no listening time (see dbt's `int_events_classified`).
- **schema_version 2** (`SCHEMA_VERSION`, what the simulator writes) requires every field.

The same definition validates the simulator's output and the lander's input, gives the warehouse
columns and their types (`COLUMNS`, derived from the struct's annotations, in field order), the
allowed values (`EVENT_TYPES`, `LEVELS`, from its `Literal` annotations), and documents the topic
(`json_schema()`); a test checks the dbt source YAML lists the same columns with the same types.

**What lands is what loads.** A record is valid only if every warehouse can store it as the lander
read it, so the lander and the loaders never disagree:
- a valid record lands with its bytes *as received* (so a replay rewrites the same bytes), except
  a record with a repeated key: readers disagree on which copy counts (msgspec keeps the last,
  DuckDB refuses the record), so it lands **re-encoded canonically** (`encode`, the last copy
  winning, as validated; unknown fields dropped). `landable()` says which bytes to land;
- RFC 3339 allows `t`/`z` in lower case: such a record lands as received and the loaders read
  timestamps case-insensitively (`load.typed_column`). Fractions beyond microseconds are valid;
  the lander rounds them and the warehouses truncate them (under a microsecond apart);
- quarantined, with a reason naming the field: `U+0000` in a text field (PostgreSQL's text cannot
  hold it), unknown fields nested deeper than `MAX_DEPTH` levels, and anything msgspec cannot
  decode (malformed JSON, invalid UTF-8, lone surrogates, nesting past the interpreter's limit).
  `decode()` never raises anything but `InvalidEvent`: one record can never stop the lander.
"""

from __future__ import annotations

import re
import typing
import uuid
from datetime import datetime, timezone
from typing import Annotated, Final, Literal

import msgspec
import msgspec.inspect

from spotify_mds.errors import InvalidEvent

SCHEMA_VERSION: Final = 2
DEVICE_TYPES: Final = ("mobile", "desktop", "web", "tablet", "smart_speaker", "tv", "car")
MAX_RECORD_BYTES: Final = 16_384
"""A record larger than this is quarantined as oversize (a real event is about 400 bytes)."""
MAX_DEPTH: Final = 32
"""Unknown fields nested deeper than this are quarantined (every field of the schema is a scalar)."""

EARLIEST: Final = datetime(2000, 1, 1, tzinfo=timezone.utc)
LATEST: Final = datetime(2100, 1, 1, tzinfo=timezone.utc)

# Constraints are checked without regular expressions: msgspec runs a pattern through Python's `re`
# for every field of every record, and on the lander's hot path that would cost more than all the
# rest of validation (BENCHMARKS.md). So the UUID is msgspec's own type (C), lengths are msgspec
# constraints (C), and the character rules below are one pass of string methods in `__post_init__`
# (the JSON Schema still states them as patterns, for producers).
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=64, extra_json_schema={"pattern": r"^[\w.:-]+$"})]
"""An identifier: 1-64 characters, letters, digits and `_ . : -` (checked in `__post_init__`)."""
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=512)]
Millis = Annotated[int, msgspec.Meta(ge=0, le=86_400_000)]
_ID_FIELDS: Final = ("user_id", "session_id", "song_id", "artist_id")


def _id_chars_ok(value: str) -> bool:
    """Letters, digits and `_ . : -` (the rule of a `\\w`-and-punctuation pattern, without `re`).

    Tried first: hyphens only (UUIDs and most ids), so the common case costs one `replace`, not four.
    """
    if value.replace("-", "").isalnum():
        return True
    letters_and_digits = value.replace("-", "").replace("_", "").replace(".", "").replace(":", "")
    return not letters_and_digits or letters_and_digits.isalnum()  # "---" matched the pattern too


def _invalid(message: str, field: str) -> msgspec.ValidationError:
    return msgspec.ValidationError(f"{message} - at `$.{field}`")


class ListenEvent(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One listening event. `timestamp` is the event time, RFC 3339 in UTC.

    The fields are in the warehouse table's column order (`COLUMNS`); `kw_only` lets optional
    fields sit among the required ones. `gc=False`: every field is a scalar, so an event can never be
    part of a reference cycle, and the cycle collector need not track the millions a lander decodes.
    """

    event_id: uuid.UUID
    user_id: Id
    session_id: Id | None = None
    song_id: Id
    song_name: Name
    artist_id: Id | None = None
    artist_name: Name
    event_type: Literal["play", "pause", "skip", "add_to_playlist"]
    device_type: Annotated[str, msgspec.Meta(min_length=1, max_length=32, extra_json_schema={"pattern": "^[a-z_]+$"})]
    """Lower-case letters and `_` (extensible: `mobile`, `desktop`, `web`, `smart_speaker`, ...)."""
    country: Annotated[str, msgspec.Meta(min_length=2, max_length=2, extra_json_schema={"pattern": "^[A-Z]{2}$"})]
    """ISO 3166-1 alpha-2: two capital letters."""
    timestamp: Annotated[datetime, msgspec.Meta(tz=True)]
    duration_ms: Annotated[int, msgspec.Meta(gt=0, le=86_400_000)] | None = None
    ms_played: Millis | None = None
    level: Literal["free", "paid"] | None = None
    schema_version: Annotated[int, msgspec.Meta(ge=1, le=SCHEMA_VERSION, extra={"warehouse_type": "integer"})] = 1

    def __post_init__(self) -> None:
        if not EARLIEST <= self.timestamp < LATEST:
            raise _invalid(
                f"timestamp {self.timestamp.isoformat()} is outside {EARLIEST.year}-{LATEST.year}", "timestamp"
            )
        if self.schema_version >= 2 and (
            self.session_id is None
            or self.artist_id is None
            or self.duration_ms is None
            or self.ms_played is None
            or self.level is None
        ):
            name = next(name for name in _V2_FIELDS if getattr(self, name) is None)
            raise _invalid(f"schema_version {self.schema_version} requires field `{name}`", name)
        if self.ms_played is not None and self.duration_ms is not None and self.ms_played > self.duration_ms:
            raise _invalid(f"ms_played {self.ms_played} exceeds duration_ms {self.duration_ms}", "ms_played")
        # All identifiers in one pass; only a failure looks for the field to name. The id rule
        # also keeps U+0000 out of them; names are free text, so they are checked for it here.
        ids = self.user_id + (self.session_id or "") + self.song_id + (self.artist_id or "")
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
        if "\x00" in self.song_name or "\x00" in self.artist_name:
            name = "song_name" if "\x00" in self.song_name else "artist_name"
            raise _invalid("U+0000 in text, which PostgreSQL cannot store", name)


_V2_FIELDS: Final = ("session_id", "artist_id", "duration_ms", "ms_played", "level")
"""The fields version 1 (the seed's event) may omit and version 2 requires."""
_STRING_FIELDS: Final = frozenset(
    ("event_id", "user_id", "session_id", "song_id", "song_name", "artist_id", "artist_name", "event_type",
     "device_type", "country", "timestamp", "level")
)  # fmt: skip
_FULL_QUOTES: Final = 2 * len(ListenEvent.__struct_fields__) + 2 * len(_STRING_FIELDS)
"""`"` bytes in a version 2 record holding its fields once each, nothing else and no `\\"` (54)."""


_WAREHOUSE_TYPES: Final = {
    msgspec.inspect.UUIDType: "varchar",
    msgspec.inspect.StrType: "varchar",
    msgspec.inspect.LiteralType: "varchar",
    msgspec.inspect.DateTimeType: "timestamp",
    msgspec.inspect.IntType: "bigint",
}
"""A field's warehouse type by its msgspec type; `Meta(extra={"warehouse_type": ...})` overrides it."""


def _warehouse_type(kind: msgspec.inspect.Type) -> str:
    if isinstance(kind, msgspec.inspect.UnionType):  # `X | None`: a nullable column of X
        (kind,) = [member for member in kind.types if not isinstance(member, msgspec.inspect.NoneType)]
    if isinstance(kind, msgspec.inspect.Metadata):
        if kind.extra and "warehouse_type" in kind.extra:
            return kind.extra["warehouse_type"]
        kind = kind.type
    return _WAREHOUSE_TYPES[type(kind)]  # KeyError: a field of a type no warehouse column maps


def _literal_values(name: str) -> tuple[str, ...]:
    """The values a field's `Literal[...]` (or `Literal[...] | None`) annotation allows, in its order."""
    hint = typing.get_type_hints(ListenEvent)[name]
    if typing.get_origin(hint) is not Literal:
        (hint,) = [member for member in typing.get_args(hint) if member is not type(None)]
    return typing.get_args(hint)


COLUMNS: Final[dict[str, str]] = {
    field.name: _warehouse_type(field.type) for field in msgspec.inspect.type_info(ListenEvent).fields
}
"""Warehouse column types, in table order: derived from the struct above (one schema)."""
EVENT_TYPES: Final = _literal_values("event_type")
LEVELS: Final = _literal_values("level")

_decoder = msgspec.json.Decoder(ListenEvent)
_decode = _decoder.decode
_encoder = msgspec.json.Encoder()


class NotAsReceived(Exception):
    """`check()`'s answer for a record it cannot pass as is: `landable()` decides (rare, slower)."""


_NOT_AS_RECEIVED = NotAsReceived()


def check(value: bytes) -> ListenEvent:
    """The lander's hot path: the event of a record that lands as received, or an exception.

    Passes a record holding exactly the fields its event shows, once each, and no `\\"`: then its
    count of `"` bytes is exactly `_quotes_of(event)` (`_FULL_QUOTES` for version 2, which requires
    every field); a repeated or unknown key, a `null` or an escaped quote adds some. Anything else
    raises (a msgspec error, RecursionError, NotAsReceived, ...): the caller then goes through
    `landable()`. No size check: the caller checks `MAX_RECORD_BYTES`.
    """
    event = _decode(value)
    expected = _FULL_QUOTES if event.schema_version == SCHEMA_VERSION else _quotes_of(event)
    if value.count(b'"') != expected:
        raise _NOT_AS_RECEIVED
    return event


def landable(value: bytes) -> tuple[ListenEvent, bytes]:
    """The event and the bytes to land for it: `value` itself, on one line, or re-encoded.

    Raises InvalidEvent (only) when the record must be quarantined; see the module docstring.
    """
    if len(value) <= MAX_RECORD_BYTES:
        try:
            return check(value), value
        except Exception:  # noqa: S110 - every failure of the fast path is decided below
            pass
    return _landable_slowly(value)


class LandingValidator:
    """The lander's record validator for this topic (`spotify_mds.landing.RecordValidator`)."""

    max_record_bytes: Final = MAX_RECORD_BYTES

    def __call__(self, value: bytes) -> tuple[int, bytes]:
        """The event time in ms and the bytes to land (`landable`); InvalidEvent (only) to quarantine."""
        if len(value) <= MAX_RECORD_BYTES:
            try:
                return int(check(value).timestamp.timestamp() * 1000), value
            except Exception:  # noqa: S110 - every failure of the fast path is decided below
                pass
        event, value = _landable_slowly(value)
        return int(event.timestamp.timestamp() * 1000), value

    @staticmethod
    def event_ms(value: bytes) -> int:
        """The event time in ms of a record `check` passes (it lands as received); raises otherwise.

        `check` written out (the lander's hot path: one Python call a record, not two).
        """
        event = _decode(value)
        expected = _FULL_QUOTES if event.schema_version == SCHEMA_VERSION else _quotes_of(event)
        if value.count(b'"') != expected:
            raise _NOT_AS_RECEIVED
        return int(event.timestamp.timestamp() * 1000)


landing_record: Final = LandingValidator()
"""What a lander of listening events validates with (a module-level instance: picklable)."""


def _landable_slowly(value: bytes) -> tuple[ListenEvent, bytes]:
    """`landable` for a record the fast path (`check`) did not pass."""
    event = decode(value)
    if b"\n" in value or b"\r" in value:
        # NDJSON needs one line. In valid JSON a line break can only be whitespace between tokens
        # (inside a string it is escaped), so deleting it changes nothing else, unknown fields and
        # numbers of any size included.
        value = value.replace(b"\r", b"").replace(b"\n", b"")
    if value.count(b'"') == _quotes_of(event):  # its fields, once each, and nothing else
        return event, value
    keys = _top_level_keys(value)
    if len(keys) == len(set(keys)):
        return event, value
    return event, _encoder.encode(event)


def decode(value: bytes) -> ListenEvent:
    """Validate one record's bytes; raise InvalidEvent naming the field and the reason (nothing else).

    Valid means landable: unknown fields nested deeper than `MAX_DEPTH` are refused too.
    """
    if len(value) > MAX_RECORD_BYTES:
        raise InvalidEvent(f"record is {len(value)} bytes, over the {MAX_RECORD_BYTES}-byte limit", field=None)
    try:
        event = _decode(value)
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
        if value.startswith(b"\xef\xbb\xbf"):  # JSON text must not start with one (RFC 8259, 8.1)
            raise InvalidEvent("starts with a UTF-8 byte order mark") from None
        raise InvalidEvent(f"malformed JSON: {exc}") from None
    except RecursionError:
        raise _too_deep(value) from None
    except Exception as exc:  # whatever else a hostile byte string provokes: quarantined, never fatal
        raise InvalidEvent(f"cannot be decoded: {type(exc).__name__}: {exc}"[:300]) from None
    if not value.isascii():
        # msgspec checks the text it decodes, not what it skips: an unknown field's string may hold
        # bytes no warehouse reads.
        try:
            value.decode("utf-8")
        except UnicodeDecodeError as bad:
            raise InvalidEvent(f"not UTF-8: {bad.reason} at byte {bad.start}") from None
    if value.count(b"[") + value.count(b"{") > MAX_DEPTH:
        _top_level_keys(value)  # raises InvalidEvent past MAX_DEPTH
    return event


def _quotes_of(event: ListenEvent) -> int:
    """`"` bytes of a record holding exactly the fields `event` shows, once each (`schema_version`
    when it is not 1): 4 per text field (key and value), 2 per number."""
    return (
        36  # the nine text fields version 1 requires
        + (4 if event.session_id is not None else 0)
        + (4 if event.artist_id is not None else 0)
        + (2 if event.duration_ms is not None else 0)
        + (2 if event.ms_played is not None else 0)
        + (4 if event.level is not None else 0)
        + (2 if event.schema_version != 1 else 0)
    )


# A JSON string (escapes included) or one structural character: enough to walk a valid document.
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}:]')


def _top_level_keys(value: bytes) -> list[str]:
    """The object's keys in order (repeats kept); InvalidEvent past `MAX_DEPTH`. `value` is valid JSON."""
    keys, depth, last = [], 0, None
    for match in _TOKENS.finditer(value):
        token = match[0]
        if token in (b"{", b"["):
            depth += 1
            if depth > MAX_DEPTH:
                raise InvalidEvent(f"nested deeper than {MAX_DEPTH} levels", field=_nesting_field(keys))
        elif token in (b"}", b"]"):
            depth -= 1
        elif token == b":":
            if depth == 1:
                keys.append(msgspec.json.decode(last))
        last = token
    return keys


def _nesting_field(keys: list[str]) -> str | None:
    """The field being nested: the last unknown key seen (every field of the schema is a scalar)."""
    unknown = [key for key in keys if key not in ListenEvent.__struct_fields__]
    return unknown[-1] if unknown else None


def _too_deep(value: bytes) -> InvalidEvent:
    """The error for a record msgspec gave up on (RecursionError), naming the field when it can."""
    try:
        _top_level_keys(value)
    except InvalidEvent as error:
        return error
    except Exception:  # noqa: S110 - not valid JSON past the nesting: no field to name
        pass
    return InvalidEvent(f"nested deeper than {MAX_DEPTH} levels")


def encode(event: ListenEvent) -> bytes:
    """Serialize an event to compact JSON bytes (the Kafka value)."""
    return _encoder.encode(event)


def format_timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with millisecond precision and a `Z`, as every event carries it."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def json_schema() -> dict:
    """The topic's JSON Schema, generated from the struct (documentation for producers)."""
    return msgspec.json.schema(ListenEvent)
