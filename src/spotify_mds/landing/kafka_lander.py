"""The Kafka lander's loop: consume → write → commit, its rebalance callbacks and its shutdown.

`kafka_source.land_kafka` drives it; the guarantees it keeps are stated there.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from spotify_mds.errors import ComponentUnavailable, FlushFailed, LakeError
from spotify_mds.extras import require
from spotify_mds.landing.files import LandStats
from spotify_mds.landing.writer import BronzeWriter

logger = logging.getLogger(__name__)


@dataclass
class LanderStatus:
    """A snapshot of the running lander (shown live by the CLI, returned at the end)."""

    writer: LandStats
    elapsed_s: float = 0.0
    assigned: list[int] = field(default_factory=list)
    lag: int | None = None
    """Records in the assigned partitions not yet consumed (from the cached high watermarks)."""
    lag_by_partition: dict[int, int] = field(default_factory=dict)
    """The same, per partition (those whose watermark is known)."""
    buffered: int = 0
    buffered_bytes: int = 0
    commits: int = 0
    commit_failures: int = 0
    rebalances: int = 0
    outages: int = 0
    outage_s: float = 0.0
    """How long the current storage outage has lasted (0 when none)."""
    idle_flushes: int = 0
    skipped_redeliveries: int = 0
    clean_exit: bool = False

    @property
    def rate(self) -> float:
        return self.writer.records / self.elapsed_s if self.elapsed_s else 0.0


class Lander:
    """The consume → write → commit loop and its rebalance callbacks (one consumer, one thread)."""

    def __init__(
        self, consumer, topic: str, writer: BronzeWriter, *, idle_flush_s: float, retry_max_s: float,
        on_commit: Callable[[float], None] | None = None,
    ):  # fmt: skip
        self.consumer = consumer
        self.topic = topic
        self.writer = writer
        self.idle_flush_s = idle_flush_s
        self.retry_max_s = retry_max_s
        self.status = LanderStatus(writer=writer.stats)
        self.assigned: set[int] = set()
        self.next_expected: dict[int, int] = {}
        self.last_record_at: dict[int, float] = {}
        self.to_commit: dict[int, int] = {}
        self.waiting: deque = deque()  # fetched but not yet handed to the writer (during an outage)
        self.ahead: list[tuple[int, list, list[bytes], list | None]] = []
        """The last batch's runs (partition, messages, their values, validation), handed to the writer
        on the next feed: its records are validated in the writer's worker processes meanwhile."""
        self.outage_since: float | None = None
        self.next_retry = 0.0
        self.backoff = 0.0
        self.next_commit_try = 0.0
        self.ever_assigned = False
        self.on_commit = on_commit
        """Called with each successful commit's seconds (the metrics' commit latency)."""

    # -- rebalance callbacks (called from inside consume()) ------------------------------------------
    def on_assign(self, consumer, partitions) -> None:
        self.status.rebalances += 1
        self.assigned.update(tp.partition for tp in partitions)
        self.ever_assigned = True
        logger.info("assigned %s", sorted(tp.partition for tp in partitions))
        if self.outage_since is not None and partitions:
            consumer.incremental_assign(partitions)
            consumer.pause(partitions)

    def on_revoke(self, consumer, partitions) -> None:
        self.status.rebalances += 1
        revoked = {tp.partition for tp in partitions}
        logger.info("revoked %s: dropping their buffers, the new owner replays them", sorted(revoked))
        self.writer.wait(revoked)  # background writes of these partitions finish before they move
        self.to_commit.update(self.writer.completed())
        durable = {p: o for p, o in self.to_commit.items() if p in revoked}
        if durable:  # their files are written: commit before the partitions move
            self._commit(durable, quiet=True)
        self._forget(revoked)

    def on_lost(self, consumer, partitions) -> None:
        self.status.rebalances += 1
        lost = {tp.partition for tp in partitions}
        logger.warning("lost %s (session expired): dropping their buffers without commit", sorted(lost))
        self._forget(lost)

    def _forget(self, partitions: set[int]) -> None:
        self.writer.drop(partitions)
        self.assigned -= partitions
        for p in partitions:
            self.next_expected.pop(p, None)
            self.last_record_at.pop(p, None)
            self.to_commit.pop(p, None)
        if self.waiting:
            self.waiting = deque(m for m in self.waiting if m.partition() not in partitions)
        self.ahead = [ahead for ahead in self.ahead if ahead[0] not in partitions]

    # -- the loop -----------------------------------------------------------------------------------
    def feed(self, messages, now: float) -> None:
        """Start validating `messages` and hand the previous batch to the writer, in order; on a
        failed write keep the rest waiting (handed over again once the lake is back)."""
        check = self.writer.check_ahead
        previous, self.ahead = self.ahead, []
        for partition, run in self._runs(messages, now):
            values = [m.value() for m in run]
            self.ahead.append((partition, run, values, check(values)))
        self._write(previous, now)

    def drain(self, now: float) -> None:
        """Hand the batch held ahead to the writer now (before a flush on shutdown)."""
        previous, self.ahead = self.ahead, []
        self._write(previous, now)

    def _write(self, runs: list[tuple[int, list, list[bytes], list | None]], now: float) -> None:
        for n, (partition, run, values, checked) in enumerate(runs):
            try:
                committed = self.writer.add_many(
                    partition, [m.offset() for m in run], values, [m.key() for m in run], checked
                )
            except FlushFailed as exc:
                rest = run[exc.added :] + [
                    m for _, later, _, _ in [*runs[n + 1 :], *self.ahead] for m in later
                ]
                self.ahead = []
                for message in reversed(rest):  # not buffered: they must not count as redeliveries
                    self.next_expected[message.partition()] = message.offset()
                self.waiting.extend(rest)
                self._outage_begins(exc, now)
                return
            if committed is not None:
                self.to_commit[partition] = committed

    def _runs(self, messages, now: float) -> list[tuple[int, list]]:
        """The messages to write, as runs of consecutive messages of one partition; client errors,
        revoked partitions and redeliveries of what is already buffered are left out."""
        runs: list[tuple[int, list]] = []
        next_expected, assigned = self.next_expected, self.assigned
        current: list | None = None
        current_partition = None
        for message in messages:
            if message.error() is not None:
                self._client_error(message.error())
                continue
            partition = message.partition()
            if partition not in assigned:
                continue  # fetched before a revoke: its new owner has it
            offset = message.offset()
            expected = next_expected.get(partition)
            if expected is not None and offset < expected:
                self.status.skipped_redeliveries += 1  # already buffered or written
                continue
            next_expected[partition] = offset + 1
            self.last_record_at[partition] = now
            if partition != current_partition or current is None:
                current, current_partition = [], partition
                runs.append((partition, current))
            current.append(message)
        return runs

    def _client_error(self, error) -> None:
        KafkaError = require("confluent_kafka").KafkaError

        if error.code() == KafkaError._PARTITION_EOF:
            return
        if error.fatal():
            raise ComponentUnavailable(f"Kafka consumer failed: {error}")
        logger.warning("Kafka: %s", error)

    def _outage_begins(self, exc: LakeError, now: float) -> None:
        if self.outage_since is None:
            self.outage_since = now
            self.status.outages += 1
            self.backoff = min(0.5, self.retry_max_s)
            logger.warning("lake write failed, pausing consumption and retrying: %s", exc)
        else:
            self.backoff = min(self.backoff * 2, self.retry_max_s)
        self.next_retry = now + self.backoff
        self._pause()

    def _pause(self) -> None:
        assignment = self.consumer.assignment()
        if assignment:
            self.consumer.pause(assignment)

    def retry(self, now: float) -> None:
        """During an outage: re-pause (new assignments), and retry the failed flush when it's time."""
        self._pause()
        if now < self.next_retry:
            return
        try:
            self.to_commit.update(self.writer.retry())
        except LakeError as exc:
            self._outage_begins(exc, now)
            return
        logger.warning("lake writable again after %.1fs; resuming", now - self.outage_since)
        self.outage_since = None
        self.status.outage_s = 0.0
        for p in self.last_record_at:  # the pause is not idleness: no idle flush right after it
            self.last_record_at[p] = now
        assignment = self.consumer.assignment()
        if assignment:
            self.consumer.resume(assignment)
        waiting, self.waiting = list(self.waiting), deque()
        self.feed(waiting, now)

    def idle_flush(self, now: float) -> None:
        quiet = [
            p
            for p in self.writer.partitions()
            if now - self.last_record_at.get(p, now) >= self.idle_flush_s and p in self.assigned
        ]
        if not quiet:
            return
        try:
            done = self.writer.flush(quiet)
        except LakeError as exc:
            self._outage_begins(exc, now)
            return
        self.status.idle_flushes += len(done)
        self.to_commit.update(done)

    def collect(self, now: float) -> None:
        """Offsets of background writes that became durable; a failed one starts an outage."""
        self.to_commit.update(self.writer.completed())
        if self.outage_since is None and self.writer.due():
            self._outage_begins(LakeError("a background write to the lake failed"), now)

    def commit(self, now: float) -> None:
        if not self.to_commit or now < self.next_commit_try:
            return
        if self._commit(dict(self.to_commit)):
            self.to_commit.clear()
            self.next_commit_try = 0.0
        else:
            self.next_commit_try = now + 1.0

    def _commit(self, offsets: dict[int, int], quiet: bool = False) -> bool:
        KafkaException = require("confluent_kafka").KafkaException
        TopicPartition = require("confluent_kafka").TopicPartition

        started = time.perf_counter()
        try:
            self.consumer.commit(
                offsets=[TopicPartition(self.topic, p, o) for p, o in sorted(offsets.items())],
                asynchronous=False,
            )
        except KafkaException as exc:
            self.status.commit_failures += 1
            (logger.info if quiet else logger.warning)("commit of %s failed (will retry): %s", offsets, exc)
            return False
        self.status.commits += 1
        if self.on_commit is not None:
            self.on_commit(time.perf_counter() - started)
        logger.debug("committed %s", offsets)
        return True

    def snapshot(self, now: float, started: float) -> LanderStatus:
        TopicPartition = require("confluent_kafka").TopicPartition

        status = self.status
        status.elapsed_s = now - started
        status.assigned = sorted(self.assigned)
        status.buffered = (
            self.writer.pending() + len(self.waiting) + sum(len(run) for _, run, _, _ in self.ahead)
        )
        status.buffered_bytes = self.writer.buffered_bytes()
        status.outage_s = now - self.outage_since if self.outage_since is not None else 0.0
        lag, by_partition = 0, {}
        for p in status.assigned:
            try:
                _low, high = self.consumer.get_watermark_offsets(TopicPartition(self.topic, p), cached=True)
            except Exception:  # noqa: BLE001 - cached watermarks are best effort
                status.lag_by_partition = by_partition
                return status
            position = self.next_expected.get(p)
            if high < 0 or position is None:
                lag = None
                continue
            by_partition[p] = max(0, high - position)
            if lag is not None:
                lag += by_partition[p]
        status.lag, status.lag_by_partition = lag, by_partition
        return status


def shutdown(lander: Lander, timeout_s: float) -> None:
    """Flush everything buffered (retrying through an outage, up to `timeout_s`) and commit it."""
    deadline = time.monotonic() + timeout_s
    delay = 0.5
    while True:
        now = time.monotonic()
        try:
            if lander.outage_since is not None:
                lander.to_commit.update(lander.writer.retry())
                lander.outage_since = None
                waiting, lander.waiting = list(lander.waiting), deque()
                lander.feed(waiting, now)
            lander.drain(now)
            if lander.outage_since is not None:
                raise LakeError("lake still unavailable")
            lander.to_commit.update(lander.writer.flush())
            break
        except LakeError:
            if lander.outage_since is None:
                lander.outage_since = now
            if now + delay > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 5.0)
    while lander.to_commit and not lander._commit(dict(lander.to_commit)):
        if time.monotonic() > deadline:
            logger.error("could not commit %s before shutdown; the next run replays them", lander.to_commit)
            return
        time.sleep(0.5)
    lander.to_commit.clear()
