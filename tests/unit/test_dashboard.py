"""The dashboard's app and queries over synthetic gold marts in a temporary lake."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from starlette.testclient import TestClient

from spotify_mds.presentation.dashboard import create_app
from spotify_mds.presentation.dashboard import contract as contract_module
from spotify_mds.presentation.dashboard.contract import dbt_contract, dbt_marts_dir, gold_contract
from spotify_mds.presentation.dashboard.panels import PANELS
from spotify_mds.presentation.dashboard.queries import Filters, GoldReader, InvalidFilter, parse_filters
from spotify_mds.presentation.dashboard.synthetic import synthetic_marts, write_synthetic_gold
from spotify_mds.errors import ConfigError
from spotify_mds.export import mart_key
from spotify_mds.lake import LocalLake


@pytest.fixture(scope="module")
def gold_lake(tmp_path_factory: pytest.TempPathFactory) -> LocalLake:
    lake = LocalLake(tmp_path_factory.mktemp("lake"))
    write_synthetic_gold(lake)
    return lake


@pytest.fixture(scope="module")
def client(gold_lake: LocalLake) -> TestClient:
    with TestClient(create_app(gold_lake)) as client:
        yield client


# -- the contract -------------------------------------------------------------------------------------
def test_synthetic_marts_follow_the_contract_including_dbts_yaml() -> None:
    contract = gold_contract()
    for mart, table in synthetic_marts().items():
        assert table.column_names == list(contract[mart]), mart
        assert table.num_rows > 0, mart


def test_the_contract_is_dbts_yaml_and_nothing_else(tmp_path: Path) -> None:
    marts_dir = dbt_marts_dir()
    assert marts_dir is not None and (marts_dir / "plays_hourly.sql").is_file()
    contract = gold_contract()
    assert contract == dbt_contract(marts_dir)
    assert {"tracks", "artists", "users"} <= set(contract)
    # every mart the dbt project builds in that folder is in the contract, with typed columns
    assert set(contract) == {sql.stem for sql in marts_dir.glob("*.sql")}
    assert all(kind for columns in contract.values() for kind in columns.values())
    # no copy to drift: the module names no mart
    source = Path(contract_module.__file__).read_text()
    assert not [mart for mart in contract if f'"{mart}"' in source]
    (tmp_path / "_marts.yml").write_text(
        "version: 2\nmodels:\n  - name: level_conversions_daily\n    columns:\n"
        "      - {name: event_date, data_type: date}\n      - {name: upgrades, data_type: bigint}\n"
    )
    assert gold_contract(tmp_path) == {"level_conversions_daily": {"event_date": "date", "upgrades": "bigint"}}


def test_without_the_dbt_project_the_contract_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(contract_module, "dbt_marts_dir", lambda: None)
    contract_module._shipped_contract.cache_clear()
    try:
        with pytest.raises(ConfigError, match="no dbt project"):
            gold_contract()
    finally:
        monkeypatch.undo()
        contract_module._shipped_contract.cache_clear()
    assert gold_contract()


# -- filters --------------------------------------------------------------------------------------------
def test_filters_parse_dates_and_country_codes() -> None:
    assert parse_filters("2026-11-02", "2026-11-03", "se") == Filters(
        parse_filters("2026-11-02").start, parse_filters(end="2026-11-03").end, "SE"
    )
    assert parse_filters(None, "", None) == Filters()


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("2026-13-01", None, None), "start"),
        ((None, "yesterday", None), "end"),
        ((None, None, "SE' OR 1=1 --"), "country"),
        ((None, None, "SWE"), "country"),
        (("2026-11-05", "2026-11-01", None), "start"),
    ],
)
def test_bad_filters_name_the_field(args: tuple, field: str) -> None:
    with pytest.raises(InvalidFilter) as caught:
        parse_filters(*args)
    assert caught.value.field == field


# -- queries --------------------------------------------------------------------------------------------
def test_kpis_reconcile_with_the_marts(gold_lake: LocalLake) -> None:
    reader = GoldReader(gold_lake)
    hourly = pq.read_table(gold_lake.url(mart_key("listening_hourly_by_country_device"))).to_pylist()
    per_hour = pq.read_table(gold_lake.url(mart_key("plays_hourly"))).to_pylist()
    assert reader.kpis(Filters())["plays"]["value"] == sum(r["plays"] for r in per_hour)
    sweden = reader.kpis(Filters(country="SE"))["plays"]["value"]
    assert sweden == sum(r["plays"] for r in hourly if r["country_code"] == "SE")
    assert 0 < sweden < sum(r["plays"] for r in per_hour)
    reader.close()


def test_a_countrys_hourly_listeners_are_counted_not_summed_over_devices(gold_lake: LocalLake) -> None:
    """Distinct users do not add up: under a country filter the hourly panel's listeners are the
    country-grain mart's, never the per-device mart's summed (a listener on two devices counted twice)."""
    reader = GoldReader(gold_lake)
    by_country = [r for r in pq.read_table(gold_lake.url(mart_key("plays_hourly_by_country"))).to_pylist()
                  if r["country_code"] == "SE"]  # fmt: skip
    per_device = pq.read_table(gold_lake.url(mart_key("listening_hourly_by_country_device"))).to_pylist()
    shown = reader.plays_hourly(Filters(country="SE"))
    assert shown["listeners"] == [r["listeners"] for r in sorted(by_country, key=lambda r: r["hour_at"])]
    summed = sum(r["listeners"] for r in per_device if r["country_code"] == "SE")
    assert sum(shown["listeners"]) < summed  # the synthetic gold has listeners on two devices
    assert sum(shown["plays"]) == sum(r["plays"] for r in per_device if r["country_code"] == "SE")
    reader.close()


def test_date_filter_narrows_the_hours(gold_lake: LocalLake) -> None:
    reader = GoldReader(gold_lake)
    day = reader.plays_hourly(parse_filters("2026-11-02", "2026-11-02"))
    assert len(day["hour_at"]) == 24
    assert all(h.startswith("2026-11-02") for h in day["hour_at"])
    reader.close()


# -- the app --------------------------------------------------------------------------------------------
def test_every_panel_has_data(client: TestClient) -> None:
    for panel in PANELS:
        body = client.get(f"/api/panels/{panel.id}").json()
        assert body["status"] == "ok", (panel.id, body)
        assert body["figure"]["data"], panel.id


def test_country_filter_changes_country_aware_panels(client: TestClient) -> None:
    for panel in PANELS:
        if "country" not in panel.filters:
            continue
        everywhere = client.get(f"/api/panels/{panel.id}").json()["figure"]
        sweden = client.get(f"/api/panels/{panel.id}", params={"country": "SE"}).json()["figure"]
        assert everywhere != sweden, panel.id


def test_status_and_meta_describe_the_export(client: TestClient) -> None:
    status = client.get("/api/status").json()
    assert status["has_data"] and status["exported_at"] == "2026-11-09T06:00:00+00:00"
    assert set(status["marts"]) == set(gold_contract())
    meta = client.get("/api/meta").json()
    assert meta["min_date"] == "2026-10-12" and meta["max_date"] == "2026-11-08"
    assert "SE" in meta["countries"] and len(meta["panels"]) == len(PANELS)


def test_bad_filters_are_rejected_before_any_query(client: TestClient) -> None:
    response = client.get("/api/panels/top_tracks", params={"country": "x' or 1=1; drop table t --"})
    assert response.status_code == 400
    assert response.json()["field"] == "country"
    assert client.get("/api/kpis", params={"start": "2026-02-30"}).status_code == 400
    assert client.get("/api/panels/nope").status_code == 404


def test_the_app_is_read_only(client: TestClient) -> None:
    for path in ("/api/status", "/api/panels/top_tracks", "/"):
        assert client.post(path).status_code == 405
        assert client.delete(path).status_code == 405


def test_the_page_and_plotly_are_served_locally(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "Listening dashboard" in page.text
    assert "http://" not in page.text and "https://" not in page.text  # no CDN: works offline
    assert "script-src 'self'" in page.headers["content-security-policy"]
    plotly = client.get("/static/vendor/plotly.min.js")
    assert plotly.status_code == 200 and len(plotly.content) > 1_000_000
    assert client.get("/static/dashboard.js").status_code == 200


def test_a_missing_mart_says_no_data_yet(tmp_path: Path) -> None:
    lake = LocalLake(tmp_path)
    write_synthetic_gold(lake, ["plays_hourly", "top_tracks_daily", "active_users_daily"])
    with TestClient(create_app(lake)) as client:
        assert client.get("/api/panels/plays_hourly").json()["status"] == "ok"
        missing = client.get("/api/panels/sessions").json()
        assert missing == {"id": "sessions", "status": "missing", "mart": "sessions_daily",
                           "message": "no data yet for sessions_daily"}
        assert client.get("/api/kpis").json()["skip_rate"] == {"value": None, "mart": "listening_hourly_by_country_device",
                                                               "message": "no data yet for listening_hourly_by_country_device",
                                                               "scope": "all countries"}
        # the country filter needs plays_hourly_by_country, which is not there yet
        assert client.get("/api/panels/plays_hourly", params={"country": "SE"}).json()["mart"] == "plays_hourly_by_country"


def test_an_empty_lake_has_no_data(tmp_path: Path) -> None:
    with TestClient(create_app(LocalLake(tmp_path))) as client:
        assert client.get("/api/status").json()["has_data"] is False
        assert client.get("/api/meta").json()["min_date"] is None
        for panel in PANELS:
            body = client.get(f"/api/panels/{panel.id}").json()
            assert body["status"] == "missing" and body["message"] == f"no data yet for {body['mart']}"


def test_plotly_is_sent_compressed(client: TestClient) -> None:
    response = client.get("/static/vendor/plotly.min.js", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"


# -- data is text -------------------------------------------------------------------------------------
def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    return []


def test_markup_in_names_reaches_plotly_as_escaped_text(tmp_path: Path) -> None:
    lake = LocalLake(tmp_path / "lake")
    write_synthetic_gold(lake, hostile=True)
    with TestClient(create_app(lake)) as client:
        for panel in PANELS:
            body = client.get(f"/api/panels/{panel.id}").json()
            assert body["status"] == "ok", panel.id
            for trace in body["figure"]["data"]:
                data = {k: v for k, v in trace.items() if k not in ("hovertemplate", "texttemplate", "marker", "line")}
                raw = [s for s in _strings(data) if "<" in s or ">" in s]
                assert raw == [], f"{panel.id}: markup reaches plotly unescaped: {raw[:2]}"
                # A template names the data; it never has data formatted into it.
                assert "evil.example" not in trace.get("hovertemplate", ""), panel.id
        artists = client.get("/api/panels/top_artists").json()["figure"]["data"][0]["y"]
        assert any(name.startswith('&lt;a href="https://evil.example/"&gt;click me&lt;/a&gt; ') for name in artists)
        assert any("&lt;b&gt;bold&lt;/b&gt; &amp;amp; $\\frac{1}$ %{y}" in name for name in artists)
        devices = [t["name"] for t in client.get("/api/panels/device_mix").json()["figure"]["data"]]
        assert '&lt;a href="https://evil.example/"&gt;click me&lt;/a&gt;' in devices


# -- empty answers and what the KPIs cover ------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "message"),
    [("start=2027-01-01&end=2027-01-02", "no data for 2027-01-01 to 2027-01-02"), ("country=ZZ", "no data for country ZZ")],
)
def test_an_empty_answer_says_no_data_for_what_was_asked(client: TestClient, query: str, message: str) -> None:
    for panel in PANELS:
        body = client.get(f"/api/panels/{panel.id}?{query}").json()
        follows = "date" in panel.filters if query.startswith("start") else panel.id in {
            "plays_hourly", "top_tracks", "device_mix"}
        if follows:
            assert (body["status"], body["message"]) == ("empty", message), panel.id
        else:
            assert body["status"] == "ok", panel.id
    kpis = client.get(f"/api/kpis?{query}").json()
    assert kpis["plays"] == {"value": None, "mart": kpis["plays"]["mart"], "message": message,
                             "scope": "ZZ" if "country" in query else "all countries"}


def test_every_kpi_follows_the_country_filter(gold_lake: LocalLake) -> None:
    reader = GoldReader(gold_lake)
    everyone, sweden = reader.kpis(Filters()), reader.kpis(Filters(country="SE"))
    assert {k["scope"] for k in sweden.values()} == {"SE"} and {k["scope"] for k in everyone.values()} == {"all countries"}
    for name in ("plays", "hours_played", "avg_daily_active_users", "avg_session_minutes", "skip_rate"):
        assert sweden[name]["value"] is not None and sweden[name]["value"] != everyone[name]["value"], name
    assert sweden["avg_daily_active_users"]["mart"] == "active_users_daily_by_country"
    assert sweden["avg_session_minutes"]["mart"] == "sessions_daily_by_country"
    dau = reader.query("select avg(active_users) as v from {active_users_daily_by_country} where country_code = 'SE'",
                       marts=["active_users_daily_by_country"])["v"][0]
    assert sweden["avg_daily_active_users"]["value"] == pytest.approx(dau)
    reader.close()
