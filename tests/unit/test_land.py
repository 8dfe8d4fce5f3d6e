"""The lander's rules: event-time partitions, position-named files, quarantine, replay idempotence."""

from __future__ import annotations

import gzip
import json

import pytest

import factories

from spotify_mds.lake import MemoryLake
from spotify_mds.landing.file_source import ndjson_batches
from spotify_mds.landing.writer import BronzeWriter
from spotify_mds.pipelines.streams.landing import bronze_writer, land_batches
from spotify_mds.pipelines.streams.simulate import Batch

TOPIC = "spotify.streams"


def event(i: int, hour: int, minute: int = 0) -> bytes:
    return factories.event(i, factories.at(hour, minute), version=1, session_id="s1")


def stream(n: int) -> list[bytes]:
    """n events over several hours, with one late event and a few bad records."""
    values = [event(i, 10 + i // 40, i % 60) for i in range(n)]
    values[55] = event(55, 9, 30)  # late: belongs to an earlier hour
    values[13] = b'{"broken": '
    values[77] = event(77, 11).replace(b'"play"', b'"rewind"')
    return values


def land_all(lake, values, *, start=0, **options):
    options.setdefault("max_records", 25)
    options.setdefault("max_span_ms", 10 * 3_600_000)
    writer = bronze_writer(lake, TOPIC, **options)
    commits = []
    for offset in range(start, len(values)):
        committed = writer.add(0, offset, values[offset], b"k")
        if committed is not None:
            commits.append(committed)
    commits.extend(writer.flush().values())
    return writer, commits


def test_files_are_named_by_position_and_partitioned_by_event_time():
    lake = MemoryLake()
    writer, commits = land_all(lake, stream(100))
    keys = [info.key for info in lake.list("bronze/")]
    assert f"bronze/{TOPIC}/date=2026-11-02/hour=09/{TOPIC}+0+00000000000000000055.ndjson" in keys
    assert f"bronze/{TOPIC}/date=2026-11-02/hour=10/{TOPIC}+0+00000000000000000000.ndjson" in keys
    assert commits == [25, 50, 75, 100]  # committed only at flush boundaries
    landed = [line for key in keys for line in lake.get(key).splitlines()]
    assert len(landed) == writer.stats.landed == 98
    assert set(landed) == {v for i, v in enumerate(stream(100)) if i not in (13, 77)}  # bytes as received


def test_bad_records_go_to_quarantine_with_position_and_reason():
    lake = MemoryLake()
    writer, _ = land_all(lake, stream(100))
    rows = [json.loads(line) for info in lake.list("quarantine/") for line in lake.get(info.key).splitlines()]
    assert writer.stats.quarantined == 2 == len(rows)
    by_offset = {row["offset"]: row for row in rows}
    assert "malformed JSON" in by_offset[13]["reason"] and by_offset[13]["value"] == '{"broken": '
    assert by_offset[77]["field"] == "event_type" and "rewind" in by_offset[77]["reason"]
    assert writer.stats.records == writer.stats.landed + writer.stats.quarantined


def test_non_utf8_records_keep_their_bytes_in_quarantine():
    lake = MemoryLake()
    writer = bronze_writer(lake, TOPIC, max_records=10)
    writer.add(0, 0, b"\xff\xfe\x00garbage")
    writer.add(0, 1, None)
    writer.flush()
    rows = [json.loads(line) for info in lake.list("quarantine/") for line in lake.get(info.key).splitlines()]
    assert rows[0]["value_base64"] == "//4AZ2FyYmFnZQ=="
    assert rows[1]["reason"].startswith("record has no value")


def test_a_replay_from_the_last_commit_rewrites_the_same_keys_and_bytes():
    values = stream(100)
    first = MemoryLake()
    _, commits = land_all(first, values, max_span_ms=3_600_000)
    # Crash after the second commit: the restart replays from there into what the lake held then.
    resume = commits[1]
    second = MemoryLake()
    second.objects = {k: v for k, v in first.objects.items() if int(k.rsplit("+", 1)[1].split(".")[0]) < resume}
    land_all(second, values, start=resume, max_span_ms=3_600_000)
    assert second.objects == first.objects
    # And a full replay over an existing lake writes nothing new.
    writer, _ = land_all(first, values, max_span_ms=3_600_000)
    assert writer.stats.files == 0 and writer.stats.unchanged_files > 0


def test_rotation_by_event_time_span():
    lake = MemoryLake()
    _, commits = land_all(lake, [event(i, 10 + i // 10) for i in range(30)], max_records=1000, max_span_ms=3_600_000)
    assert commits == [11, 21, 30]  # each flush closes when its records span an hour


def test_revoked_partitions_are_dropped_without_commit():
    lake = MemoryLake()
    writer = bronze_writer(lake, TOPIC, max_records=100)
    writer.add(0, 0, event(0, 10))
    writer.add(1, 0, event(1, 10))
    writer.drop([1])
    assert writer.flush() == {0: 1}
    assert len(lake.list("bronze/")) == 1


@pytest.mark.parametrize("compression", ["gzip", "zstd"])
def test_compressed_bronze_is_deterministic(compression):
    lakes = [MemoryLake(), MemoryLake()]
    for lake in lakes:
        land_all(lake, stream(100), compression=compression)
    assert lakes[0].objects == lakes[1].objects
    key = next(k for k in lakes[0].objects if k.startswith("bronze/"))
    assert key.endswith(".gz" if compression == "gzip" else ".zst")
    if compression == "gzip":
        assert gzip.decompress(lakes[0].objects[key]).count(b"\n") > 0


def test_pretty_printed_records_become_one_line():
    lake = MemoryLake()
    pretty = json.dumps(json.loads(event(1, 10)), indent=2).encode()
    stats = land_batches([Batch(0, [b"k"], [pretty])], lake, TOPIC)
    (info,) = lake.list("bronze/")
    assert stats.landed == 1 and lake.get(info.key).count(b"\n") == 1
    assert json.loads(lake.get(info.key)) == json.loads(pretty)


def test_background_writes_cut_the_same_files_and_commit_in_order():
    from spotify_mds.errors import LakeError

    sync, background = MemoryLake(), MemoryLake()
    land_all(sync, stream(100))
    writer = bronze_writer(background, TOPIC, max_records=25, max_span_ms=10 * 3_600_000, max_inflight=3)
    for offset, value in enumerate(stream(100)):
        assert writer.add(0, offset, value, b"k") is None  # offsets come from completed()
    assert writer.flush() == {0: 100}
    assert background.objects == sync.objects

    class Down(MemoryLake):
        def put(self, key, data, **options):
            raise LakeError("down", key=key)

    failing = bronze_writer(Down(), TOPIC, max_records=10, max_inflight=2)
    for offset, value in enumerate([event(i, 10) for i in range(30)]):
        failing.add(0, offset, value)
    failing.wait()
    assert failing.completed() == {} and failing.due() == [0]
    failing.lake = MemoryLake()
    assert failing.retry() == {0: 30}


def test_an_ndjson_file_streams_in_chunks_with_line_numbers_as_offsets(tmp_path):
    lines = [event(i, 10 + i % 3) for i in range(50)]
    path = tmp_path / "events.ndjson"
    # CRLF endings on some lines, a blank line (a record, quarantined later), no final newline.
    path.write_bytes(b"\r\n".join(lines[:10]) + b"\r\n" + b"\n".join(lines[10:]) + b"\n\n" + lines[0])
    batches = list(ndjson_batches(path, chunk_bytes=1000))  # a few records per chunk, cut mid-line
    assert len(batches) > 5
    values = [v for b in batches for v in b.values]
    assert values == [*lines, b"", lines[0]]
    assert [b.first_offset for b in batches] == [sum(len(p) for p in batches[:i]) for i in range(len(batches))]
    for chunk_bytes in range(1, 1200, 7):  # every cut: mid-line, on a \n, between a \r and its \n
        assert [v for b in ndjson_batches(path, chunk_bytes=chunk_bytes) for v in b.values] == values

    stats = land_batches(ndjson_batches(path, chunk_bytes=1000), lake := MemoryLake(), TOPIC)
    assert (stats.landed, stats.quarantined) == (51, 1)
    whole = land_batches([Batch(0, [None] * len(values), values)], other := MemoryLake(), TOPIC)
    assert lake.objects == other.objects and whole.landed == stats.landed


def messy_stream(n: int, seed: int) -> list[bytes | None]:
    """Events out of time order over many hours, with bad, empty, oversize and multi-line records."""
    import random

    rng = random.Random(seed)
    values: list[bytes | None] = [event(i, 10 + rng.randrange(6), rng.randrange(60)) for i in range(n)]
    for i in rng.sample(range(n), n // (20 if seed % 2 else 300)):
        values[i] = rng.choice([b'{"broken": ', None, b"", b"\xff\xfe", b" " * 20_000, b"[1, 2]"])
    for i in rng.sample(range(n), 3):
        values[i] = json.dumps(json.loads(event(i, 12)), indent=2).encode()  # valid, over several lines
    return values


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("limits", [{"max_records": 7}, {"max_bytes": 3_000}, {"max_span_ms": 1_800_000}, {}])
def test_add_many_cuts_exactly_the_files_add_cuts(seed, limits):
    """The batch path is an optimisation only: same files, same quarantine, same commits, any run size."""
    import random

    values = messy_stream(600, seed)
    one_by_one, batched = MemoryLake(), MemoryLake()
    _, commits = land_all(one_by_one, values, **{"max_records": 50_000, "max_span_ms": 3_600_000, **limits})
    writer = bronze_writer(batched, TOPIC, **{"max_records": 50_000, "max_span_ms": 3_600_000, **limits})
    one_at_a_time = []
    writer.add = lambda *record: one_at_a_time.append(record) or BronzeWriter.add(writer, *record)
    rng, start, batched_commits = random.Random(seed), 0, []
    while start < len(values):
        stop = min(len(values), start + rng.choice([1, 3, 50, 400, 5_000]))
        committed = writer.add_many(0, range(start, stop), values[start:stop], [b"k"] * (stop - start))
        if committed is not None:
            batched_commits.append(committed)
        start = stop
    batched_commits.extend(writer.flush().values())
    assert batched.objects == one_by_one.objects
    assert batched_commits[-1] == commits[-1] == len(values)
    assert set(batched_commits) <= set(commits)
    assert writer.stats.records == len(values)
    assert 0 < len(one_at_a_time) < len(values)  # both paths ran


def test_add_many_validates_here_the_runs_no_worker_has_started(monkeypatch):
    """Rather than wait for busy workers, add_many validates the runs still queued, from the far end."""
    from concurrent.futures import Future

    from spotify_mds.landing import validation

    monkeypatch.setattr(validation, "RUN", 100)
    values, keys = messy_stream(1_000, seed=7), [b"k"] * 1_000
    expected = bronze_writer(MemoryLake(), TOPIC)
    expected.add_many(0, range(1_000), values, keys)
    expected.flush()
    original, validated = validation.validate_run, []
    monkeypatch.setattr(
        validation, "validate_run", lambda check, run: validated.append(run[0]) or original(check, run)
    )
    queued = [Future() for _ in range(10)]  # pending: as if the workers were busy with other runs
    handed = list(queued)
    writer = bronze_writer(MemoryLake(), TOPIC)
    writer.add_many(0, range(1_000), values, keys, checked=queued)
    writer.flush()
    assert writer.lake.objects == expected.lake.objects
    assert validated[:3] == [values[900], values[800], values[700]]  # the far end first
    assert all(future.cancelled() for future in handed)  # each taken from the queue, none done twice
    assert len(validated) == 10


def test_add_many_reports_how_far_it_got_when_a_flush_fails():
    from spotify_mds.errors import LakeError

    class Down(MemoryLake):
        def put(self, key, data, **options):
            raise LakeError("down", key=key)

    writer = bronze_writer(Down(), TOPIC, max_records=10)
    values = [event(i, 10) for i in range(30)]
    with pytest.raises(LakeError) as raised:
        writer.add_many(0, range(30), values)
    assert raised.value.added == 10  # the tenth record completed the flush that failed
    assert writer.due() == [0]
    writer.lake = MemoryLake()
    assert writer.retry() == {0: 10}
    assert writer.add_many(0, range(10, 30), values[10:]) == 30


def test_validation_in_worker_processes_lands_the_same_files():
    values = messy_stream(3_000, 2) + [event(i, 14) for i in range(9_000)]  # bad runs, then clean runs
    inline, workers = MemoryLake(), MemoryLake()
    batches = [Batch(first, [b"k"] * len(values[first : first + 2_500]), values[first : first + 2_500])
               for first in range(0, len(values), 2_500)]  # fmt: skip
    expected = land_batches(batches, inline, TOPIC, max_span_ms=1_800_000)
    got = land_batches(batches, workers, TOPIC, max_span_ms=1_800_000, validate_workers=2)
    assert workers.objects == inline.objects
    assert (got.landed, got.quarantined) == (expected.landed, expected.quarantined)
    assert got.quarantined > 0
