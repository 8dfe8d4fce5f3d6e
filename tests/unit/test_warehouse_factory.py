"""The warehouse is chosen in one place: `warehouse_from(settings)`; nothing else asks WAREHOUSE."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from spotify_mds.settings import load_settings
from spotify_mds.warehouse import warehouse_from

SRC = Path(__file__).resolve().parents[2] / "src" / "spotify_mds"


@pytest.mark.parametrize(("warehouse", "cls", "identity"), [
    ("duckdb", "DuckDBWarehouse", "duckdb://"),
    ("postgres", "PostgresWarehouse", "postgres://127.0.0.1:5432/spotify"),
    ("snowflake", "SnowflakeWarehouse", "snowflake://acme/SPOTIFY_MDS"),
])  # fmt: skip
def test_the_factory_builds_the_configured_back_end(tmp_path, monkeypatch, warehouse, cls, identity):
    for name in ("POSTGRES_HOST", "POSTGRES_PORT", "POSTGRES_DB", "SNOWFLAKE_DATABASE"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(_env_file=None, data_dir=tmp_path, warehouse=warehouse, snowflake_account="acme",
                             postgres_host="127.0.0.1", postgres_port=5432, postgres_db="spotify")  # fmt: skip
    built = warehouse_from(settings)
    assert type(built).__name__ == cls and built.name == warehouse
    assert built.identity.startswith(identity) and built.dbt_env["WAREHOUSE"] == warehouse


def test_no_module_but_the_factory_branches_on_the_warehouse_setting():
    ladder = re.compile(r"\.warehouse\s*(==|!=|in\s*\()")
    found = [
        f"{path.relative_to(SRC)}:{number}"
        for path in SRC.rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if ladder.search(line) and path.relative_to(SRC).as_posix() != "warehouse/__init__.py"
    ]
    assert found == []


def test_metabase_connects_with_the_factory_s_parameters(tmp_path):
    from spotify_mds.presentation.metabase import database_spec

    settings = load_settings(_env_file=None, data_dir=tmp_path, warehouse="postgres", postgres_host="127.0.0.1",
                             postgres_port=5433, postgres_db="mds", postgres_user="u", postgres_password="pw")  # fmt: skip
    spec = database_spec("w", warehouse_from(settings), host="postgres")
    assert (spec.engine, spec.details["host"], spec.details["port"], spec.details["dbname"]) == ("postgres", "postgres", 5433, "mds")
    assert spec.details["user"] == "u" and spec.details["password"] == "pw"


def test_duckdb_memory_limit_reaches_the_loader_and_dbt(tmp_path):
    import duckdb

    settings = load_settings(_env_file=None, data_dir=tmp_path, warehouse="duckdb", duckdb_memory_limit="256MB")
    built = warehouse_from(settings)
    con = built.connect()
    try:
        applied = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    finally:
        con.close()
    reference = duckdb.connect()
    reference.execute("SET memory_limit = '256MB'")
    assert applied == reference.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    assert built.dbt_env["DUCKDB_MEMORY_LIMIT"] == "256MB"  # dbt/profiles.yml reads it


@pytest.mark.parametrize("value", ["lots", "1 G", "-1GB", "1GB; DROP TABLE x", ""])
def test_a_bad_duckdb_memory_limit_names_the_setting(tmp_path, value):
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="DUCKDB_MEMORY_LIMIT"):
        load_settings(_env_file=None, data_dir=tmp_path, DUCKDB_MEMORY_LIMIT=value)


def test_dbt_s_profile_defaults_to_the_settings_memory_limit():
    from spotify_mds.settings import Settings

    profile = (SRC.parents[1] / "dbt" / "profiles.yml").read_text()
    default = Settings.model_fields["duckdb_memory_limit"].default
    assert f"env_var('DUCKDB_MEMORY_LIMIT', '') or '{default}'" in profile
