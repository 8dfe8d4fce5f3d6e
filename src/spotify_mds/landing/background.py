"""Background writes: flushes written by threads while the caller keeps adding records.

A partition's offset becomes committable only once all of its earlier flushes are durable: flights
finish in any order, and are reported per partition in offset order. At most `max_inflight` flushes
are held in memory at once (back-pressure: `submit` waits for one to finish).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from dataclasses import dataclass

from spotify_mds.errors import LakeConflict, LakeError
from spotify_mds.landing.files import File

_DONE: Future = Future()
_DONE.set_result(None)


@dataclass
class Flight:
    """A flush being written in the background: its files and what it makes committable."""

    files: list[File]
    next_offset: int
    landed: int
    quarantined: int
    reasons: dict[str, int] | None = None
    """Quarantined records by kind of reason (counted once the flight is durable)."""
    future: Future | None = None
    failed: bool = False
    error: BaseException | None = None


class BackgroundWrites:
    """Flights per partition, in offset order, written by up to `max_inflight` threads."""

    def __init__(self, write: Callable[[list[File]], None], max_inflight: int) -> None:
        self.write = write
        self.max_inflight = max_inflight
        self._pool: ThreadPoolExecutor | None = None
        self._inflight: dict[int, deque[Flight]] = {}
        self._ready: dict[int, int] = {}

    def submit(self, partition: int, flight: Flight, on_durable: Callable[[int, Flight], None]) -> int:
        """Start writing `flight`; return once at most `max_inflight` flushes are held, with how many
        flights failed meanwhile (see `collect`)."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.max_inflight, thread_name_prefix="bronze-write")
        flight.future = self._pool.submit(self.write, flight.files)
        self._inflight.setdefault(partition, deque()).append(flight)
        failures = 0
        while sum(len(q) for q in self._inflight.values()) > self.max_inflight:
            running = [f.future for q in self._inflight.values() for f in q if not f.future.done()]
            if not running:
                break  # the rest waits behind a failed flush: the caller pauses and retries
            futures_wait(running, return_when=FIRST_COMPLETED)
            failures += self.collect(on_durable)
        return failures

    def collect(self, on_durable: Callable[[int, Flight], None]) -> int:
        """Move finished flights, in offset order per partition, to the ready offsets; call
        `on_durable` for each. Returns how many flights failed now (they wait for `retry`).

        Raises LakeConflict at once: it is not an outage, retrying would meet the same bytes again.
        """
        failures = 0
        for partition, queue in list(self._inflight.items()):
            while queue and queue[0].future.done() and not queue[0].failed:
                flight = queue[0]
                error = flight.future.exception()
                if isinstance(error, LakeConflict):
                    raise error
                if error is not None:
                    flight.failed, flight.error = True, error
                    failures += 1
                    break
                queue.popleft()
                self._ready[partition] = flight.next_offset
                on_durable(partition, flight)
            if not queue:
                del self._inflight[partition]
        return failures

    def failed(self) -> list[int]:
        """Partitions whose oldest flight failed."""
        return [p for p, q in self._inflight.items() if q and q[0].failed]

    def raise_failed(self) -> None:
        if failed := self.failed():
            raise LakeError(f"writing partitions {failed} failed: {self._inflight[failed[0]][0].error}")

    def ready(self) -> dict[int, int]:
        """{partition: next offset to commit} that became durable since the last call."""
        ready, self._ready = self._ready, {}
        return ready

    def wait(self, partitions: Iterable[int] | None = None) -> None:
        """Wait until the flights of `partitions` (default: all) have finished, well or not."""
        chosen = (
            list(self._inflight) if partitions is None else [p for p in partitions if p in self._inflight]
        )
        futures = [f.future for p in chosen for f in self._inflight.get(p, ())]
        if futures:
            futures_wait(futures)

    def rewrite_failed(self) -> None:
        """Write again, in this thread and in offset order, every flight that failed."""
        for queue in self._inflight.values():
            for flight in queue:
                if flight.failed or flight.future.exception() is not None:
                    self.write(flight.files)  # raises LakeError while the lake is still down
                    flight.failed, flight.error = False, None
                    flight.future = _DONE

    def drop(self, partitions: Iterable[int]) -> None:
        for partition in partitions:
            self._inflight.pop(partition, None)
            self._ready.pop(partition, None)

    def pending(self) -> int:
        return sum(f.landed + f.quarantined for q in self._inflight.values() for f in q)

    def held_bytes(self) -> int:
        return sum(len(data) for q in self._inflight.values() for f in q for _, data, _ in f.files)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = None
