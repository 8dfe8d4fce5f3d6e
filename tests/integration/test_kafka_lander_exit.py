"""How a lander ends, against a real broker: a batch landing (`land --stop-when-idle`) never says
"lag 0" while the group has not committed the whole topic, as when killed landers' static
memberships still hold partitions (seen: 662,679 of 968,908 records left after an exit 0); a lander
killed with SIGKILL leaves no process behind, and the next start removes its temporary files.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import time
from pathlib import Path

import pytest

from kafka_support import (
    bronze_event_ids,
    committed,
    end_offsets,
    group_assignment,
    lander_env,
    start_lander,
    wait,
)
from spotify_mds.pipelines.streams.produce import ensure_topic, produce, producer_config
from spotify_mds.pipelines.streams.simulate import SimConfig, simulate

pytestmark = pytest.mark.integration


# The stale members' session: long enough for the restarted lander to start, land its partition and
# wait out its settle window (idle flush + 5 s) on a busy 2-core machine before the sessions end.
STALE_SESSION_S = 45


def test_a_batch_landing_left_with_stale_members_partitions_says_what_is_left(broker, tmp_path):
    topic, group, lake = "stale", "stale-landers", tmp_path / "lake"
    ensure_topic(broker, topic, 3)
    base = lander_env(broker, topic, group, str(lake), KAFKA_SESSION_TIMEOUT_MS=str(STALE_SESSION_S * 1000), LAND_VALIDATE_WORKERS="0")
    log = tmp_path / "lander.log"
    stale = [start_lander({**base, "KAFKA_GROUP_INSTANCE_ID": name}, log) for name in ("a", "b", "c")]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # each of the three holds one partition
        members = group_assignment(broker, group)
        # one partition each, as the three see it (a snapshot during a rebalance can show two on one)
        if sorted(p for ps in members.values() for p in ps) == [0, 1, 2] and all(len(ps) == 1 for ps in members.values()):
            break
        time.sleep(0.5)
    else:
        pytest.fail(f"the three landers were not all assigned: {group_assignment(broker, group)}")
    for proc in stale:  # killed: their static memberships hold their partitions for STALE_SESSION_S more
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    killed_at = time.monotonic()
    batches = list(simulate(SimConfig(seed=5, users=500, max_events=6_000)))
    assert produce(batches, producer_config(broker), topic).undelivered == 0

    # "a" again: static membership gives it back its own partition at once; the stale members keep
    # theirs (some until their sessions end), and it goes idle before landing them all.
    again = start_lander({**base, "KAFKA_GROUP_INSTANCE_ID": "a"}, log, "--stop-when-idle", "2")
    assert wait(again, 120) == 1, log.read_text()[-3000:]
    out = " ".join(log.read_text().split())
    ends = end_offsets(broker, topic, 3)
    done = committed(broker, group, topic, 3)
    left = {p: ends[p] - max(done[p], 0) for p in range(3) if max(done[p], 0) < ends[p]}
    assert left and done[members["a"][0]] == ends[members["a"][0]], (members, done, ends)
    assert f"LandingIncomplete: group {group} has not landed {sum(left.values()):,} records of {topic}:" in out
    for p, n in left.items():
        assert f"partition {p}: {n:,} (committed 0 of {ends[p]:,})" in out
    # The summary's lag is the whole topic's; only the live line before any assignment may say "lag 0".
    assert f"lag {sum(left.values())}" in out and not re.search(r"lag 0(?! \| buffered)", out)

    # Once the stale sessions have expired, running `land` again lands the rest and ends complete.
    time.sleep(max(0.0, killed_at + STALE_SESSION_S + 2 - time.monotonic()))
    final = start_lander(base, log, "--stop-when-idle", "2")
    assert wait(final, 120) == 0, log.read_text()[-3000:]
    assert committed(broker, group, topic, 3) == ends
    assert sum(bronze_event_ids(lake, topic).values()) == sum(ends.values())


def descendants(pid: int) -> list[int]:
    """Every live process below `pid` (children, theirs, ...), from /proc."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_killed_lander_leaves_no_process_and_the_next_start_removes_its_temporary_files(broker, tmp_path):
    topic, group, lake = "killed", "killed-landers", tmp_path / "lake"
    ensure_topic(broker, topic, 3)
    batches = list(simulate(SimConfig(seed=6, users=500, max_events=20_000)))
    assert produce(batches, producer_config(broker), topic).undelivered == 0
    env = lander_env(broker, topic, group, str(lake), LAND_VALIDATE_WORKERS="2")
    log = tmp_path / "lander.log"
    lander = start_lander(env, log)  # a service: runs until stopped
    deadline = time.monotonic() + 60
    while len(descendants(lander.pid)) < 3 and time.monotonic() < deadline:  # 2 workers, resource tracker
        time.sleep(0.2)
    children = descendants(lander.pid)
    assert len(children) >= 3, (children, log.read_text()[-3000:])
    # What a write cut by the kill leaves (LocalLake names its temporary files after their writer),
    # and the temporary file of a writer still running (this test), which must stay.
    folder = lake / "bronze" / topic / "date=2026-11-02" / "hour=00"
    folder.mkdir(parents=True, exist_ok=True)
    cut = folder / f".tmp-{lander.pid}@{socket.gethostname()}-k1ll3d.tmp"
    running = folder / f".tmp-{os.getpid()}@{socket.gethostname()}-w0rk1n.tmp"
    cut.write_bytes(b'{"half": ')
    running.write_bytes(b'{"half": ')

    lander.send_signal(signal.SIGKILL)
    lander.wait()
    deadline = time.monotonic() + 10
    while any(map(alive, children)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [pid for pid in children if alive(pid)] == [], "the lander's workers outlived it"

    again = start_lander(env, log, "--stop-when-idle", "2")
    assert wait(again, 120) == 0, log.read_text()[-3000:]
    assert not cut.exists() and running.exists()
    assert "removed 1 temporary files left by killed writers" in log.read_text()
    assert sum(bronze_event_ids(lake, topic).values()) == sum(end_offsets(broker, topic, 3).values())
