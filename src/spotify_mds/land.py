"""Landing: records with a (partition, offset) position become bronze files in the lake.

The rules (ARCHITECTURE.md, "Bronze"), which make a replay rewrite the very same keys:
- each valid record's bytes go, as received, to the file of its **event-time** hour:
  `bronze/<topic>/date=YYYY-MM-DD/hour=HH/<topic>+<partition>+<first offset:020d>.ndjson[.gz|.zst]`;
- a record that fails validation goes to `quarantine/<topic>/...` with its position, its reason and
  its original bytes; it never blocks the stream;
- a partition's buffer is flushed when it holds `max_records` records, `max_bytes` bytes of values,
  or its records span `max_span_ms` of event time: all three depend only on the records, so a
  restart from the last committed offset cuts the same files. `flush()` without a cause (idle, shutdown, revoke) is the
  one non-deterministic cut, which is why silver also deduplicates on `event_id`;
- a flush returns, per partition, the next offset to commit: the caller commits it only after
  `flush()` returned, i.e. after every file of the batch was durably written;
- a flush that fails (`LakeError`) keeps the partition's buffer, marked *due*: nothing more may be
  added to it until `retry()` wrote it, so the cut stays where the rules put it;
- a file never silently replaces different bytes. A replay writes identical bytes (skipped). The
  one legitimate difference is a replay whose cut moved (an idle flush written, then a crash before
  its commit): the stored file and the new one start at the same offset and hold the hour's records
  of the same positions, so one is a prefix of the other. Such a replacement is allowed, logged as
  a warning and counted (`replaced_files`); the records beyond the shorter cut are in the next file,
  which starts where it ends. Any other difference is two streams claiming one position (a topic
  recreated with its offsets back at 0, two sources landed as one partition): `LakeConflict`, and
  nothing of the flush is committed.

Positions must therefore be unique per source: Kafka gives (partition, offset); a file lands as the
partition `file_partition()` derives from its bytes, with line numbers as offsets, so two files never
share a position and landing the same file again rewrites the same keys; a simulated stream (the
embedded hand-off, `run --follow`) lands as the partition `stream_partition()` derives from its config.

Memory: a partition buffers at most `max_bytes` of values (plus about 100 bytes of bookkeeping per
record), so a writer holds at most `partitions × (max_bytes + max_records × 100)` bytes, plus, while
one file is being written, a copy of it (compressed or not).

The source (the embedded hand-off below, or Kafka in `land_kafka.py`) only feeds `BronzeWriter.add`
and commits.
"""

from __future__ import annotations

import base64
import gzip
import logging
import os
import sys
import threading
import time
from bisect import bisect_left
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import accumulate

import msgspec

from spotify_mds.errors import ConfigError, InvalidEvent, LakeConflict, LakeError
from spotify_mds.events import MAX_RECORD_BYTES, check, landable
from spotify_mds.lake import Lake

logger = logging.getLogger(__name__)

_EXTENSIONS = {"none": "", "gzip": ".gz", "zstd": ".zst"}


@dataclass
class LandStats:
    records: int = 0
    landed: int = 0
    quarantined: int = 0
    files: int = 0
    bytes: int = 0
    unchanged_files: int = 0
    """Files whose identical bytes were already in the lake (a replay)."""
    failed_writes: int = 0
    """Flushes that failed (storage outage); their records stayed buffered and were retried."""
    replaced_files: int = 0
    """Files that replaced a shorter or longer cut of the same positions (a replay after an idle flush)."""


_HOUR_MS = 3_600_000
_RUN = 4_096
"""`add_many` validates and buffers records in runs of this many (bounds its lists, not the buffers)."""


@dataclass
class _Flight:
    """A flush being written in the background: its files and what it makes committable."""

    files: list[tuple[str, bytes, bool]]
    next_offset: int
    landed: int
    quarantined: int
    future: Future | None = None
    failed: bool = False
    error: BaseException | None = None


_DONE: Future = Future()
_DONE.set_result(None)


@dataclass
class _Buffer:
    """One partition's records since its last flush."""

    hours: dict[int, list[bytes]] = field(default_factory=dict)
    """Event-time hour (hours since the epoch, UTC) → values, in offset order."""
    first_offsets: dict[int, int] = field(default_factory=dict)
    """Event-time hour → offset of its first record (the file's name)."""
    bad: list[dict] = field(default_factory=list)
    count: int = 0
    bytes: int = 0
    first_ms: int | None = None
    last_ms: int | None = None
    next_offset: int | None = None
    due: bool = False
    """A flush of this buffer failed: it must be written (`retry()`) before it takes more records."""


