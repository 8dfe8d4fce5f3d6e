"""Landing from Kafka: a consumer group feeding `BronzeWriter`, committing only what is durable.

The guarantees, and how they are kept (the bronze rules themselves live in `spotify_mds.landing`;
the loop in `kafka_lander`):

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
  pre-fetches at most `queued.max.messages.kbytes` (32 MiB: big enough that the fetcher never
  waits on the lander, BENCHMARKS.md); two `consume()` batches are in flight (one
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
from collections.abc import Callable

from spotify_mds.errors import KafkaUnavailable, LandingIncomplete
from spotify_mds.extras import require
from spotify_mds.kafka_client import LIBRDKAFKA_LOG, check_reachable
from spotify_mds.landing.kafka_lander import Lander, LanderStatus, shutdown
from spotify_mds.landing.writer import BronzeWriter

__all__ = ["LanderStatus", "LandingIncomplete", "consumer_config", "land_kafka"]

logger = logging.getLogger(__name__)


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
        # much (default 1,000 ms). A lander drains the queue far faster than that, so the back-off
        # must be short or the lander sits idle waiting for data the broker already has.
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
    on_commit: Callable[[float], None] | None = None,
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
    lander = Lander(
        consumer, topic, writer, idle_flush_s=idle_flush_s, retry_max_s=retry_max_s, on_commit=on_commit
    )
    consumer.subscribe(
        [topic], on_assign=lander.on_assign, on_revoke=lander.on_revoke, on_lost=lander.on_lost
    )
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
        shutdown(lander, shutdown_timeout_s)
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
                raise KafkaUnavailable(
                    f"cannot read the group's committed offsets from {bootstrap}: {exc}"
                ) from None
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
    parts = ", ".join(
        f"partition {p}: {end - done:,} (committed {done:,} of {end:,})" for p, (done, end) in left.items()
    )
    return (
        f"group {consumer_conf.get('group.id')} has not landed {total:,} records of {topic}: {parts}; "
        "other members hold those partitions (landers still running, or killed ones until their session "
        "times out): run `land` again"
    )
