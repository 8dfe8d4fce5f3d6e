"""Sources other than Kafka: batches handed over in process, and NDJSON files.

Positions must be unique per source. A file lands as the partition `file_partition()` derives from
its bytes, with line numbers as offsets, so two files never share a position and landing the same
file again rewrites the same keys; a simulated stream (the embedded hand-off, `run --follow`) lands
as the partition `keys.stream_partition()` derives from its config.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from spotify_mds.errors import ConfigError
from spotify_mds.landing.files import LandStats
from spotify_mds.landing.keys import source_partition
from spotify_mds.landing.validation import RecordValidator
from spotify_mds.landing.writer import BronzeWriter

logger = logging.getLogger(__name__)


def file_partition(path) -> int:
    """The partition a file's records land as: `source_partition` of its SHA-256.

    Derived from the bytes, not the name: the same file (wherever it is) always lands under the
    same keys (idempotent), and two different files never share one (about one chance in 2**48 per
    pair; `LakeConflict` catches even that). Hashing reads the file once more, several times faster
    than landing it. A file that grew is another file: its old lines land again under the new
    partition, and silver keeps one copy per `event_id`.
    """
    with open(path, "rb") as handle:
        return source_partition(hashlib.file_digest(handle, "sha256").digest())


def land_file(path, lake, topic: str, validator: RecordValidator, **options) -> LandStats:
    """Land an NDJSON file (`land --from-file`): `land_batches` over its lines, as `file_partition(path)`.

    Raises ConfigError when the file cannot be read (missing, a folder, no permission).
    """
    try:
        partition = file_partition(path)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    return land_batches(ndjson_batches(path), lake, topic, validator, partition=partition, **options)


def ndjson_batches(path, *, chunk_bytes: int = 32 << 20) -> Iterator:
    """An NDJSON file as simulator-style `Batch`es, read `chunk_bytes` at a time (bounded memory).

    Record i is line i (from 0), cut on `\\n` only, as NDJSON says (a trailing `\\r` is dropped), so
    landing a file behaves like landing it from one Kafka partition; a blank line is a record too
    (it is quarantined as malformed, not skipped in silence).
    """
    offset, rest = 0, b""
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_bytes):
            crlf = b"\r" in chunk or rest.endswith(b"\r")  # one memchr; \r\n may straddle two chunks
            lines = chunk.split(b"\n")  # the chunk's partial last line waits for the next chunk:
            lines[0] = rest + lines[0]  # only that line is copied, not the whole chunk
            rest = lines.pop()
            if lines:
                yield Batch(offset, [None] * len(lines), _strip_cr(lines) if crlf else lines)
                offset += len(lines)
    if rest:
        yield Batch(offset, [None], _strip_cr([rest]))


@dataclass(frozen=True)
class Batch:
    """Records in order; record i sits at position `first_offset + i` (the simulator's shape)."""

    first_offset: int
    keys: list
    values: list[bytes]

    def __len__(self) -> int:
        return len(self.values)


def _strip_cr(lines: list[bytes]) -> list[bytes]:
    return [line[:-1] if line.endswith(b"\r") else line for line in lines]


def land_batches(
    batches: Iterable,
    lake,
    topic: str,
    validator: RecordValidator,
    *,
    max_records: int = 50_000,
    max_span_ms: int = 3_600_000,
    max_bytes: int = 64 * 1024 * 1024,
    compression: str = "none",
    partition: int = 0,
    progress: Callable[[int], None] | None = None,
    validate_workers: int = 0,
) -> LandStats:
    """The embedded hand-off: land batches (`first_offset`, `keys`, `values`) as if read from one
    Kafka partition.

    Each record's offset is its position in the stream, so file names, rotation and replay behave
    exactly as with Kafka. With `validate_workers`, batch n+1 is validated in the workers while
    batch n is cut and written.
    """
    writer = BronzeWriter(
        lake, topic, validator, max_records=max_records, max_span_ms=max_span_ms, max_bytes=max_bytes,
        compression=compression, validate_workers=validate_workers,
    )  # fmt: skip

    def write(batch, checked) -> None:
        first = batch.first_offset
        writer.add_many(partition, range(first, first + len(batch)), batch.values, batch.keys, checked)
        if progress is not None:
            progress(len(batch))

    try:
        ahead = None  # (batch, its validation) started, written once the next batch is under way
        for batch in batches:
            checked = writer.check_ahead(batch.values)
            if ahead is not None:
                write(*ahead)
            ahead = (batch, checked)
        if ahead is not None:
            write(*ahead)
        writer.flush()
    finally:
        writer.close()
    logger.info("landed %s", writer.stats)
    return writer.stats