def _hour_name(hour: int) -> tuple[str, str]:
    moment = datetime.fromtimestamp(hour * 3600, tz=timezone.utc)
    return moment.strftime("%Y-%m-%d"), f"{moment.hour:02d}"


def _single_line(value: bytes) -> bytes:
    """NDJSON needs one line per record; a valid record pretty-printed over lines is compacted."""
    return msgspec.json.encode(msgspec.json.decode(value))


def _validate_run(values: list) -> tuple[list[int], list[int]] | None:
    """(sizes, event-time ms) of records that are all valid, or None when any one is not."""
    try:
        sizes = list(map(len, values))  # TypeError: a tombstone (None)
        if max(sizes) > MAX_RECORD_BYTES:
            return None
        # One record at a time, keeping only its event time: a run's 4,096 decoded events held in a
        # list outlived the collector's young generations (each run was scanned again in full
        # collections) and fell out of the CPU caches before their timestamps were read.
        # `check` passes records that land as received; any failure (TypeError: a tombstone) sends
        # the run through `add()`, which decides record by record (`events.landable`).
        millis = [int(check(value).timestamp.timestamp() * 1000) for value in values]
    except Exception:
        return None
    return sizes, millis


def _die_with_parent(parent: int) -> None:
    """Validation workers' initializer: a worker dies with the lander, even a lander killed by
    SIGKILL, which runs no clean-up. Linux: the kernel sends the worker SIGKILL when its parent dies
    (PR_SET_PDEATHSIG; the workers hold no state worth saving). Elsewhere, or if prctl fails, a
    thread checks every second that the parent is still the lander. Once every worker is gone, the
    multiprocessing resource tracker they shared with the lander reads the end of its pipe and exits.
    """
    watch = True
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal

            pr_set_pdeathsig = 1
            watch = ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL) != 0
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the lander died before the signal was armed
        os._exit(1)
    if watch:
        threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True).start()


def _exit_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def _span_cut(millis: list[int], first_ms: int, last_ms: int, max_span_ms: int) -> int:
    """The first index at which a buffer spanning first_ms..last_ms, then taking `millis` one by
    one, spans `max_span_ms` or more (len(millis) if none): running minimum and maximum in numpy."""
    import numpy as np

    ms = np.array(millis, dtype=np.int64)
    span = np.maximum(np.maximum.accumulate(ms), last_ms) - np.minimum(np.minimum.accumulate(ms), first_ms)
    hits = np.flatnonzero(span >= max_span_ms)
    return int(hits[0]) if hits.size else len(millis)


def _done(result) -> Future:
    future: Future = Future()
    future.set_result(result)
    return future


def _quarantine_record(partition: int, offset: int, key: bytes | None, value: bytes | None, error: InvalidEvent):
    record = {"partition": partition, "offset": offset, "reason": error.reason, "field": error.field}
    record["key"] = key.decode("utf-8", "replace") if key is not None else None
    try:
        record["value"] = value.decode("utf-8") if value is not None else None
    except UnicodeDecodeError as exc:
        record["value_base64"] = base64.b64encode(value).decode("ascii")
        record["reason"] = f"not UTF-8 ({exc.reason} at byte {exc.start}): {error.reason}"
    return record


