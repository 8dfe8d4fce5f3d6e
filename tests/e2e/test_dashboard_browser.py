"""The dashboard in a real browser: headless Chromium (Debian's) driven by Playwright.

Without /usr/bin/chromium (or the playwright package) these tests skip with the reason, unless CI=true,
where they fail. docs/dashboard.png comes from a real demo run (`make screenshot`), never from here.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from spotify_mds.presentation.dashboard import create_app
from spotify_mds.presentation.dashboard.panels import PANELS
from spotify_mds.presentation.dashboard.synthetic import HOSTILE_NAMES, write_synthetic_gold
from spotify_mds.lake import LocalLake

pytestmark = pytest.mark.e2e

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


def _missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: browser tests must run)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed (pip install -e '.[dev]')")
    if not Path(CHROMIUM).is_file():
        _missing(f"no Chromium at {CHROMIUM} (apt-get install -y chromium chromium-driver)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def serve() -> Iterator[object]:
    """Start the dashboard over a lake in a background thread; yield its URL."""
    import uvicorn

    servers = []

    def start(lake: LocalLake, poll_seconds: float = 12) -> str:
        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(lake, poll_seconds=poll_seconds), host="127.0.0.1",
                                               port=port, log_level="warning", lifespan="on"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline, "the dashboard server did not start"
            time.sleep(0.05)
        servers.append((server, thread))
        return f"http://127.0.0.1:{port}/"

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(timeout=10)


def _open(browser: object, url: str) -> object:
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.errors = errors
    page.goto(url)
    return page


def _wait_refreshes(page: object, count: int) -> None:
    page.wait_for_selector(f'body[data-refreshes="{count}"]', state="attached", timeout=20_000)


def _figures(page: object) -> dict[str, str]:
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('.plot')].map(
            (el) => [el.id.slice(5), JSON.stringify((el.data || []).map((t) => [t.x, t.y, t.z, t.marker && t.marker.color]))]))"""
    )


def _kpis(page: object) -> dict[str, str]:
    return page.evaluate(
        "() => Object.fromEntries([...document.querySelectorAll('.kpi')].map("
        "(k) => [k.dataset.kpi, k.querySelector('.value').textContent]))"
    )


def test_every_panel_renders_and_filters_change_the_charts(browser: object, serve: object, tmp_path: Path) -> None:
    lake = LocalLake(tmp_path / "lake")
    write_synthetic_gold(lake)
    page = _open(browser, serve(lake))
    _wait_refreshes(page, 1)

    for panel in PANELS:
        plot = page.locator(f"#plot-{panel.id}")
        assert plot.get_attribute("data-state") == "ok", panel.id
        assert plot.is_visible(), panel.id
        assert plot.locator("svg.main-svg").count() > 0, panel.id
        assert plot.locator(".trace, .hm").count() > 0, panel.id
    assert "no data yet" not in page.locator("body").inner_text().lower()
    assert page.locator("#exported-at").inner_text() == "Mon, 09 Nov 2026, 06:00 UTC"
    assert page.locator("#no-data").is_hidden()
    assert page.locator('.kpi[data-kpi="plays"] .value').inner_text() != "—"
    before = _figures(page)

    page.fill("#start", "2026-10-26")
    page.fill("#end", "2026-11-01")
    page.click("#apply")
    _wait_refreshes(page, 2)
    dated = _figures(page)
    dated_kpis = _kpis(page)
    for panel in PANELS:
        if "date" in panel.filters:
            assert dated[panel.id] != before[panel.id], f"{panel.id} ignored the date filter"
        else:
            assert dated[panel.id] == before[panel.id], f"{panel.id} is all-time and should not change"
    hours = json.loads(dated["plays_hourly"])[0][0]
    assert hours[0].startswith("2026-10-26") and hours[-1].startswith("2026-11-01")

    page.select_option("#country", "SE")
    _wait_refreshes(page, 3)
    sweden = _figures(page)
    for panel in PANELS:
        if "country" in panel.filters:
            assert sweden[panel.id] != dated[panel.id], f"{panel.id} ignored the country filter"
    assert "country=SE" in page.url and "start=2026-10-26" in page.url
    # Every headline number follows the country too (none keeps the all-countries figure).
    assert _kpis(page) != dated_kpis and all(v != dated_kpis[k] for k, v in _kpis(page).items())
    for panel in PANELS:
        assert page.locator(f"#plot-{panel.id}").get_attribute("data-state") == "ok", panel.id

    page.select_option("#country", "")
    page.click("#reset")
    _wait_refreshes(page, 5)
    assert "?" not in page.url
    shot = tmp_path / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000
    assert page.errors == []
    page.close()


def test_an_empty_lake_says_no_data_yet_then_follows_the_first_export(
    browser: object, serve: object, tmp_path: Path
) -> None:
    lake = LocalLake(tmp_path / "lake")
    page = _open(browser, serve(lake, poll_seconds=0.5))
    _wait_refreshes(page, 1)
    assert page.locator("#no-data").is_visible()
    assert "No data yet." in page.locator("#no-data").inner_text()
    assert page.locator("#empty-plays_hourly").inner_text() == "no data yet for plays_hourly"
    assert page.locator("#empty-retention").inner_text() == "no data yet for retention_weekly_by_cohort"

    # The pipeline exports for the first time: the page picks it up by itself.
    write_synthetic_gold(lake, ["plays_hourly", "top_tracks_daily", "active_users_daily"])
    _wait_refreshes(page, 2)
    assert page.locator("#no-data").is_hidden()
    assert page.locator("#plot-plays_hourly").get_attribute("data-state") == "ok"
    assert page.locator("#plot-top_tracks").get_attribute("data-state") == "ok"
    assert page.locator("#empty-sessions").inner_text() == "no data yet for sessions_daily"
    assert page.errors == []
    page.close()


