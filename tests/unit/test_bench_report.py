"""make bench's report: figures next to their baselines, growth, freshness, and only its own section."""

from pathlib import Path

from bench.harness import Result
from bench.report import END, START, markdown, write_section


def results() -> list[Result]:
    return [
        Result("load (DuckDB)", "spotify-mds load", 1_000, 1_000, seconds=[2.0, 1.0, 4.0], peak_mb=[100, 120, 110]),
        Result("load (DuckDB)", "ceiling", 1_000, 1_000, seconds=[0.5], peak_mb=[80], baseline=True),
        Result("load (DuckDB)", "spotify-mds load", 10_000, 10_000, seconds=[15.0], peak_mb=[300]),
        Result("continuous mode", "run --follow", 0, 300, seconds=[60.0], peak_mb=[200],
               metrics=[{"p50_s": 12.5, "p95_s": 20.0, "cycles": 6, "loaded": 300, "released": 300,
                         "interval_s": 10, "errors": 0}]),
    ]  # fmt: skip


def test_markdown_shows_medians_spread_baseline_growth_and_freshness():
    text = markdown(results(), {"cores": "2"}, {"duckdb": "2.0"}, 90.0, {"quix": "no venv"})
    row = next(line for line in text.splitlines() if line.startswith("| load (DuckDB) | spotify-mds load | 1,000 |"))
    assert "| 2.0 | 500 | 250–1,000 | 3 | 120 |" in row  # median 2 s of three runs, spread of rates, peak
    assert "0.2× ceiling" in row  # 500/s next to the ceiling's 2,000/s of the same run
    assert "| spotify-mds load | 2.0 | 15.0 | 7.5 | 0.75 | 120 → 300 |" in text  # growth 1k → 10k
    assert "freshness p50 12.5 s, p95 20.0 s" in text
    assert "quix cases (no venv)" in text
    assert "continuous mode | run --follow" not in text  # not a speed row


def test_write_section_replaces_only_its_markers(tmp_path):
    path = tmp_path / "BENCHMARKS.md"
    path.write_text(f"# Benchmarks\n\n{START}\nold figures\n{END}\n\n## Loading\nhand-written\n")
    write_section(path, "# Benchmarks\nnew figures")
    text = path.read_text()
    assert "old figures" not in text and "new figures" in text
    assert text.endswith("## Loading\nhand-written\n") and text.count(START) == 1


def test_a_case_is_timed_from_started_on_not_from_its_preparation(tmp_path, monkeypatch):
    from bench.harness import measure

    (tmp_path / "slow_preparation_case.py").write_text(
        "import time\nfrom bench.harness import started\n\n"
        "def case(volume, workdir):\n    time.sleep(2.0)\n    started()\n    return volume\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    result = measure("stage", "impl", "slow_preparation_case:case", 7, tmp_path / "work", repeats=1)
    assert result.events == 7
    assert result.seconds[0] < 1.0  # the 2 s of preparation before started() are not counted


def test_larger_volumes_read_load_dbt_and_export_from_the_pipelines_phases():
    from bench.report import PHASES_NOTE, phase_lines
    from bench.run import from_phase

    phases = {"simulate+land": {"seconds": 6.0, "peak_mb": 300.0}, "load": {"seconds": 3.0, "peak_mb": 900.0},
              "transform": {"seconds": 9.0, "peak_mb": 2000.0}}  # fmt: skip
    pipeline = Result("pipeline (embedded)", "spotify-mds run", 10_000, 9_990, seconds=[20.0], peak_mb=[2000],
                      metrics=[{"phases": phases}])  # fmt: skip
    load = from_phase(pipeline, "load", "load (DuckDB)", "spotify-mds load", "ledger + lineage")
    assert (load.volume, load.events, load.seconds, load.peak_mb) == (10_000, 9_990, [3.0], [900.0])
    assert load.note == f"ledger + lineage; {PHASES_NOTE}"
    table = phase_lines([pipeline])
    assert "| transform | 9.0 (45%), 2,000 |" in table
    text = markdown([*results(), pipeline, load], {}, {}, 60.0, {})
    assert "Where the pipeline's time goes" in text and "are not run again on their own" in text
    assert "no rows reached gold" not in text  # the phases are not freshness figures


def test_phase_peaks_measure_each_phase_of_the_runner_apart():
    from bench.cases_pipeline import phase_peaks
    from spotify_mds import runner
    from spotify_mds.results import RunSummary

    summary = RunSummary()
    with phase_peaks() as peaks:
        with runner._timed(summary, "big"):
            block = bytearray(200 * 1024 * 1024)  # touched: zero-filled pages are resident
            block[::4096] = b"x" * len(block[::4096])
            del block
        with runner._timed(summary, "small"):
            pass
    assert runner._timed.__name__ == "_timed"  # restored
    assert peaks["big"] - peaks["small"] > 150  # the second phase's peak started again from the current size
    assert peaks["process"] >= peaks["big"] and set(summary.seconds) == {"big", "small"}


def test_the_simulators_ceiling_writes_as_many_bytes_as_its_file_and_times_the_write_alone(tmp_path, monkeypatch):
    from bench import cases_pipeline

    ours = cases_pipeline.simulate_ours(3_000, tmp_path)
    events_file = tmp_path / "events-3000.ndjson"
    assert ours["events"] == 3_000 == events_file.read_bytes().count(b"\n") and ours["seconds"] > 0
    written = []
    real_open = Path.open

    class Counting:  # the ceiling's sink, counting what it writes
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, data):
            written.append(self.handle.write(data))
            return written[-1]

    def spy(self, mode="r", *args, **kwargs):
        handle = real_open(self, mode, *args, **kwargs)
        return Counting(handle) if self.name == "simulate-ceiling.bin" else handle

    monkeypatch.setattr(Path, "open", spy)
    ceiling = cases_pipeline.simulate_write_ceiling(3_000, tmp_path)
    assert ceiling["events"] == 3_000 and ceiling["seconds"] > 0
    assert sum(written) == events_file.stat().st_size  # the same byte count as the simulator's file
    assert not (tmp_path / "simulate-ceiling.bin").exists()
