"""Event columns → compact JSON bytes, vectorised: no per-event Python formatting.

A record is five pieces joined by Arrow's `binary_join_element_wise` (C++):
1. a fixed-width head (event_id, user_id, session_id, timestamp), written into a reused numpy byte
   matrix whose constant bytes are pre-filled: UUID and session hex via `bytes.hex`, the user's UUID
   from a table, the timestamp from a per-day date table and digit arithmetic;
2. the track's pre-encoded fragment (ids, names, artist, duration), an Arrow `take`;
3. the event-type/device/country/level fragment (784 combinations), an Arrow `take`;
4. ms_played, Arrow's integer-to-string cast;
5. the closing constant (plus a newline for NDJSON).
`records` hands the joined array to Python as bytes objects (`to_pylist`); `ndjson` returns one text
(a view of Arrow's buffer, not a copy), and `ndjson_size` its length in bytes without encoding, so
workers can write windows at known file positions. The JSON is compact, with the fields in a fixed order.

Arrow arrays and scalars are built from buffers, never with `pa.array`/`pa.scalar` on Python objects:
those import pandas on first use (about 0.4 s at start-up).

Measured alternatives (BENCHMARKS.md): per-event `%` formatting (the skeleton: ~35k events/s end to
end), and one NUL-padded byte matrix compacted with `bytes.translate` then `split` (a third slower
than this: it copies every byte three times).
"""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from spotify_mds.pipelines.streams.events import DEVICE_TYPES, SCHEMA_VERSION
from spotify_mds.pipelines.streams.simulate.catalog import Catalog
from spotify_mds.pipelines.streams.simulate.sessions import EVENT_TYPE_NAMES
from spotify_mds.pipelines.streams.simulate.users import COUNTRY_CODES, Population

DAY_MS = 86_400_000
_LEVELS = (b"free", b"paid")


def _const(text: bytes) -> np.ndarray:
    return np.frombuffer(text, np.uint8)


# The fixed-width head of every record; `#` marks the bytes written per event.
_HEAD_TEMPLATE = _const(
    b'{"event_id":"########-####-####-####-############","user_id":"####################################",'
    b'"session_id":"s################","timestamp":"###########00:00:00.000Z",'
)
_HEAD_WIDTH = len(_HEAD_TEMPLATE)
_CLOSE = b',"schema_version":%d}' % SCHEMA_VERSION


def _binary(values: list[bytes]) -> pa.BinaryArray:
    """A binary array of `values`, built from its buffers (`pa.array` would import pandas)."""
    offsets = np.zeros(len(values) + 1, np.int32)
    np.cumsum([len(v) for v in values], out=offsets[1:])
    return pa.BinaryArray.from_buffers(
        pa.binary(), len(values), [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(values))]
    )


def _numeric(values: np.ndarray) -> pa.Array:
    """A numpy array as an Arrow array sharing its memory (`pa.array` would import pandas)."""
    values = np.ascontiguousarray(values)
    return pa.Array.from_buffers(pa.from_numpy_dtype(values.dtype), len(values), [None, pa.py_buffer(values)])


# ms_played's decimal width: 1 + the number of these powers of ten at or below it
_POWERS_OF_TEN = 10 ** np.arange(1, 19, dtype=np.int64)


def _fixed(rows: np.ndarray) -> pa.Array:
    """A (n, width) byte matrix as an Arrow binary array of n values, without copying the bytes."""
    n, width = rows.shape
    offsets = pa.py_buffer(np.arange(0, (n + 1) * width, width, dtype=np.int32))
    return pa.BinaryArray.from_buffers(
        pa.binary(), n, [None, offsets, pa.py_buffer(np.ascontiguousarray(rows))]
    )


def _hex(raw: np.ndarray) -> np.ndarray:
    """(n, k) bytes → (n, 2k) lowercase hex digits."""
    return np.frombuffer(raw.tobytes().hex().encode(), np.uint8).reshape(len(raw), 2 * raw.shape[1])