class BronzeWriter:
    """Buffers records per partition and writes them to the lake as bronze and quarantine files."""

    def __init__(
        self,
        lake: Lake,
        topic: str,
        *,
        max_records: int = 50_000,
        max_span_ms: int = 3_600_000,
        max_bytes: int = 64 * 1024 * 1024,
        compression: str = "none",
        on_flush: Callable[[int, int], None] | None = None,
        max_inflight: int = 0,
        validate_workers: int = 0,
    ) -> None:
        """`max_inflight` > 0 writes flushes in background threads (up to that many at once) while the
        caller keeps adding: `add()` then never returns an offset, `completed()` does, per partition in
        offset order and only once every earlier flush of the partition is durable. 0: synchronous.
        `validate_workers` > 0 validates `add_many`'s records in that many worker processes, so the
        lander's own process only cuts, buffers and writes (`close()` stops them). They are started
        with `spawn`, so a script using them needs the `if __name__ == "__main__":` guard; if a
        worker dies, validation carries on in this process."""
        if compression not in _EXTENSIONS:
            raise ValueError(f"compression must be one of {sorted(_EXTENSIONS)}, not {compression!r}")
        self.lake = lake
        self.topic = topic
        self.max_records = max_records
        self.max_span_ms = max_span_ms
        self.max_bytes = max_bytes
        self.compression = compression
        self.on_flush = on_flush
        self.stats = LandStats()
        self._buffers: dict[int, _Buffer] = {}
        self.max_inflight = max_inflight
        self._pool: ThreadPoolExecutor | None = None
        self._inflight: dict[int, deque[_Flight]] = {}
        self._ready: dict[int, int] = {}
        self._lock = threading.Lock()
        self.validate_workers = validate_workers
        self._validators: ProcessPoolExecutor | None = None
        self._remove_stale_temporaries()

    def _remove_stale_temporaries(self) -> None:
        """A writer starting deletes what killed writers left of their files in this topic's folders."""
        remove = getattr(self.lake, "remove_stale_temporaries", None)  # only a folder has temporary files
        if remove is None:
            return
        removed = remove(f"bronze/{self.topic}/") + remove(f"quarantine/{self.topic}/")
        if removed:
            logger.warning("removed %d temporary files left by killed writers", removed)

    # -- feeding ----------------------------------------------------------------------------------
    def add(self, partition: int, offset: int, value: bytes | None, key: bytes | None = None) -> int | None:
        """Buffer one record; return the offset to commit if this record completed a flush.

        Raises LakeError when the flush this record completed failed: the record stays buffered,
        the partition is *due*, and `retry()` must succeed before the partition takes more records.
        """
        buffer = self._buffers.get(partition)
        if buffer is None:
            self._buffers[partition] = buffer = _Buffer()
        elif buffer.due:
            raise RuntimeError(f"partition {partition} has a failed flush pending: call retry() first")
        self.stats.records += 1
        try:
            if value is None:
                raise InvalidEvent("record has no value (tombstone)", field=None)
            # InvalidEvent naming the field and the reason; `value` becomes the bytes to land
            event, value = landable(value)  # (as received, or re-encoded when it must be)
        except InvalidEvent as error:
            buffer.bad.append(_quarantine_record(partition, offset, key, value, error))
            buffer.bytes += len(value) if value is not None else 0
        else:
            ms = int(event.timestamp.timestamp() * 1000)
            hour = ms // _HOUR_MS
            bucket = buffer.hours.get(hour)
            if bucket is None:
                buffer.hours[hour] = bucket = []
                buffer.first_offsets[hour] = offset
            bucket.append(_single_line(value) if b"\n" in value or b"\r" in value else value)
            buffer.bytes += len(value)
            if buffer.first_ms is None:
                buffer.first_ms = buffer.last_ms = ms
            elif ms < buffer.first_ms:
                buffer.first_ms = ms
            elif ms > buffer.last_ms:
                buffer.last_ms = ms
        buffer.count += 1
        buffer.next_offset = offset + 1
        if (
            buffer.count >= self.max_records
            or buffer.bytes >= self.max_bytes
            or (buffer.first_ms is not None and buffer.last_ms - buffer.first_ms >= self.max_span_ms)
        ):
            return self._flush_partition(partition)
        return None

    def check_ahead(self, values: list) -> list[Future] | None:
        """Start validating `values` in the worker processes (one task per run); pass the result to
        `add_many` later, so validation overlaps whatever the caller does meanwhile. None without workers."""
        if not self.validate_workers:
            return None
        if self._validators is None:
            import multiprocessing

            # spawn, not fork: the caller may run threads (librdkafka's, the background writes).
            context = multiprocessing.get_context("spawn")
            self._validators = ProcessPoolExecutor(
                self.validate_workers, mp_context=context, initializer=_die_with_parent, initargs=(os.getpid(),)
            )
        submit = self._validators.submit
        return [submit(_validate_run, values[i : i + _RUN]) for i in range(0, len(values), _RUN)]

    def add_many(
        self, partition: int, offsets, values: list, keys: list | None = None, checked: list[Future] | None = None
    ) -> int | None:
        """Buffer records of one partition in offset order: the same files as `add()` one by one.

        Returns the offset to commit after the last flush these records completed (or None). Runs of
        records are validated in one comprehension (in worker processes with `validate_workers`;
        `checked` is what `check_ahead(values)` returned) and buffered with a few list operations; a
        run holding an invalid, oversize or empty record goes through `add()` record by record. On a
        failed flush LakeError is raised with `added`: how many records were buffered (the one that
        completed the flush included); the caller keeps the rest.
        """
        if checked is None:
            checked = self.check_ahead(values)
        committed, start = None, 0
        try:
            for run, first in enumerate(range(0, len(values), _RUN)):
                start, stop = first, min(first + _RUN, len(values))
                result = self._run_result(checked, run, values, start, stop)
                if result is None:
                    offset = self._add_one_by_one(partition, offsets, values, keys, start, stop)
                    committed = offset if offset is not None else committed
                    continue
                sizes, millis = result
                while start < stop:  # each pass ends at a flush or at the end of the run
                    done, offset = self._buffer_valid(partition, offsets, values, start, stop, sizes, millis)
                    sizes, millis = sizes[done:], millis[done:]
                    start += done
                    committed = offset if offset is not None else committed
        except LakeError as error:
            error.added = start + getattr(error, "added_in_run", 0)
            raise
        return committed

    def _run_result(self, checked: list[Future] | None, run: int, values: list, start: int, stop: int):
        if checked is not None:
            last = len(checked) - 1
            while not checked[run].done() and last >= run:  # rather than wait, validate here the runs no
                if checked[last].cancel():  # worker has started, from the far end (they take the near one)
                    checked[last] = _done(_validate_run(values[last * _RUN : (last + 1) * _RUN]))
                last -= 1
            try:
                return checked[run].result()
            except Exception as exc:  # a worker died (killed, out of memory): validate here instead
                if self.validate_workers:
                    logger.warning("validation worker failed (%s); validating in the lander's process", exc)
                self.validate_workers = 0
        return _validate_run(values[start:stop])

    def close(self) -> None:
        """Stop the worker processes and threads (after `flush()`); the writer can be used again."""
        for pool in (self._validators, self._pool):
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
        self._validators = self._pool = None

    def _buffer_valid(self, partition: int, offsets, values, start: int, stop: int, sizes, millis):
        """Buffer validated values[start:stop], ending after a record that completes a flush: (buffered, offset)."""
        buffer = self._buffers.get(partition)
        if buffer is None:
            self._buffers[partition] = buffer = _Buffer()
        elif buffer.due:
            raise RuntimeError(f"partition {partition} has a failed flush pending: call retry() first")
        n = stop - start
        # Where add() would flush: the first record reaching max_records, max_bytes or max_span_ms.
        room = self.max_records - buffer.count
        cut = room - 1 if room <= n else n  # n: no record completes a flush
        run_bytes, run_low, run_high = sum(sizes), min(millis), max(millis)  # the whole run's, until it is cut
        if buffer.bytes + run_bytes >= self.max_bytes:
            cut = min(cut, bisect_left(list(accumulate(sizes, initial=buffer.bytes))[1:], self.max_bytes))
        first_ms = buffer.first_ms if buffer.first_ms is not None else millis[0]
        last_ms = buffer.last_ms if buffer.last_ms is not None else first_ms
        if max(last_ms, run_high) - min(first_ms, run_low) >= self.max_span_ms:
            cut = min(cut, _span_cut(millis, first_ms, last_ms, self.max_span_ms))
        count = cut + 1 if cut < n else n
        if count < n:
            run_bytes, run_low, run_high = sum(sizes[:count]), min(millis[:count]), max(millis[:count])
        taken = values[start : start + count]
        joined = b"".join(taken)
        if b"\n" in joined or b"\r" in joined:  # a pretty-printed record: its line is compacted
            taken = [_single_line(v) if b"\n" in v or b"\r" in v else v for v in taken]
        if run_low // _HOUR_MS == run_high // _HOUR_MS:  # the usual case: one event-time hour
            hour = run_low // _HOUR_MS
            bucket = buffer.hours.get(hour)
            if bucket is None:
                buffer.hours[hour] = bucket = []
                buffer.first_offsets[hour] = offsets[start]
            bucket.extend(taken)
        else:
            hours, first_offsets = buffer.hours, buffer.first_offsets
            for i, (value, ms) in enumerate(zip(taken, millis, strict=False)):
                hour = ms // _HOUR_MS
                bucket = hours.get(hour)
                if bucket is None:
                    hours[hour] = bucket = []
                    first_offsets[hour] = offsets[start + i]
                bucket.append(value)
        self.stats.records += count
        buffer.count += count
        buffer.bytes += run_bytes
        buffer.first_ms, buffer.last_ms = min(first_ms, run_low), max(last_ms, run_high)
        buffer.next_offset = offsets[start + count - 1] + 1
        if cut >= n:
            return count, None
        try:
            return count, self._flush_partition(partition)
        except LakeError as error:
            error.added_in_run = count
            raise

    def _add_one_by_one(self, partition: int, offsets, values, keys, start: int, stop: int) -> int | None:
        committed = None
        for i in range(start, stop):
            try:
                offset = self.add(partition, offsets[i], values[i], keys[i] if keys is not None else None)
            except LakeError as error:
                error.added_in_run = i - start + 1
                raise
            committed = offset if offset is not None else committed
        return committed

    def pending(self) -> int:
        """Records buffered or being written, not yet durable."""
        flying = sum(f.landed + f.quarantined for q in self._inflight.values() for f in q)
        return sum(buffer.count for buffer in self._buffers.values()) + flying

    def buffered_bytes(self) -> int:
        """Bytes held for records not yet durable (the memory the writer holds)."""
        flying = sum(len(data) for q in self._inflight.values() for f in q for _, data, _ in f.files)
        return sum(buffer.bytes for buffer in self._buffers.values()) + flying

    def due(self) -> list[int]:
        """Partitions whose flush failed and must be retried (`retry()`) before more is committed."""
        self._collect()
        failed = [p for p, q in self._inflight.items() if q and q[0].failed]
        return [p for p, buffer in self._buffers.items() if buffer.due] + failed

    def completed(self) -> dict[int, int]:
        """{partition: next offset to commit} for background flushes that became durable since the last call."""
        self._collect()
        ready, self._ready = self._ready, {}
        return ready

    def wait(self, partitions: Iterable[int] | None = None) -> None:
        """Wait until the background writes of `partitions` (default: all) have finished, well or not."""
        chosen = list(self._inflight) if partitions is None else [p for p in partitions if p in self._inflight]
        futures = [f.future for p in chosen for f in self._inflight.get(p, ())]
        if futures:
            futures_wait(futures)
        self._collect()

    def partitions(self) -> dict[int, int]:
        """{partition: next offset after its buffered records} for every non-empty buffer."""
        return {p: b.next_offset for p, b in self._buffers.items() if b.count and b.next_offset is not None}

    # -- writing ----------------------------------------------------------------------------------
    def flush(self, partitions: Iterable[int] | None = None) -> dict[int, int]:
        """Write every buffered record (or those of `partitions`); return {partition: next offset to commit}.

        Raises LakeError on the first partition that cannot be written; partitions written before it
        are reported by `on_flush`, and every unwritten one stays buffered (and due).
        """
        chosen = list(self._buffers) if partitions is None else [p for p in partitions if p in self._buffers]
        done = {p: o for p in chosen if (o := self._flush_partition(p)) is not None}
        if not self.max_inflight:
            return done
        self.wait()
        if failed := [p for p, q in self._inflight.items() if q and q[0].failed]:
            raise LakeError(f"writing partitions {failed} failed: {self._inflight[failed[0]][0].error}")
        return self.completed()

    def retry(self) -> dict[int, int]:
        """Write again what failed (in offset order); return {partition: next offset to commit}."""
        if not self.max_inflight:
            return self.flush([p for p, buffer in self._buffers.items() if buffer.due])
        self.wait()
        for queue in self._inflight.values():
            for flight in queue:
                if flight.failed or flight.future.exception() is not None:
                    self._write_all(flight.files)  # raises LakeError while the lake is still down
                    flight.failed, flight.error = False, None
                    flight.future = _DONE
        return self.completed()

    def drop(self, partitions: Iterable[int]) -> None:
        """Forget buffered records of revoked partitions: their new owner replays them.

        Background writes of those partitions are waited for first, so none of them can land after
        the new owner has started writing the same keys.
        """
        partitions = list(partitions)
        self.wait(partitions)
        for partition in partitions:
            self._buffers.pop(partition, None)
            self._inflight.pop(partition, None)
            self._ready.pop(partition, None)

    def _flush_partition(self, partition: int) -> int | None:
        buffer = self._buffers.get(partition)
        if buffer is None or buffer.count == 0:
            self._buffers.pop(partition, None)
            return None
        ext = _EXTENSIONS[self.compression]
        files: list[tuple[str, bytes, bool]] = []
        for hour, rows in sorted(buffer.hours.items()):
            date, hh = _hour_name(hour)
            first = buffer.first_offsets[hour]
            key = f"bronze/{self.topic}/date={date}/hour={hh}/{self.topic}+{partition}+{first:020d}.ndjson{ext}"
            rows.append(b"")  # the final newline, without copying the file once more
            files.append((key, b"\n".join(rows), True))
            rows.pop()
        if buffer.bad:
            date, hh = _hour_name(min(buffer.hours)) if buffer.hours else ("unknown", "unknown")
            first = buffer.bad[0]["offset"]
            key = f"quarantine/{self.topic}/date={date}/hour={hh}/{self.topic}+{partition}+{first:020d}.ndjson"
            files.append((key, b"".join(msgspec.json.encode(row) + b"\n" for row in buffer.bad), False))
        if self.max_inflight:
            return self._write_in_background(partition, buffer, files)
        try:
            self._write_all(files)
        except LakeError:
            buffer.due = True
            self.stats.failed_writes += 1
            raise
        del self._buffers[partition]
        self.stats.landed += buffer.count - len(buffer.bad)
        self.stats.quarantined += len(buffer.bad)
        if self.on_flush is not None:
            self.on_flush(partition, buffer.next_offset)
        return buffer.next_offset

    def _write_in_background(self, partition: int, buffer: _Buffer, files: list) -> None:
        del self._buffers[partition]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.max_inflight, thread_name_prefix="bronze-write")
        flight = _Flight(files, buffer.next_offset, buffer.count - len(buffer.bad), len(buffer.bad))
        flight.future = self._pool.submit(self._write_all, files)
        self._inflight.setdefault(partition, deque()).append(flight)
        # Back-pressure: at most max_inflight flushes held in memory at once.
        while sum(len(q) for q in self._inflight.values()) > self.max_inflight:
            running = [f.future for q in self._inflight.values() for f in q if not f.future.done()]
            if not running:
                break  # the rest waits behind a failed flush: the caller pauses and retries
            futures_wait(running, return_when=FIRST_COMPLETED)
            self._collect()
        return None

    def _collect(self) -> None:
        """Move finished background flushes, in offset order per partition, to the ready offsets."""
        for partition, queue in list(self._inflight.items()):
            while queue and queue[0].future.done() and not queue[0].failed:
                flight = queue[0]
                error = flight.future.exception()
                if isinstance(error, LakeConflict):
                    raise error  # not an outage: retrying would only meet the same bytes again
                if error is not None:
                    flight.failed, flight.error = True, error
                    self.stats.failed_writes += 1
                    break
                queue.popleft()
                self.stats.landed += flight.landed
                self.stats.quarantined += flight.quarantined
                self._ready[partition] = flight.next_offset
                if self.on_flush is not None:
                    self.on_flush(partition, flight.next_offset)
            if not queue:
                del self._inflight[partition]

    def _encode(self, data: bytes, compress: bool) -> bytes:
        if compress and self.compression == "gzip":
            return gzip.compress(data, compresslevel=5, mtime=0)  # mtime=0: same bytes on replay
        if compress and self.compression == "zstd":
            import zstandard  # optional dependency

            return zstandard.ZstdCompressor(level=3).compress(data)
        return data

    def _write_all(self, files: list[tuple[str, bytes, bool]]) -> None:
        """Write a flush's files (in parallel when the lake can); every one is durable on return."""
        items = [(key, self._encode(data, compress)) for key, data, compress in files]
        put_many = getattr(self.lake, "put_many", None)
        check = self._may_replace
        try:
            if put_many is not None and len(items) > 1:
                written = put_many(items, may_replace=check)
            else:
                written = [self.lake.put(k, d, may_replace=check) for k, d in items]
        except LakeConflict as exc:
            raise LakeConflict(
                f"{exc}: they are not a cut of the same records (a topic recreated with its offsets "
                "back at 0? two sources landed as one partition?); nothing was committed. Move that "
                "file away to land these records, or land them into another lake.",
                key=exc.key,
            ) from None
        with self._lock:  # background writes report from several threads
            for (_key, data), changed in zip(items, written, strict=True):
                if changed:
                    self.stats.files += 1
                    self.stats.bytes += len(data)
                else:
                    self.stats.unchanged_files += 1

    def _may_replace(self, key: str, stored: bytes, new: bytes) -> bool:
        """The replay rule (module docstring): stored and new records, one a prefix of the other."""
        old, new = _plain(key, stored), _plain(key, new)
        if not (old.startswith(new) or new.startswith(old)):
            return False
        logger.warning(
            "replacing %s: it held %d records, the replay's cut holds %d (an idle flush was written, "
            "then not committed)",
            key, old.count(b"\n"), new.count(b"\n"),
        )  # fmt: skip
        with self._lock:
            self.stats.replaced_files += 1
        return True


