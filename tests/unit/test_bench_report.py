"""make bench's report: figures next to their baselines, growth, freshness, and only its own section."""

from bench.harness import Result
from bench.run import END, START, markdown, write_section


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
