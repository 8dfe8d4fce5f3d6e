"""Landing from Kafka: a consumer group feeding `BronzeWriter`, committing only what is durable.

The guarantees, and how they are kept (the bronze rules themselves live in `land.py`):

- **Commit after write.** `enable.auto.commit` and `enable.auto.offset.store` are off; the only
  offsets ever committed are those `BronzeWriter` returns once a flush's files are durably in the
  lake. A crash anywhere replays from the last commit, and deterministic rotation (record count,
  bytes, event-time span) cuts the very same files: the replay rewrites identical keys.
- **Idle flush.** A partition that received nothing for `idle_flush_s` (wall clock) is flushed and
  committed, so a quiet topic's last records land. This is the one non-deterministic cut.
- **Rebalances** (cooperative-sticky: only moved partitions are revoked). On revoke the revoked
  partitions' buffers are *dropped*, not flushed; offsets whose files are already written are
  committed first. Dropping keeps the revoke callback fast (no object-store I/O inside the group's
  rebalance, which would stall every member and, during a storage outage, could not finish), and the
  new owner replays from the last commit with the same deterministic cuts, so nothing is lost and
  nothing is doubled. The cost is re-reading at most one buffer per moved partition.
  On lost (session expired): drop without any commit.
- **Storage outage.** A flush that fails keeps its buffer; the lander pauses every assigned
  partition, keeps calling `consume()` (heartbeats, `max.poll.interval.ms` and rebalances keep
  working, nothing new is fetched), retries the failed flush with exponential back-off (capped at
  `retry_max_s`), and resumes by itself. Records fetched before the pause wait in order. Nothing is
  committed until the write succeeded.
- **Broker outage.** librdkafka reconnects by itself; a commit that fails is retried (later commits
  supersede it), and the data it covers is already durable.
- **Bounded memory.** The writer holds at most `max_bytes` of values per partition (a deterministic
  rotation rule) plus at most `max_inflight` flushes being written in the background; librdkafka
  pre-fetches at most `queued.max.messages.kbytes` (32 MiB: with 16 MiB the fetcher stalled, and
  consuming alone ran at 80k instead of 155k records/s); two `consume()` batches are in flight (one
  being validated by the writer's worker processes while the one before it is written).
- **A batch landing ends complete or says what is left.** With `stop_when_idle_s` the lander stops
  once *its* partitions are quiet; other partitions may be held by other members, live or stale (a
  killed lander's static membership lasts until its session times out). So after leaving, it reads
  the group's committed offsets and every partition's end offset, waits while other members still
  commit, and raises `LandingIncomplete`, naming each partition with records left, when the group
  has not committed the whole topic: "lag 0" means the topic, not the lander's share of it. (A
  transactional producer's last commit marker takes an offset no consumer is given; this lander
  never commits past it, so such a topic would read as one record short per transaction end.)
- **Background writes** (a writer with `max_inflight` > 0, the CLI's default): files are written by
  threads while the consumer keeps reading; a partition's offset is committed only once all of its
  earlier flushes are durable, and a revoked partition's writes are waited for before it moves.

Library code: it takes a librdkafka config dict, a writer and plain numbers; the CLI builds them from
settings, shows `LanderStatus` while it runs and sets `stop` on SIGTERM/Ctrl-C.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from spotify_mds.errors import ComponentUnavailable, KafkaUnavailable, LakeError, SpotifyMdsError
from spotify_mds.kafka_client import LIBRDKAFKA_LOG, check_reachable
from spotify_mds.extras import require
from spotify_mds.land import BronzeWriter, LandStats

logger = logging.getLogger(__name__)


class LandingIncomplete(SpotifyMdsError):
    """A batch landing ended while the group had not committed every record of the topic.

    `left` maps each such partition to (committed offset, end offset); `status` is the lander's own.
    """

    def __init__(self, message: str, *, left: dict[int, tuple[int, int]], status: LanderStatus) -> None:
        super().__init__(message)
        self.left = left
        self.status = status


@dataclass
class LanderStatus:
    """A snapshot of the running lander (shown live by the CLI, returned at the end)."""

    writer: LandStats
    elapsed_s: float = 0.0
    assigned: list[int] = field(default_factory=list)
    lag: int | None = None
    """Records in the assigned partitions not yet consumed (from the cached high watermarks)."""
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


def consumer_config(
    bootstrap_servers: str,
    group_id: str,
    *,
    instance_id: str = "",
    session_timeout_ms: int = 45_000,
    prefetch_kbytes: int = 32_768,
    extra: dict | None = None,
) -> dict:
    """librdkafka settings for the lander; `extra` overrides any of them.

    `instance_id` turns on static membership: a lander restarted under the same id takes its
    partitions back at once instead of waiting for the dead member's session to expire.
    """
    config = {
        "bootstrap.servers": bootstrap_servers,
        "group.id": group_id,
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "earliest",
        "partition.assignment.strategy": "cooperative-sticky",
        "session.timeout.ms": session_timeout_ms,
        "queued.max.messages.kbytes": prefetch_kbytes,
        # Once the prefetch queue is full, librdkafka postpones a partition's next fetch by this
        # much (default 1,000 ms): a lander that drains 32 MiB faster than that sat idle. Consuming
        # 1M events alone took 7.7 s with the default and 1.7-2.2 s with 20-100 ms, on 2 cores.
        "fetch.queue.backoff.ms": 50,
        # Bigger fetches, fewer round trips: a partition's fetch brings up to 4 MiB (~10k events).
        "max.partition.fetch.bytes": 4 * 1024 * 1024,
        "fetch.wait.max.ms": 100,
        "isolation.level": "read_committed",
        "logger": LIBRDKAFKA_LOG,  # librdkafka's own lines at DEBUG, not a flood on stderr
    }
    if instance_id:
        config["group.instance.id"] = instance_id
    config.update(extra or {})
    return config


class _Lander:
    """The consume → write → commit loop and its rebalance callbacks (one consumer, one thread)."""

    def __init__(self, consumer, topic: str, writer: BronzeWriter, *, idle_flush_s: float, retry_max_s: float):
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
            except LakeError as exc:
                rest = run[exc.added :] + [m for _, later, _, _ in [*runs[n + 1 :], *self.ahead] for m in later]
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

        try:
            self.consumer.commit(
                offsets=[TopicPartition(self.topic, p, o) for p, o in sorted(offsets.items())], asynchronous=False
            )
        except KafkaException as exc:
            self.status.commit_failures += 1
            (logger.info if quiet else logger.warning)("commit of %s failed (will retry): %s", offsets, exc)
            return False
        self.status.commits += 1
        logger.debug("committed %s", offsets)
        return True

    def snapshot(self, now: float, started: float) -> LanderStatus:
        TopicPartition = require("confluent_kafka").TopicPartition

        status = self.status
        status.elapsed_s = now - started
        status.assigned = sorted(self.assigned)
        status.buffered = self.writer.pending() + len(self.waiting) + sum(len(run) for _, run, _, _ in self.ahead)
        status.buffered_bytes = self.writer.buffered_bytes()
        status.outage_s = now - self.outage_since if self.outage_since is not None else 0.0
        lag = 0
        for p in status.assigned:
            try:
                _low, high = self.consumer.get_watermark_offsets(TopicPartition(self.topic, p), cached=True)
            except Exception:  # noqa: BLE001 - cached watermarks are best effort
                return status
            position = self.next_expected.get(p)
            if high < 0 or position is None:
                status.lag = None
                return status
            lag += max(0, high - position)
        status.lag = lag
        return status


def land_kafka(
    consumer_conf: dict,
    topic: str,
    writer: BronzeWriter,
    *,
    idle_flush_s: float = 10.0,
    stop_when_idle_s: float | None = None,
    retry_max_s: float = 30.0,
    shutdown_timeout_s: float = 60.0,
    batch_size: int = 10_000,
    stop: threading.Event | None = None,
    on_status: Callable[[LanderStatus], None] | None = None,
    status_every_s: float = 1.0,
    consumer_factory: Callable[[dict], object] | None = None,
    connect_timeout_s: float = 10.0,
    settle_s: float | None = None,
) -> LanderStatus:
    """Consume `topic` in `consumer_conf`'s group and land it through `writer` until `stop` is set
    (or, with `stop_when_idle_s`, until no record arrived for that long since partitions were first
    assigned); then flush, commit, leave.

    Raises KafkaUnavailable when no broker answered within `connect_timeout_s` at the start (later
    outages are waited out), and LakeError when the final flush still fails after
    `shutdown_timeout_s` (nothing of it is committed: the next run replays it). After stopping for
    idleness, raises LandingIncomplete when the group's committed offsets have not reached every
    partition's end and did not move for `settle_s` (default: `max(stop_when_idle_s, idle_flush_s)`
    + 5 s, the time other live landers need for their last commit). `consumer_factory` builds the
    consumer from the config (default: confluent_kafka.Consumer; unit tests pass an in-memory twin).
    """
    if consumer_factory is None:
        consumer_factory = require("confluent_kafka").Consumer

    stop = stop or threading.Event()
    consumer = consumer_factory(consumer_conf)
    try:
        check_reachable(consumer, consumer_conf.get("bootstrap.servers", "?"), connect_timeout_s)
    except BaseException:
        consumer.close()
        raise
    lander = _Lander(consumer, topic, writer, idle_flush_s=idle_flush_s, retry_max_s=retry_max_s)
    consumer.subscribe([topic], on_assign=lander.on_assign, on_revoke=lander.on_revoke, on_lost=lander.on_lost)
    started = last_message_at = next_status = time.monotonic()
    stopped_idle = False
    try:
        while not stop.is_set():
            outage = lander.outage_since is not None
            messages = consumer.consume(batch_size, 0.2 if outage else 0.5)
            now = time.monotonic()
            if messages or not lander.ever_assigned:
                last_message_at = now  # the idle clock starts once partitions are assigned
            if outage:
                lander.waiting.extend(messages)
                lander.retry(now)
            else:
                lander.feed(messages, now)
                if lander.outage_since is None:
                    lander.idle_flush(now)
                lander.collect(now)
            lander.commit(now)
            if on_status is not None and now >= next_status:
                on_status(lander.snapshot(now, started))
                next_status = now + status_every_s
            if (
                stop_when_idle_s is not None
                and now - last_message_at >= stop_when_idle_s
                and lander.outage_since is None
                and not lander.waiting
                and not lander.ahead
            ):
                logger.info("no record for %.1fs: stopping", now - last_message_at)
                stopped_idle = True
                break
        _shutdown(lander, shutdown_timeout_s)
        lander.status.clean_exit = True
    finally:
        consumer.close()  # leaves the group (a static member keeps its partitions until its session ends)
    status = lander.snapshot(time.monotonic(), started)
    if stopped_idle:
        if settle_s is None:
            settle_s = max(stop_when_idle_s or 0.0, idle_flush_s) + 5.0
        checker = consumer_factory({k: v for k, v in consumer_conf.items() if k != "group.instance.id"})
        try:
            bootstrap = consumer_conf.get("bootstrap.servers", "?")
            left = _left_in_group(checker, topic, bootstrap, settle_s=settle_s, timeout_s=connect_timeout_s)
        finally:
            checker.close()
        status.lag = sum(end - done for done, end in left.values())
        if left:
            raise LandingIncomplete(_describe_left(consumer_conf, topic, left), left=left, status=status)
    return status


def _left_in_group(
    consumer, topic: str, bootstrap: str, *, settle_s: float, timeout_s: float
) -> dict[int, tuple[int, int]]:
    """{partition: (committed, end)} of the partitions whose end the group has not committed, once
    that has stayed the same for `settle_s` (other members may still be committing); {} once none.
    A consumer that never subscribes reads the group's offsets without joining it."""
    KafkaException = require("confluent_kafka").KafkaException

    last: dict[int, tuple[int, int]] | None = None
    unchanged_since = failing_since = time.monotonic()
    while True:
        try:
            left = _left_now(consumer, topic, bootstrap, timeout_s)
        except KafkaException as exc:  # the coordinator loading or moving: transient, within a bound
            if time.monotonic() - failing_since > settle_s + timeout_s:
                raise KafkaUnavailable(f"cannot read the group's committed offsets from {bootstrap}: {exc}") from None
            time.sleep(0.5)
            continue
        now = failing_since = time.monotonic()
        if not left:
            return left
        if left != last:
            last, unchanged_since = left, now
        elif now - unchanged_since >= settle_s:
            return left
        time.sleep(min(1.0, settle_s))


