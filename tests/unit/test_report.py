"""The static report: PNG charts and an HTML page, in a folder and in the lake."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from spotify_mds.cli import app
from spotify_mds.presentation.dashboard.queries import Filters
from spotify_mds.presentation.dashboard.synthetic import write_synthetic_gold
from spotify_mds.lake import LocalLake
from spotify_mds.presentation.report import CHARTS, REPORT_PREFIX, build_report


def _check_png(data: bytes) -> None:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    assert image.width >= 800 and image.height >= 300
    pixels = image.convert("RGB").resize((200, 80))
    colors = pixels.getcolors(maxcolors=200 * 80)
    assert len(colors) > 20, "the chart is (almost) blank"
    white = max((count for count, rgb in colors if rgb == (255, 255, 255)), default=0)
    assert white < 0.95 * 200 * 80, "the chart is mostly white"


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> tuple[LocalLake, Path]:
    root = tmp_path_factory.mktemp("report")
    lake = LocalLake(root / "lake")
    write_synthetic_gold(lake)
    build_report(lake, root / "out")
    return lake, root / "out"


def test_every_chart_is_a_real_image_in_the_folder_and_the_lake(full: tuple[LocalLake, Path]) -> None:
    lake, out = full
    for name in CHARTS:
        data = (out / f"{name}.png").read_bytes()
        _check_png(data)
        assert lake.get(f"{REPORT_PREFIX}/{name}.png") == data
    page = (out / "index.html").read_text()
    assert lake.get(f"{REPORT_PREFIX}/index.html").decode() == page
    for name, (title, _mart, _draw) in CHARTS.items():
        assert f'<img src="{name}.png" alt="{title}">' in page
    assert "no data yet" not in page
    assert "2026-11-09T06:00:00+00:00" in page


def test_filters_change_the_charts(full: tuple[LocalLake, Path], tmp_path: Path) -> None:
    lake, out = full
    build_report(lake, tmp_path, filters=Filters(country="SE"), to_lake=False)
    assert (tmp_path / "plays_hourly.png").read_bytes() != (out / "plays_hourly.png").read_bytes()
    assert (tmp_path / "top_artists.png").read_bytes() == (out / "top_artists.png").read_bytes()  # all countries


def test_missing_marts_are_named_not_drawn(tmp_path: Path) -> None:
    lake = LocalLake(tmp_path / "lake")
    write_synthetic_gold(lake, ["plays_hourly", "top_tracks_daily", "active_users_daily"])
    result = build_report(lake, tmp_path / "out")
    assert result.charts == ["plays_hourly", "top_tracks", "active_users"]
    assert result.missing["sessions"] == "sessions_daily"
    assert not (tmp_path / "out" / "sessions.png").exists()
    assert "no data yet for retention_weekly_by_cohort" in result.index.read_text()


def test_an_empty_lake_gives_a_page_that_says_so(tmp_path: Path) -> None:
    result = build_report(LocalLake(tmp_path / "lake"), tmp_path / "out")
    assert result.charts == []
    assert "No data yet" in result.index.read_text()


def test_the_cli_writes_the_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lake = LocalLake(tmp_path / "lake")
    write_synthetic_gold(lake, ["plays_hourly"])
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LAKE_URL", str(tmp_path / "lake"))
    result = CliRunner().invoke(app, ["report", "--out", "r", "--start", "2026-11-01"])
    assert result.exit_code == 0, result.output
    _check_png((tmp_path / "r" / "plays_hourly.png").read_bytes())
    assert lake.list(f"{REPORT_PREFIX}/")
    bad = CliRunner().invoke(app, ["report", "--country", "Sweden"])
    assert bad.exit_code != 0


@pytest.mark.parametrize(
    ("filters", "message"),
    [(Filters(start=date(2027, 1, 1), end=date(2027, 1, 2)), "no data for 2027-01-01 to 2027-01-02"),
     (Filters(country="ZZ"), "no data for country ZZ")],
)
def test_an_empty_range_or_unknown_country_says_no_data_for_it(
    full: tuple[LocalLake, Path], tmp_path: Path, filters: Filters, message: str
) -> None:
    lake, _out = full
    (tmp_path / "retention.png").write_bytes(b"stale")
    result = build_report(lake, tmp_path, filters=filters, to_lake=False)  # warnings are errors here
    assert result.empty and set(result.empty.values()) == {message}
    assert set(result.charts) | set(result.empty) == set(CHARTS)
    if filters.start:
        assert "retention" in result.empty and not (tmp_path / "retention.png").exists()
    assert f'<p class="missing">{message}</p>' in result.index.read_text()


def test_the_cli_report_on_an_empty_range_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lake = LocalLake(tmp_path / "lake")
    write_synthetic_gold(lake)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LAKE_URL", str(tmp_path / "lake"))
    result = CliRunner().invoke(app, ["report", "--out", "r", "--start", "2027-01-01", "--end", "2027-01-02"])
    assert result.exit_code == 0, result.output
    assert "retention: no data for 2027-01-01 to 2027-01-02" in result.output


def test_names_with_markup_or_dollars_are_drawn_as_text(tmp_path: Path) -> None:
    lake = LocalLake(tmp_path / "lake")
    write_synthetic_gold(lake, hostile=True)
    manifest = json.loads(lake.get("gold/_manifest.json"))
    manifest["exported_at"] = '<a href="https://evil.example/">now</a>'
    lake.put("gold/_manifest.json", json.dumps(manifest).encode())
    result = build_report(lake, tmp_path / "out", to_lake=False)  # `$\frac{1}$` is bad matplotlib math
    assert result.charts == list(CHARTS)
    page = result.index.read_text()
    assert "&lt;a href=&quot;https://evil.example/&quot;&gt;now&lt;/a&gt;" in page
    assert "<a " not in page and "evil.example/\"" not in page