def test_markup_in_names_is_shown_as_text_and_injects_nothing(browser: object, serve: object, tmp_path: Path) -> None:
    lake = LocalLake(tmp_path / "lake")
    write_synthetic_gold(lake, hostile=True)
    page = _open(browser, serve(lake))
    _wait_refreshes(page, 1)
    for panel in PANELS:
        assert page.locator(f"#plot-{panel.id}").get_attribute("data-state") == "ok", panel.id

    # Nothing from the data became an element: no link, no styled span, no image, no script effect.
    injected = page.evaluate(
        """() => ({
            links: [...document.querySelectorAll('a[href], a[*|href]')].map((a) => a.outerHTML.slice(0, 120)),
            svgLinks: document.querySelectorAll('.plot svg a').length,
            styled: [...document.querySelectorAll('.plot tspan[style], .plot span[style]')]
                .filter((n) => /position|inset|background/.test(n.getAttribute('style'))).length,
            byId: document.querySelectorAll('#injected').length,
            images: document.querySelectorAll('img').length,
            flag: document.body.dataset.injected || null,
        })"""
    )
    assert injected == {"links": [], "svgLinks": 0, "styled": 0, "byId": 0, "images": 0, "flag": None}

    # ... and the names are there, literally, in the tick labels and the legend.
    artists = page.locator("#plot-top_artists").inner_text() + page.evaluate(
        "() => [...document.querySelectorAll('#plot-top_artists .ytick text')].map((t) => t.textContent).join('\\n')")
    assert '<a href="https://evil.example/">click me</a> ' in artists
    assert "<b>bold</b> &amp; $\\frac{1}$ %{y} {{country}}" in artists
    legend = page.evaluate(
        "() => [...document.querySelectorAll('#plot-device_mix .legendtext')].map((t) => t.textContent)")
    assert '<a href="https://evil.example/">click me</a>' in legend

    # The hover box shows the name as text too.
    page.evaluate("() => Plotly.Fx.hover('plot-top_artists', [{curveNumber: 0, pointNumber: 9}])")
    page.wait_for_selector("#plot-top_artists .hovertext", timeout=5_000)
    hover = page.evaluate("() => document.querySelector('#plot-top_artists .hovertext').textContent")
    assert any(name in hover for name in HOSTILE_NAMES), hover
    assert page.locator("#plot-top_artists .hovertext a").count() == 0
    assert page.errors == []
    page.close()


def test_an_empty_range_says_no_data_for_it(browser: object, serve: object, tmp_path: Path) -> None:
    lake = LocalLake(tmp_path / "lake")
    write_synthetic_gold(lake)
    page = _open(browser, serve(lake) + "?start=2027-01-01&end=2027-01-02")
    _wait_refreshes(page, 1)
    for panel in PANELS:
        plot = page.locator(f"#plot-{panel.id}")
        if "date" in panel.filters:
            assert plot.get_attribute("data-state") == "empty", panel.id
            assert plot.is_hidden(), panel.id
            assert page.locator(f"#empty-{panel.id}").inner_text() == "no data for 2027-01-01 to 2027-01-02"
    assert page.locator('.kpi[data-kpi="plays"] .value').inner_text() == "no data for 2027-01-01 to 2027-01-02"
    assert page.errors == []
    page.close()


def test_the_screenshot_command_draws_every_panel_of_an_export(browser: object, tmp_path: Path) -> None:
    from PIL import Image

    from spotify_mds.presentation.dashboard.screenshot import capture, ensure_demo_export, serving

    write_synthetic_gold(LocalLake(tmp_path / "data" / "lake"))
    lake = ensure_demo_export(tmp_path / "data")  # an export is there: no demo run
    out = tmp_path / "docs" / "dashboard.png"
    with serving(lake) as url:
        capture(browser, url, out)
    image = Image.open(out)
    assert image.format == "PNG" and image.width == 1440 and image.height > 2000  # every panel, full page
    assert len(image.convert("RGB").resize((144, 270)).getcolors(maxcolors=144 * 270)) > 200


def test_the_breweries_page_renders_its_chart_and_escapes_names(browser: object, serve: object, tmp_path: Path) -> None:
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    from spotify_mds.export import mart_key
    from spotify_mds.pipelines.breweries.chart import draw

    lake = LocalLake(tmp_path / "lake")
    page = _open(browser, serve(lake) + "breweries")
    assert "No breweries exported yet" in page.locator("body").inner_text()
    rows = [
        {"snapshot_date": "2026-12-01", "brewery_type": "micro", "country": "United States", "state_province": "Oregon", "breweries": 250},
        {"snapshot_date": "2026-12-01", "brewery_type": "brewpub", "country": "Belgium", "state_province": "Région wallonne", "breweries": 40},
        {"snapshot_date": "2026-12-01", "brewery_type": "nano", "country": "<img src=x onerror=alert(1)>", "state_province": None, "breweries": 3},
    ]
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), buffer)
    lake.put(mart_key("breweries_per_type_location"), buffer.getvalue())
    draw(lake, rows, "2026-12-01", None)
    page.reload()
    chart = page.locator("#breweries-chart")
    chart.wait_for(state="visible")
    assert page.evaluate("() => document.querySelector('#breweries-chart').complete") is True
    assert page.evaluate("() => document.querySelector('#breweries-chart').naturalWidth") >= 800
    text = page.locator("body").inner_text()
    assert "293 breweries in 3 locations" in text and "<img src=x onerror=alert(1)> / unknown" in text
    assert page.locator("table img").count() == 0  # a name is text, never markup
    assert page.errors == []