class Encoder:
    """Tables for one population and catalog; `records(columns)` / `ndjson(columns)` encode a batch."""

    def __init__(self, pop: Population, catalog: Catalog) -> None:
        self._setup(pop.user_id_table, pop.country, _binary(catalog.fragments))

    def __reduce__(self):
        # A helper process gets the tables, not the population and catalog it would otherwise rebuild.
        return _from_tables, (self._user_ids, self._country, self.fragments)

    def _setup(self, user_ids: np.ndarray, country: np.ndarray, fragments: pa.BinaryArray) -> None:
        self._user_ids, self._country, self.fragments = user_ids, country, fragments
        rows = [
            b'"event_type":"%s","device_type":"%s","country":"%s","level":"%s","ms_played":'
            % (kind.encode(), device.encode(), country.encode(), level)
            for kind in EVENT_TYPE_NAMES
            for device in DEVICE_TYPES
            for country in COUNTRY_CODES
            for level in _LEVELS
        ]
        self.combos = _binary(rows)
        self._combo_size = np.diff(np.frombuffer(self.combos.buffers()[1], np.int32)).astype(np.int64)
        self._fragment_size = np.diff(np.frombuffer(self.fragments.buffers()[1], np.int32)).astype(np.int64)
        ends = _binary([_CLOSE, _CLOSE + b"\n", b""])
        self._close, self._close_line, self._nothing = ends[0], ends[1], ends[2]
        self._days: dict[int, bytes] = {}
        self._template = np.empty((0, _HEAD_WIDTH), np.uint8)

    def _date_table(self, days: np.ndarray) -> np.ndarray:
        out = []
        for day in days.tolist():
            text = self._days.get(day)
            if text is None:
                text = datetime.fromtimestamp(day * 86_400, tz=timezone.utc).strftime("%Y-%m-%dT").encode()
                self._days[day] = text
            out.append(text)
        return np.frombuffer(b"".join(out), np.uint8).reshape(len(out), 11)

    def records(self, cols: dict[str, np.ndarray]) -> list[bytes]:
        """One compact JSON object per event, in the columns' order."""
        return self._joined(cols, self._close).to_pylist() if len(cols["t"]) else []

    def ndjson(self, cols: dict[str, np.ndarray]) -> memoryview:
        """The same records as NDJSON text (each followed by a newline): a view of Arrow's buffer."""
        if not len(cols["t"]):
            return memoryview(b"")
        joined = self._joined(cols, self._close_line)
        _, offsets, data = joined.buffers()
        bounds = np.frombuffer(offsets, np.int32, len(joined) + 1, joined.offset * 4)
        return memoryview(data.slice(int(bounds[0]), int(bounds[-1] - bounds[0])))

    def ndjson_size(self, cols: dict[str, np.ndarray]) -> int:
        """len(self.ndjson(cols)), from the pieces' sizes alone (no encoding)."""
        n = len(cols["t"])
        if not n:
            return 0
        ms = cols["ms"]
        digits = n + int(np.searchsorted(_POWERS_OF_TEN, np.abs(ms), side="right").sum())
        signs = int((ms < 0).sum())
        pieces = int(self._fragment_size[cols["track"]].sum())
        pieces += int(self._combo_size[self._combo(cols)].sum())
        return n * (_HEAD_WIDTH + len(_CLOSE) + 1) + pieces + digits + signs

    def _combo(self, cols: dict[str, np.ndarray]) -> np.ndarray:
        """Row of each event's event-type/device/country/level fragment in `combos`."""
        n_dev, n_cty = len(DEVICE_TYPES), len(COUNTRY_CODES)
        combo = (
            (cols["type"].astype(np.int64) * n_dev + cols["device"]) * n_cty + self._country[cols["user"]]
        ) * 2
        combo += cols["paid"]
        return combo

    def _head(self, n: int) -> np.ndarray:
        """A reused (n, width) matrix whose constant bytes (keys, quotes, dashes) are already in place."""
        if len(self._template) < n:
            template = np.empty((max(n, 2 * len(self._template)), _HEAD_WIDTH), np.uint8)
            template[:] = _HEAD_TEMPLATE
            self._template = template
        return self._template[:n]

    def _joined(self, cols: dict[str, np.ndarray], close: pa.Scalar) -> pa.Array:
        n = len(cols["t"])
        users = cols["user"]
        head = self._head(n)
        event_ids = np.stack([cols["eid_hi"], cols["eid_lo"]], axis=1).view(np.uint8)
        event_ids[:, 6] = (event_ids[:, 6] & 0x0F) | 0x40  # UUID version 4
        event_ids[:, 8] = (event_ids[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
        hexed = _hex(event_ids)
        head[:, 13:21], head[:, 22:26], head[:, 27:31] = hexed[:, 0:8], hexed[:, 8:12], hexed[:, 12:16]
        head[:, 32:36], head[:, 37:49] = hexed[:, 16:20], hexed[:, 20:32]
        head[:, 62:98] = self._user_ids[users]
        head[:, 115:131] = _hex(cols["session"].view(np.uint8).reshape(n, 8))
        self._timestamp(cols["t"], head[:, 146:169])
        # The join copies every piece: the reused head can be overwritten by the next batch.
        return pc.binary_join_element_wise(
            _fixed(head),
            self.fragments.take(_numeric(cols["track"])),
            self.combos.take(_numeric(self._combo(cols))),
            pc.cast(_numeric(cols["ms"]), pa.string()).cast(pa.binary()),
            close,
            self._nothing,
        )

    def _timestamp(self, t: np.ndarray, out: np.ndarray) -> None:
        """Write `YYYY-MM-DDTHH:MM:SS.mmm` (23 bytes) of each epoch-ms `t` into the rows of `out`."""
        day = t // DAY_MS
        first = int(day.min())
        out[:, 0:11] = self._date_table(np.arange(first, int(day.max()) + 1))[day - first]
        ms = (t - day * DAY_MS).astype(np.int32)
        # one digit per column: measured faster than 2- or 3-digit lookup tables
        for at, value in ((11, ms // 3_600_000), (14, ms // 60_000 % 60), (17, ms // 1_000 % 60)):
            out[:, at] = value // 10 + 48
            out[:, at + 1] = value % 10 + 48
        rest = ms % 1_000
        out[:, 20] = rest // 100 + 48
        out[:, 21] = rest // 10 % 10 + 48
        out[:, 22] = rest % 10 + 48


def _from_tables(user_ids: np.ndarray, country: np.ndarray, fragments: pa.BinaryArray) -> Encoder:
    encoder = Encoder.__new__(Encoder)
    encoder._setup(user_ids, country, fragments)
    return encoder
