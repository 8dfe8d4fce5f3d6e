"""The export's manifest carries the gold contract for readers that have no dbt project."""

from __future__ import annotations

import json

import duckdb

from spotify_mds.presentation.dashboard.contract import gold_contract
from spotify_mds.export import MANIFEST_KEY, export_gold
from spotify_mds.lake import LocalLake


def _gold_with(marts: list[str]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema gold")
    contract = gold_contract()
    for mart in marts:
        columns = ", ".join(f'"{name}" {kind}' for name, kind in contract[mart].items())
        con.execute(f"create table gold.{mart} ({columns})")
    return con


def test_the_manifest_carries_the_contract_of_the_exported_marts(tmp_path) -> None:
    lake = LocalLake(tmp_path)
    con = _gold_with(["plays_hourly", "users"])
    export_gold(con, lake, contract=gold_contract())
    manifest = json.loads(lake.get(MANIFEST_KEY))
    assert manifest["contract"] == {mart: gold_contract()[mart] for mart in ("plays_hourly", "users")}
    assert list(manifest["contract"]["users"])[:2] == ["user_id", "first_seen_at"]  # column order kept


def test_without_a_contract_the_manifest_is_as_before(tmp_path) -> None:
    lake = LocalLake(tmp_path)
    export_gold(_gold_with(["plays_hourly"]), lake)
    assert "contract" not in json.loads(lake.get(MANIFEST_KEY))
