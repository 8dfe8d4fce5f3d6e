"""`write_ndjson` with helper processes: the same file byte for byte, and no helper left behind."""

from __future__ import annotations

import io
import logging
import re

import pytest

import spotify_mds.pipelines.streams.simulate as simulate_module
from spotify_mds.pipelines.streams.simulate import SimConfig, simulate, write_ndjson
from spotify_mds.pipelines.streams.simulate import workers
from spotify_mds.pipelines.streams.simulate.encode import Encoder

# 30-minute windows: some 100 windows, so the helper and the parent both write some.
CLEAN = SimConfig(seed=5, users=400, days=2, window_minutes=30)
FAULTY = SimConfig(seed=6, users=300, days=1, window_minutes=30, late_rate=0.05, duplicate_rate=0.03,
                   malformed_rate=0.01)  # fmt: skip


@pytest.fixture
def parallel(monkeypatch):
    """Helpers for any stream size, and the parent waits for them to start (so they take part)."""
    monkeypatch.setattr(simulate_module, "_PARALLEL_MIN_EVENTS", 0)
    monkeypatch.setattr(simulate_module, "_WAIT_FOR_HELPERS", True)
    started: list[workers._Helper] = []
    real = workers._Helper.__init__

    def recording(self, *args):
        real(self, *args)
        started.append(self)

    monkeypatch.setattr(workers._Helper, "__init__", recording)
    return started


def _file(path, config, **kwargs) -> bytes:
    with path.open("wb") as sink:
        sink.write(b"before\n")
        count = write_ndjson(config, sink, **kwargs)
        sink.write(b"after\n")
    data = path.read_bytes()
    assert data.count(b"\n") == count + 2
    return data


@pytest.mark.parametrize("config", [CLEAN, FAULTY], ids=["clean", "faulty"])
def test_helpers_write_the_same_bytes_as_one_process(parallel, config, tmp_path, caplog):
    """Two or three processes write the file one process writes, and `simulate` yields, byte for byte."""
    expected = b"before\n" + b"".join(v + b"\n" for b in simulate(config) for v in b.values) + b"after\n"
    assert _file(tmp_path / "one.ndjson", config, workers=1) == expected
    with caplog.at_level(logging.DEBUG, logger=simulate_module.__name__):
        assert _file(tmp_path / "two.ndjson", config, workers=2) == expected
        assert _file(tmp_path / "three.ndjson", config, workers=3) == expected
    assert len(parallel) == 3
    by_helpers = [int(n) for n in re.findall(r"(\d+) of \d+ windows encoded by the helpers", caplog.text)]
    assert len(by_helpers) == 2 and min(by_helpers) > 0
    assert all(helper.process.poll() == 0 for helper in parallel)


def test_small_streams_and_unseekable_sinks_stay_in_one_process(parallel, monkeypatch, tmp_path):
    sink = io.BytesIO()
    write_ndjson(CLEAN, sink, workers=2)  # not a file: written in order
    monkeypatch.setattr(simulate_module, "_PARALLEL_MIN_EVENTS", 400_000)
    small = _file(tmp_path / "small.ndjson", CLEAN, workers=2)  # under the threshold
    assert parallel == []
    assert small == b"before\n" + sink.getvalue() + b"after\n"


def test_no_helper_outlives_an_interrupted_run(parallel, monkeypatch, tmp_path):
    real = simulate_module._emitted

    def interrupted(*args):
        for i, window in enumerate(real(*args)):
            if i == 5:
                raise KeyboardInterrupt
            yield window

    monkeypatch.setattr(simulate_module, "_emitted", interrupted)
    with pytest.raises(KeyboardInterrupt), (tmp_path / "x.ndjson").open("wb") as sink:
        write_ndjson(CLEAN, sink, workers=3)
    assert len(parallel) == 2
    assert all(helper.process.poll() is not None for helper in parallel)


def test_a_helper_that_fails_fails_the_run(parallel, monkeypatch, tmp_path):
    """A wrong size (the file would be corrupt) is caught by the helper and reported by the parent."""
    real = Encoder.ndjson_size
    monkeypatch.setattr(Encoder, "ndjson_size", lambda self, cols: real(self, cols) + 1)
    with pytest.raises(workers.HelperFailed, match="sized"), (tmp_path / "x.ndjson").open("wb") as sink:
        write_ndjson(CLEAN, sink, workers=2)
    assert all(helper.process.poll() is not None for helper in parallel)