def _left_now(consumer, topic: str, bootstrap: str, timeout_s: float) -> dict[int, tuple[int, int]]:
    TopicPartition = require("confluent_kafka").TopicPartition

    metadata = check_reachable(consumer, bootstrap, timeout_s)
    partitions = sorted(metadata.topics[topic].partitions) if topic in metadata.topics else []
    tps = [TopicPartition(topic, p) for p in partitions]
    committed = {tp.partition: tp.offset for tp in consumer.committed(tps, timeout=timeout_s)} if tps else {}
    left = {}
    for tp in tps:
        low, end = consumer.get_watermark_offsets(tp, timeout=timeout_s, cached=False)
        # Nothing committed, or only offsets retention has deleted since: from the oldest record kept.
        done = max(committed.get(tp.partition, -1), low)
        if end > done:
            left[tp.partition] = (done, end)
    return left


def _describe_left(consumer_conf: dict, topic: str, left: dict[int, tuple[int, int]]) -> str:
    total = sum(end - done for done, end in left.values())
    parts = ", ".join(f"partition {p}: {end - done:,} (committed {done:,} of {end:,})" for p, (done, end) in left.items())
    return (
        f"group {consumer_conf.get('group.id')} has not landed {total:,} records of {topic}: {parts}; "
        "other members hold those partitions (landers still running, or killed ones until their session "
        "times out): run `land` again"
    )


def _shutdown(lander: _Lander, timeout_s: float) -> None:
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
