"""Fault injection (late, duplicate and malformed deliveries) and the ground truth it leaves.

Faults draw from their own random stream, so a faulty run carries exactly the valid events of the clean
run with the same seed; only the delivery changes:
- late: an event is emitted `delay` after its timestamp (log-uniform, 1 minute to `late_max_minutes`),
  i.e. after events with later timestamps;
- duplicate: an event is emitted a second time, the very same bytes, 1 second to
  `duplicate_max_minutes` after the first copy;
- malformed: an extra record, made from a copy of a real event (with its own event_id) and broken in one
  of `MALFORMED_KINDS` ways; it must fail `spotify_mds.pipelines.streams.events.decode`.

Every fault that reaches the stream is recorded in `GroundTruth` with its offset.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from spotify_mds.pipelines.streams.events import MAX_RECORD_BYTES
from spotify_mds.pipelines.streams.simulate.sessions import EVENT_TYPE_NAMES

LATE, DUPLICATE, MALFORMED = 1, 2, 10
"""Fault codes in the `fault` column; malformed records carry MALFORMED + the index of their kind."""

MALFORMED_KINDS = (
    "bad_json",
    "wrong_type",
    "missing_field",
    "unknown_event_type",
    "impossible_timestamp",
    "non_utf8",
    "oversize",
)
MALFORMED_FIELDS: dict[str, str | None] = {
    "bad_json": None,
    "wrong_type": "ms_played",
    "missing_field": "song_id",
    "unknown_event_type": "event_type",
    "impossible_timestamp": "timestamp",
    "non_utf8": None,
    "oversize": None,
}
"""The field each kind of malformed record breaks (None: the record as a whole)."""


class Late(NamedTuple):
    offset: int
    event_id: str
    event_ms: int
    delay_ms: int


class Duplicate(NamedTuple):
    offset: int
    """Where the second copy was emitted (the first copy has the same event_id, earlier)."""
    event_id: str


class Malformed(NamedTuple):
    offset: int
    kind: str
    field: str | None


@dataclass
class GroundTruth:
    """What a run emitted, to reconcile the pipeline's results against exactly."""

    records: int = 0
    """Records emitted (valid events, duplicate copies and malformed records)."""
    events: int = 0
    """Distinct valid events emitted: what silver must hold."""
    events_by_type: dict[str, int] = field(default_factory=lambda: dict.fromkeys(EVENT_TYPE_NAMES, 0))
    late: list[Late] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    malformed: list[Malformed] = field(default_factory=list)

    def record(self, first_offset: int, cols: dict[str, np.ndarray], event_id_of) -> None:
        """Account for one emitted batch (columns in emission order)."""
        fault = cols["fault"]
        n = len(fault)
        self.records += n
        valid = fault < DUPLICATE
        self.events += int(valid.sum())
        counts = np.bincount(cols["type"][valid], minlength=len(EVENT_TYPE_NAMES))
        for name, count in zip(EVENT_TYPE_NAMES, counts.tolist()):
            self.events_by_type[name] += count
        for i in np.flatnonzero(fault).tolist():
            code = int(fault[i])
            if code == LATE:
                t = int(cols["t"][i])
                self.late.append(Late(first_offset + i, event_id_of(i), t, int(cols["emit"][i]) - t))
            elif code == DUPLICATE:
                self.duplicates.append(Duplicate(first_offset + i, event_id_of(i)))
            else:
                kind = MALFORMED_KINDS[code - MALFORMED]
                self.malformed.append(Malformed(first_offset + i, kind, MALFORMED_FIELDS[kind]))


def inject(cols: dict[str, np.ndarray], config, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Add the `emit` (delivery time) and `fault` columns, and the extra duplicate and malformed rows."""
    n = len(cols["t"])
    t = cols["t"]
    emit = t.copy()
    fault = np.zeros(n, np.uint8)
    if n == 0 or not (config.late_rate or config.duplicate_rate or config.malformed_rate):
        return {**cols, "emit": emit, "fault": fault}
    late = rng.random(n) < config.late_rate
    low, high = np.log(60_000), np.log(max(config.late_max_minutes * 60_000, 60_001))
    delay = np.exp(low + rng.random(n) * (high - low)).astype(np.int64)
    emit = np.where(late, t + delay, t)
    fault[late] = LATE
    copies = np.flatnonzero(~late & (rng.random(n) < config.duplicate_rate))
    broken = np.flatnonzero(rng.random(n) < config.malformed_rate)
    extra_ids = np.frombuffer(rng.bytes(16 * len(broken)), np.uint64).reshape(len(broken), 2)
    kinds = rng.integers(0, len(MALFORMED_KINDS), len(broken))
    dup_delay = 1_000 + (
        rng.random(len(copies)) * max(config.duplicate_max_minutes * 60_000 - 1_000, 1)
    ).astype(np.int64)

    rows = np.concatenate([np.arange(n), copies, broken])
    out = {name: values[rows] for name, values in cols.items()}
    out["emit"] = np.concatenate([emit, t[copies] + dup_delay, t[broken]])
    out["fault"] = np.concatenate(
        [fault, np.full(len(copies), DUPLICATE, np.uint8), (MALFORMED + kinds).astype(np.uint8)]
    )
    if len(broken):
        out["eid_hi"][n + len(copies) :] = extra_ids[:, 0]
        out["eid_lo"][n + len(copies) :] = extra_ids[:, 1]
    return out


_MS_PLAYED = re.compile(rb'"ms_played":(\d+)')
_SONG_ID = re.compile(rb'"song_id":"[^"]*",')
_EVENT_TYPE = re.compile(rb'"event_type":"[a-z_]+"')
_DATE = re.compile(rb'"timestamp":"(\d{4})-\d\d-\d\d')


def corrupt(value: bytes, kind: str) -> bytes:
    """Break a valid record in the way `kind` names (never with a newline: NDJSON framing holds)."""
    if kind == "bad_json":
        return value[: len(value) // 2]
    if kind == "wrong_type":
        return _MS_PLAYED.sub(rb'"ms_played":"\1"', value, count=1)
    if kind == "missing_field":
        return _SONG_ID.sub(b"", value, count=1)
    if kind == "unknown_event_type":
        return _EVENT_TYPE.sub(b'"event_type":"rewind"', value, count=1)
    if kind == "impossible_timestamp":
        return _DATE.sub(rb'"timestamp":"\1-02-30', value, count=1)
    if kind == "non_utf8":
        return value.replace(b'"song_name":"', b'"song_name":"\xff\xfe', 1)
    if kind == "oversize":
        return value.replace(b'"song_name":"', b'"song_name":"' + b"x" * (MAX_RECORD_BYTES + 1), 1)
    raise ValueError(f"unknown malformed kind {kind!r}")
