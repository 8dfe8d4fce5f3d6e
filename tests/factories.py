"""The tests' one event factory: a valid listening event's bytes, built from the schema itself.

`event(i, at)` starts from a `ListenEvent` (so its fields, their order and the timestamp format are the
schema's, and a schema change shows up here, not in a copy of it) and returns the compact JSON a
producer would send. Everything derived from `i` is deterministic: the same arguments give the same
bytes, so tests can compare landed bytes and positions.

- `version=2` (the default) is what the simulator writes: every field; `version=1` is the seed's
  event: the required fields only, no `schema_version`.
- `**changes` overrides fields, in place, with any value (invalid ones included: that is how tests
  build bad records); `DROP` removes a field.
- `extra=` appends unknown fields after the schema's.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import msgspec
import msgspec.inspect

from spotify_mds.pipelines.streams.events import ListenEvent, encode, format_timestamp

DROP: Final = ...
"""A change that removes the field from the record (`event(1, song_id=DROP)`)."""
DAY: Final = datetime(2026, 11, 2, tzinfo=UTC)
"""The default event day; `at(hour, minute, second, millisecond)` is a moment in it."""


def at(hour: int = 10, minute: int = 0, second: int = 0, millisecond: int = 0) -> datetime:
    """A moment of `DAY`, in UTC."""
    return DAY + timedelta(hours=hour, minutes=minute, seconds=second, milliseconds=millisecond)


def event_id(i: int) -> str:
    """The event id of `event(i)`: a version-4-shaped UUID that spells `i`."""
    return f"00000000-0000-4000-8000-{i:012d}"


def listen(i: int = 0, moment: datetime | None = None) -> ListenEvent:
    """A valid version 2 event (the struct validates it as it is built)."""
    return ListenEvent(
        event_id=uuid.UUID(event_id(i)),
        user_id=f"u{i % 7}",
        session_id="s1",
        song_id=f"t{i % 5}",
        song_name="Song",
        artist_id="a1",
        artist_name="Artist",
        event_type="play",
        device_type="mobile",
        country="BR",
        timestamp=moment or at(),
        duration_ms=1000,
        ms_played=900,
        level="free",
        schema_version=2,
    )


def record(
    i: int = 0, moment: datetime | None = None, *, version: int = 2, extra: dict | None = None, **changes: Any
) -> dict:
    """The event as a dict in the schema's field order (see `event`)."""
    base = listen(i, moment)
    fields = msgspec.json.decode(encode(base))
    fields["timestamp"] = format_timestamp(base.timestamp)  # as every producer writes it
    if version == 1:
        fields = {name: value for name, value in fields.items() if name in _REQUIRED}
    elif version != 2:
        raise ValueError(f"no event version {version}")
    for name, value in changes.items():
        if value is DROP:
            fields.pop(name, None)
        else:
            fields[name] = value
    return {**fields, **(extra or {})}


def event(
    i: int = 0, moment: datetime | None = None, *, version: int = 2, extra: dict | None = None, **changes: Any
) -> bytes:
    """A listening event's compact JSON bytes: the `i`-th of a deterministic stream, at `moment`."""
    return msgspec.json.encode(record(i, moment, version=version, extra=extra, **changes))


_REQUIRED: Final = frozenset(
    field.encode_name for field in msgspec.inspect.type_info(ListenEvent).fields if field.required
)
"""The seed's event (version 1): the fields the schema requires."""