def _plain(key: str, data: bytes) -> bytes:
    if key.endswith(".gz"):
        return gzip.decompress(data)
    if key.endswith(".zst"):
        import zstandard

        return zstandard.ZstdDecompressor().decompressobj().decompress(data)
    return data


FILE_PARTITIONS = 1 << 31
"""Files and the embedded simulator land as partitions from here on: Kafka's partition numbers are
int32, so never these."""


def source_partition(identity: bytes) -> int:
    """The partition a source other than Kafka lands as: FILE_PARTITIONS + 48 bits of SHA-256(identity)."""
    import hashlib

    return FILE_PARTITIONS + int.from_bytes(hashlib.sha256(identity).digest()[:6], "big")


def stream_partition(config) -> int:
    """The partition a simulated stream lands as: `source_partition` of its config (a dataclass), so
    the same config rewrites the same keys with the same bytes and another never shares one."""
    import json
    from dataclasses import asdict

    return source_partition(json.dumps(asdict(config), default=str, sort_keys=True).encode())


def file_partition(path) -> int:
    """The partition a file's records land as: `source_partition` of its SHA-256.

    Derived from the bytes, not the name: the same file (wherever it is) always lands under the
    same keys (idempotent), and two different files never share one (about one chance in 2**48 per
    pair; `LakeConflict` catches even that). Hashing reads the file once more, several times faster
    than landing it. A file that grew is another file: its old lines land again under the new
    partition, and silver keeps one copy per `event_id`.
    """
    import hashlib

    with open(path, "rb") as handle:
        return source_partition(hashlib.file_digest(handle, "sha256").digest())


