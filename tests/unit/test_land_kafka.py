"""The Kafka lander's loop against an in-memory consumer twin: commit after write, outages, rebalances.

The twin speaks the slice of confluent_kafka.Consumer the lander uses (subscribe with rebalance
callbacks, consume, commit, pause/resume, assignment, cached watermarks); the real broker is in
tests/integration/test_kafka_*.py.
"""

from __future__ import annotations

import contextlib

import json
import threading

import pytest

import factories

pytest.importorskip("confluent_kafka")

from confluent_kafka import KafkaError, KafkaException, TopicPartition  # noqa: E402

from spotify_mds.errors import LakeError  # noqa: E402
from spotify_mds.lake import MemoryLake  # noqa: E402
from spotify_mds.landing.kafka_source import consumer_config, land_kafka  # noqa: E402
from spotify_mds.pipelines.streams.landing import bronze_writer  # noqa: E402

TOPIC = "spotify.streams"


def event(i: int) -> bytes:
    return factories.event(i, factories.at(10, i // 60 % 60, i % 60), version=1, session_id="s1", song_id="t1")


class Message:
    def __init__(self, partition: int, offset: int, value: bytes | None, error=None) -> None:
        self._p, self._o, self._v, self._e = partition, offset, value, error

    def partition(self):
        return self._p

    def offset(self):
        return self._o

    def value(self):
        return self._v

    def key(self):
        return b"k"

    def error(self):
        return self._e


class FakeConsumer:
    """In-memory twin of confluent_kafka.Consumer for one topic; `script` runs hooks by consume() call."""

    def __init__(self, logs: dict[int, list[bytes]], *, batch: int = 7) -> None:
        self.logs = logs
        self.batch = batch
        self.committed: dict[int, int] = {}
        self.commit_log: list[dict[int, int]] = []
        self.positions: dict[int, int] = {}
        self.paused: set[int] = set()
        self.assigned: list[int] = []
        self.calls = 0
        self.hooks: dict[int, callable] = {}
        self.fail_commits = False
        self.extra: list[Message] = []
        self.first_assignment: list[int] | None = None
        """Partitions assigned on subscribe (default all; fewer: other members hold the rest)."""

    def __call__(self, config: dict) -> FakeConsumer | GroupView:  # the factory
        assert config["enable.auto.commit"] is False and config["enable.auto.offset.store"] is False
        if getattr(self, "closed", False):  # the lander has left: its end check reads the group
            assert "group.instance.id" not in config  # a reader must not pose as a static member
            return GroupView(self)
        return self

    def subscribe(self, topics, on_assign, on_revoke, on_lost) -> None:
        self.callbacks = {"assign": on_assign, "revoke": on_revoke, "lost": on_lost}
        self.rebalance(assign=list(self.logs) if self.first_assignment is None else self.first_assignment)

    def rebalance(self, assign=(), revoke=(), lost=()) -> None:
        if revoke:
            self.callbacks["revoke"](self, [TopicPartition(TOPIC, p) for p in revoke])
            self.assigned = [p for p in self.assigned if p not in revoke]
        if lost:
            self.callbacks["lost"](self, [TopicPartition(TOPIC, p) for p in lost])
            self.assigned = [p for p in self.assigned if p not in lost]
        if assign:
            for p in assign:  # a new owner starts from the committed offset
                self.positions[p] = max(self.committed.get(p, 0), 0)
            self.assigned += list(assign)
            self.callbacks["assign"](self, [TopicPartition(TOPIC, p) for p in assign])

    def incremental_assign(self, partitions) -> None:
        pass

    def consume(self, num_messages: int, timeout: float):
        self.calls += 1
        if self.calls in self.hooks:
            self.hooks.pop(self.calls)(self)
        out, self.extra = list(self.extra), []
        for p in self.assigned:
            if p in self.paused:
                continue
            start = self.positions[p]
            for offset in range(start, min(start + self.batch, len(self.logs[p]))):
                out.append(Message(p, offset, self.logs[p][offset]))
            self.positions[p] = min(start + self.batch, len(self.logs[p]))
        return out

    def commit(self, offsets, asynchronous=True) -> None:
        assert asynchronous is False
        if self.fail_commits:
            raise KafkaException(KafkaError(KafkaError._TRANSPORT))
        done = {tp.partition: tp.offset for tp in offsets}
        self.committed.update(done)
        self.commit_log.append(done)

    def assignment(self):
        return [TopicPartition(TOPIC, p) for p in self.assigned]

    def pause(self, partitions) -> None:
        self.paused |= {tp.partition for tp in partitions}

    def resume(self, partitions) -> None:
        self.paused -= {tp.partition for tp in partitions}

    def get_watermark_offsets(self, tp, cached=False, timeout=None):
        return 0, len(self.logs[tp.partition])

    def list_topics(self, topic=None, timeout=-1):
        from types import SimpleNamespace

        return SimpleNamespace(topics={TOPIC: SimpleNamespace(partitions={p: None for p in self.logs}, error=None)})

    def close(self) -> None:
        self.closed = True


class FlakyLake(MemoryLake):
    """A MemoryLake that refuses every write while `down`."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False
        self.refused = 0

    def put(self, key, data, **options):
        if self.down:
            self.refused += 1
            raise LakeError(f"cannot write {key}: connection refused", key=key)
        return super().put(key, data, **options)


class GroupView:
    """What a consumer that never subscribes sees of the group: committed offsets and end offsets."""

    def __init__(self, consumer: FakeConsumer) -> None:
        self.consumer = consumer

    def list_topics(self, topic=None, timeout=-1):
        return self.consumer.list_topics(topic, timeout)

    def committed(self, partitions, timeout=None):
        done = self.consumer.committed
        return [TopicPartition(TOPIC, tp.partition, done.get(tp.partition, -1001)) for tp in partitions]

    def get_watermark_offsets(self, tp, timeout=None, cached=False):
        return self.consumer.get_watermark_offsets(tp)

    def close(self) -> None:
        pass


def landed_ids(lake: MemoryLake) -> list[str]:
    return [
        json.loads(line)["event_id"]
        for info in lake.list("bronze/")
        for line in lake.get(info.key).splitlines()
    ]


def run(consumer, lake, *, max_records=10, until=None, max_inflight=0, validate_workers=0, **options):
    writer = bronze_writer(lake, TOPIC, max_records=max_records, max_inflight=max_inflight,
                          validate_workers=validate_workers)  # fmt: skip
    stop = threading.Event()

    def watch(status):
        if until is not None and until(status, consumer):
            stop.set()

    options.setdefault("stop_when_idle_s", 0.05 if until is None else None)
    options.setdefault("settle_s", 0.05)
    with contextlib.closing(writer):
        return land_kafka(
            consumer_config("fake:9092", "g"),
            TOPIC,
            writer,
            consumer_factory=consumer,
            stop=stop,
            on_status=watch,
            status_every_s=0.0,
            idle_flush_s=options.pop("idle_flush_s", 3600),
            **options,
        )


def logs(partitions: int = 2, n: int = 35) -> dict[int, list[bytes]]:
    return {p: [event(p * 1000 + i) for i in range(n)] for p in range(partitions)}


def all_ids(data) -> set[str]:
    return {json.loads(v)["event_id"] for values in data.values() for v in values}


@pytest.mark.parametrize(("max_inflight", "workers"), [(0, 0), (3, 0), (3, 1)], ids=["sync", "background", "workers"])
def test_offsets_are_committed_only_at_flush_boundaries_and_after_the_files(max_inflight, workers):
    data = logs()
    consumer, lake = FakeConsumer(data), MemoryLake()
    status = run(consumer, lake, until=lambda s, c: c.calls > 8, max_inflight=max_inflight, validate_workers=workers)
    # Rotation every 10 records: commits at 10, 20, 30, then the shutdown flush commits 35.
    seen = sorted({o for done in consumer.commit_log for o in done.values()})
    if workers:  # validation in another process: a flush may complete after the next one was cut
        assert set(seen) <= {10, 20, 30, 35} and seen[-1] == 35
    else:
        assert seen == [10, 20, 30, 35]
    assert consumer.committed == {0: 35, 1: 35}
    assert sorted(landed_ids(lake)) == sorted(all_ids(data))
    assert status.clean_exit and status.writer.landed == 70


@pytest.mark.parametrize(("max_inflight", "workers"), [(0, 0), (3, 0), (3, 1)], ids=["sync", "background", "workers"])
def test_a_storage_outage_pauses_commits_and_resumes_by_itself(max_inflight, workers):
    data = logs(n=60)
    consumer, lake = FakeConsumer(data), FlakyLake()
    commits_during: list[int] = []

    def lake_down(c):
        lake.down = True

    def lake_up(c):
        commits_during.append(len(c.commit_log))
        assert c.paused == {0, 1}, "partitions must be paused during the outage"
        lake.down = False

    consumer.hooks = {2: lake_down, 30: lake_up}
    before = []
    consumer.hooks[3] = lambda c: before.append(len(c.commit_log))
    status = run(consumer, lake, until=lambda s, c: s.lag == 0 and not c.paused, retry_max_s=0.01,
                 max_inflight=max_inflight, validate_workers=workers)  # fmt: skip
    assert lake.refused > 0 and status.outages == 1
    assert commits_during == before, "nothing may be committed while the lake refuses writes"
    assert consumer.paused == set()
    ids = landed_ids(lake)
    assert sorted(ids) == sorted(all_ids(data)) and len(ids) == len(set(ids))
    assert consumer.committed == {0: 60, 1: 60}


@pytest.mark.parametrize("max_inflight", [0, 3], ids=["sync", "background"])
def test_revoked_partitions_are_dropped_and_the_new_owner_replays_the_same_files(max_inflight):
    data = logs(n=35)
    consumer, lake = FakeConsumer(data, batch=4), MemoryLake()
    # After 3 polls partition 1 holds 12 records: 10 written and committed, 2 buffered. It moves away
    # (those 2 are dropped, not committed), then comes back and is replayed from offset 10.
    consumer.hooks = {4: lambda c: c.rebalance(revoke=[1]), 6: lambda c: c.rebalance(assign=[1])}
    run(consumer, lake, until=lambda s, c: c.calls > 20, max_inflight=max_inflight)
    ids = landed_ids(lake)
    assert sorted(ids) == sorted(all_ids(data)) and len(ids) == len(set(ids))
    assert consumer.committed == {0: 35, 1: 35}


def test_lost_partitions_commit_nothing():
    data = logs(n=35)
    consumer, lake = FakeConsumer(data, batch=4), MemoryLake()
    at_loss: dict[int, int] = {}

    def lose(c):
        at_loss.update(c.committed)
        c.rebalance(lost=[0])

    consumer.hooks = {6: lose}
    run(consumer, lake, until=lambda s, c: c.calls > 10)
    assert at_loss.get(0) == 10  # the first file of partition 0 was written and committed before...
    assert consumer.committed[0] == 10  # ...and nothing of it after the loss


def test_redelivered_offsets_are_skipped_and_fetched_after_revoke_ignored():
    data = logs(partitions=1, n=20)
    consumer, lake = FakeConsumer(data, batch=5), MemoryLake()
    consumer.hooks = {3: lambda c: c.extra.extend([Message(0, 1, data[0][1]), Message(7, 0, event(7))])}
    status = run(consumer, lake, until=lambda s, c: c.calls > 8)
    ids = landed_ids(lake)
    assert len(ids) == len(set(ids)) == 20
    assert status.skipped_redeliveries == 1


def test_an_idle_partition_is_flushed_and_committed():
    data = logs(partitions=1, n=13)
    consumer, lake = FakeConsumer(data), MemoryLake()
    committed_before_stop = {}
    status = run(
        consumer,
        lake,
        until=lambda s, c: (committed_before_stop.update(c.committed) or c.committed.get(0) == 13),
        idle_flush_s=0.0,
    )
    assert committed_before_stop[0] == 13 and status.idle_flushes >= 1


def test_a_failed_commit_is_retried_and_data_stays_landed():
    data = logs(partitions=1, n=20)
    consumer, lake = FakeConsumer(data), MemoryLake()
    consumer.fail_commits = True

    def heal(c):
        c.fail_commits = False

    consumer.hooks = {6: heal}
    status = run(consumer, lake, until=lambda s, c: c.calls > 12)
    assert status.commit_failures >= 1 and consumer.committed == {0: 20}
    assert len(landed_ids(lake)) == 20


def test_stop_when_idle_flushes_the_tail_and_exits():
    data = logs(partitions=1, n=13)
    consumer, lake = FakeConsumer(data), MemoryLake()
    status = run(consumer, lake, stop_when_idle_s=0.05)
    assert status.clean_exit and consumer.committed == {0: 13} and len(landed_ids(lake)) == 13


def test_a_batch_landing_that_got_only_some_partitions_says_what_is_left():
    """Stale members hold partitions 1 and 2: this lander lands partition 0, then must not say "lag 0"."""
    from spotify_mds.errors import LandingIncomplete

    data = logs(partitions=3, n=20)
    consumer, lake = FakeConsumer(data), MemoryLake()
    consumer.first_assignment = [0]
    with pytest.raises(LandingIncomplete) as raised:
        run(consumer, lake, stop_when_idle_s=0.05)
    assert raised.value.left == {1: (0, 20), 2: (0, 20)}
    assert raised.value.status.lag == 40 and raised.value.status.clean_exit
    assert "has not landed 40 records of spotify.streams: partition 1: 20 (committed 0 of 20)" in str(raised.value)
    assert consumer.committed == {0: 20} and len(landed_ids(lake)) == 20  # what it had is landed all the same


def test_a_batch_landing_waits_for_other_members_still_committing():
    data = logs(partitions=2, n=20)
    consumer, lake = FakeConsumer(data), MemoryLake()
    consumer.first_assignment = [0]
    other = threading.Timer(0.3, lambda: consumer.committed.update({1: 20}))  # a live member's last commit
    other.start()
    status = run(consumer, lake, stop_when_idle_s=0.05, settle_s=1.0)
    other.join()
    assert status.lag == 0 and consumer.committed == {0: 20, 1: 20}


@pytest.mark.parametrize("max_inflight", [0, 3], ids=["sync", "background"])
def test_other_bytes_at_the_same_positions_stop_the_lander_without_a_commit(max_inflight):
    """A topic deleted and recreated: its offsets start at 0 again, over files of other records."""
    from spotify_mds.errors import LakeConflict

    old, lake = FakeConsumer(logs(partitions=1, n=20)), MemoryLake()
    run(old, lake, max_inflight=max_inflight)
    stored = dict(lake.objects)
    recreated = FakeConsumer({0: [event(5000 + i) for i in range(20)]})
    with pytest.raises(LakeConflict, match="not a cut of the same records"):
        run(recreated, lake, max_inflight=max_inflight)
    assert recreated.committed == {} and lake.objects == stored
