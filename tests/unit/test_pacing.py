"""The one pacing loop: records released in order once the clock reaches their due time."""

from __future__ import annotations

import threading

import pytest

from spotify_mds.pacing import at_rate, paced
from spotify_mds.pipelines.streams.simulate import Batch


class FakeTime(threading.Event):
    """A clock that moves only when the pacer waits (`stop.wait`), by exactly the time it waits."""

    def __init__(self, now: float = 100.0) -> None:
        super().__init__()
        self.now = now
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    def wait(self, timeout=None) -> bool:
        self.waits.append(timeout)
        self.now += timeout
        return self.is_set()


def batch(first: int, n: int) -> Batch:
    return Batch(
        first,
        [f"k{i}".encode() for i in range(first, first + n)],
        [f"v{i}".encode() for i in range(first, first + n)],
    )


def test_at_rate_releases_records_at_the_rate_in_order_keeping_positions():
    time = FakeTime()
    released = []
    for part in paced([batch(0, 5), batch(5, 5)], at_rate(10, time.clock), stop=time, clock=time.clock):
        released.append((time.now, part.first_offset, part.values))
    records = [(now, value) for now, _, values in released for value in values]
    assert [value for _, value in records] == [f"v{i}".encode() for i in range(10)]
    assert [round(now - 100.0, 6) for now, _ in records] == [round(0.1 * i, 6) for i in range(10)]  # first at once
    for _, first, values in released:  # a slice keeps its records' positions
        assert all(value == f"v{first + k}".encode() for k, value in enumerate(values))


def test_a_long_wait_yields_heartbeats_every_half_second_and_stop_ends_it():
    time = FakeTime()
    due = lambda b: [time.now + 2.0] * len(b.values)  # noqa: E731
    parts = paced([batch(0, 3)], due, stop=time, clock=time.clock)
    heartbeats = [next(parts) for _ in range(3)]
    assert all(part.values == [] and part.first_offset == 0 for part in heartbeats)
    assert max(time.waits) <= 0.5
    time.set()
    assert list(parts) == []


def test_records_already_due_go_at_once_without_waiting():
    time = FakeTime()
    parts = list(paced([batch(0, 4)], lambda b: [0.0] * len(b.values), stop=time, clock=time.clock))
    assert [p.values for p in parts] == [batch(0, 4).values] and time.waits == []


def test_rate_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        at_rate(0)


def test_simulate_rate_writes_every_event_paced(tmp_path):
    import time as real_time

    from typer.testing import CliRunner

    from spotify_mds.cli import app

    out = tmp_path / "events.ndjson"
    started = real_time.monotonic()
    result = CliRunner().invoke(
        app, ["simulate", "--rate", "200", "--events", "40", "--users", "50", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert len(out.read_bytes().splitlines()) == 40
    assert real_time.monotonic() - started >= 0.19  # 40 events at 200/s: the last 39/200 s after the first