def land_file(path, lake: Lake, topic: str, **options) -> LandStats:
    """Land an NDJSON file (`land --from-file`): `land_batches` over its lines, as `file_partition(path)`.

    Raises ConfigError when the file cannot be read (missing, a folder, no permission).
    """
    try:
        partition = file_partition(path)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    return land_batches(ndjson_batches(path), lake, topic, partition=partition, **options)


def ndjson_batches(path, *, chunk_bytes: int = 32 << 20) -> Iterator:
    """An NDJSON file as simulator-style `Batch`es, read `chunk_bytes` at a time (bounded memory).

    Record i is line i (from 0), cut on `\\n` only, as NDJSON says (a trailing `\\r` is dropped), so
    landing a file behaves like landing it from one Kafka partition; a blank line is a record too
    (it is quarantined as malformed, not skipped in silence).
    """
    from spotify_mds.simulate import Batch  # the simulator's unit of output (numpy: only here)

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


def _strip_cr(lines: list[bytes]) -> list[bytes]:
    return [line[:-1] if line.endswith(b"\r") else line for line in lines]


def land_batches(
    batches: Iterable,
    lake: Lake,
    topic: str,
    *,
    max_records: int = 50_000,
    max_span_ms: int = 3_600_000,
    max_bytes: int = 64 * 1024 * 1024,
    compression: str = "none",
    partition: int = 0,
    progress: Callable[[int], None] | None = None,
    validate_workers: int = 0,
) -> LandStats:
    """The embedded hand-off: land the simulator's batches as if read from one Kafka partition.

    Each record's offset is its simulator sequence number, so file names, rotation and replay
    behave exactly as with Kafka. With `validate_workers`, batch n+1 is validated in the workers
    while batch n is cut and written.
    """
    writer = BronzeWriter(
        lake, topic, max_records=max_records, max_span_ms=max_span_ms, max_bytes=max_bytes, compression=compression,
        validate_workers=validate_workers,
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
