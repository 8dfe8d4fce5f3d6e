"""Pacing a stream in real time: records are released once the clock reaches their due time.

The one pacing loop of the project: `simulate --rate` and `produce --rate` pace at a steady rate
(`at_rate`), continuous mode (`follow`) at each record's event time. Records keep their order, and
a wait never lasts more than half a second, so a `stop` is seen at once.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence

Due = Callable[[object], Sequence[float]]
"""A batch → the clock time at which each of its records is due (same length, in order)."""


def paced(
    batches: Iterable,
    due: Due,
    *,
    stop: threading.Event | None = None,
    clock: Callable[[], float] | None = None,
) -> Iterator:
    """Yield each batch in slices released once `clock()` reaches their records' due times.

    A batch is a dataclass with `first_offset`, `keys` and `values` (the simulator's `Batch`); a
    slice keeps the positions of its records. While waiting, an empty slice is yielded at least
    every half second (a heartbeat: a lander can flush when idle). Returns when `stop` is set;
    without one it waits with `time.sleep` (Ctrl-C interrupts it). `clock`: `time.monotonic`.
    """
    now_of = clock or _monotonic

    def wait(seconds: float) -> bool:
        if stop is None:
            time.sleep(seconds)
            return False
        return stop.wait(seconds)

    for batch in batches:
        times = due(batch)
        n, i = len(batch.values), 0
        while i < n:
            now = now_of()
            j = i
            while j < n and times[j] <= now:
                j += 1
            if j > i:
                yield _slice(batch, i, j)
                i = j
            elif wait(min(0.5, max(times[i] - now, 0.01))):
                return
            else:
                yield _slice(batch, i, i)
        if stop is not None and stop.is_set():
            return


def at_rate(rate: float, clock: Callable[[], float] | None = None) -> Due:
    """Due times of a steady `rate` (records per second): the first record at once, the n-th
    `n / rate` seconds after it (counted across batches)."""
    if rate <= 0:
        raise ValueError("rate must be positive")
    now_of = clock or _monotonic
    state = {"start": None, "count": 0}

    def due(batch) -> list[float]:
        if state["start"] is None:
            state["start"] = now_of()
        start, count = state["start"], state["count"]
        n = len(batch.values)
        state["count"] = count + n
        return [start + (count + k) / rate for k in range(n)]

    return due


def _monotonic() -> float:
    return time.monotonic()  # looked up at each call, so a test's fake clock applies


def _slice(batch, start: int, stop: int):
    return dataclasses.replace(
        batch,
        first_offset=batch.first_offset + start,
        keys=batch.keys[start:stop],
        values=batch.values[start:stop],
    )
