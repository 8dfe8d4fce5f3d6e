"""Validating records before they are buffered: the validator protocol and the worker-process pool.

The landing core knows no schema. A pipeline hands the writer a `RecordValidator`: a callable that
takes a record's bytes and returns (event time in ms since the epoch, the bytes to land), or raises
InvalidEvent naming the field and the reason (the record is then quarantined), plus a fast path for
runs of records (`event_ms`). It must be picklable (a module-level instance) when validation runs in
worker processes.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Protocol

logger = logging.getLogger(__name__)

RUN = 4_096
"""`add_many` validates and buffers records in runs of this many (bounds its lists, not the buffers)."""


class RecordValidator(Protocol):
    max_record_bytes: int
    """A larger record is invalid (`__call__` says why); `event_ms` is never given one."""

    def __call__(self, value: bytes, /) -> tuple[int, bytes]:
        """(event time in ms, bytes to land) of a valid record; raises InvalidEvent otherwise."""
        ...

    def event_ms(self, value: bytes, /) -> int:
        """The fast path for runs: the event time of a record that is valid and lands exactly as
        received; raises any exception for any other record (which `__call__` then decides)."""
        ...


# A quarantine reason's text names positions and values; metrics need a bounded label: its kind.
_KINDS = (
    ("record has no value", "tombstone"),
    ("record is ", "too_large"),
    ("not UTF-8", "not_utf8"),
    ("starts with a UTF-8 byte order mark", "byte_order_mark"),
    ("malformed JSON", "malformed_json"),
    ("nested deeper", "too_deep"),
    ("cannot be decoded", "undecodable"),
    ("Object missing required field", "missing_field"),
)


def reason_kind(reason: str, field: str | None = None) -> str:
    """A quarantine reason's kind (a label with a handful of values): `malformed_json`,
    `missing_field`, `invalid_field`, `not_utf8`, ... or `invalid` when nothing more is known."""
    for prefix, kind in _KINDS:
        if reason.startswith(prefix):
            return kind
    return "invalid_field" if field else "invalid"


def reason_counts(bad: list[dict]) -> dict[str, int]:
    """{kind: records} of a flush's quarantine records (only invalid records pay for this)."""
    counts: dict[str, int] = {}
    for row in bad:
        kind = reason_kind(row.get("reason") or "", row.get("field"))
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def validate_run(validator: RecordValidator, values: list) -> tuple[list[int], list[int]] | None:
    """(sizes, event-time ms) of a run whose records are all valid and land as received; None otherwise.

    Only event times are kept, one record at a time: holding a run's decoded records would keep
    thousands of objects alive across the collector's generations and out of the CPU caches. Any
    failure (a tombstone, an oversize, invalid or re-encoded record) sends the run through
    `BronzeWriter.add`, which decides record by record.
    """
    try:
        sizes = list(map(len, values))  # TypeError: a tombstone (None)
        if max(sizes) > validator.max_record_bytes:
            return None
        event_ms = validator.event_ms
        millis = [event_ms(value) for value in values]
    except Exception:
        return None
    return sizes, millis


def _done(result) -> Future:
    future: Future = Future()
    future.set_result(result)
    return future


class ValidationPool:
    """Worker processes validating runs ahead of the writer, so the lander's own process only cuts,
    buffers and writes. Started on first use with `spawn` (the caller may run threads: librdkafka's,
    the background writes), so a script using them needs the `if __name__ == "__main__":` guard. If
    a worker dies, validation carries on in the lander's process."""

    def __init__(self, validator: RecordValidator, workers: int) -> None:
        self.validator = validator
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def check_ahead(self, values: list) -> list[Future] | None:
        """Start validating `values`, one task per run; None without workers."""
        if not self.workers:
            return None
        if self._pool is None:
            import multiprocessing

            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=context, initializer=die_with_parent, initargs=(os.getpid(),)
            )
        submit, validator = self._pool.submit, self.validator
        return [submit(validate_run, validator, values[i : i + RUN]) for i in range(0, len(values), RUN)]

    def result(self, checked: list[Future] | None, run: int, values: list, start: int, stop: int):
        """`validate_run` of values[start:stop], the `run`-th run: from the workers when they have it.

        Rather than wait for busy workers, the runs no worker has started are validated here, from
        the far end (the workers take the near one), each exactly once.
        """
        if checked is not None:
            last = len(checked) - 1
            while not checked[run].done() and last >= run:
                if checked[last].cancel():
                    checked[last] = _done(validate_run(self.validator, values[last * RUN : (last + 1) * RUN]))
                last -= 1
            try:
                return checked[run].result()
            except Exception as exc:  # a worker died (killed, out of memory): validate here instead
                if self.workers:
                    logger.warning("validation worker failed (%s); validating in the lander's process", exc)
                self.workers = 0
        return validate_run(self.validator, values[start:stop])

    def close(self) -> None:
        """Stop the workers; the pool starts again on its next use."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = None


def die_with_parent(parent: int) -> None:
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
