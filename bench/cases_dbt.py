"""Benchmark cases for the dbt build, beside its ceiling: the same compiled SQL run directly in DuckDB.

Both start from a copy of the same loaded warehouse (bench.cases_pipeline.loaded_warehouse) and
build the streams pipeline's models with the same DuckDB memory limit (DUCKDB_MEMORY_LIMIT's
default). The difference between them is dbt's own work: start-up and parsing, adapters and
materialisation macros, the data tests, run artifacts.
"""

from __future__ import annotations

import graphlib
import json
import shutil
from pathlib import Path

from bench.cases_pipeline import loaded_warehouse
from bench.harness import started


def _streams_env(db: Path) -> dict[str, str]:
    from spotify_mds.settings import Settings

    limit = Settings.model_fields["duckdb_memory_limit"].default
    return {"WAREHOUSE": "duckdb", "DUCKDB_PATH": str(db), "DUCKDB_MEMORY_LIMIT": limit}


def _selector() -> str:
    from spotify_mds.pipelines.streams import PIPELINE

    return PIPELINE.selector


def transform_dbt(volume: int, workdir: Path) -> int:
    """`dbt build` of the streams models and their data tests, from a fresh state folder (a full parse)."""
    from spotify_mds import transform

    db = workdir / "transform-bench.duckdb"
    shutil.copyfile(loaded_warehouse(volume, workdir), db)
    state = workdir / "dbt-state"  # emptied: a full parse every run, as in a fresh data dir of `spotify-mds run`
    shutil.rmtree(state, ignore_errors=True)
    started()
    transform.build(env=_streams_env(db), target="duckdb", state_dir=state, select=_selector())
    return volume


def transform_compiled_sql(volume: int, workdir: Path) -> int:
    """The models' SQL as dbt compiled it, run in dependency order on one DuckDB connection (no tests)."""
    from spotify_mds import transform
    from spotify_mds.warehouse import duckdb as duck

    db = workdir / "transform-bench.duckdb"  # the same name as the dbt case's: the compiled SQL names it
    shutil.copyfile(loaded_warehouse(volume, workdir), db)
    state = workdir / "dbt-compile-state"
    shutil.rmtree(state, ignore_errors=True)
    env = _streams_env(db)
    transform.run_dbt(["compile"], env=env, target="duckdb", state_dir=state, select=_selector())
    statements = _statements(json.loads((state / "target" / "manifest.json").read_text()), _selected(state))
    con = duck.connect(db, memory_limit=env["DUCKDB_MEMORY_LIMIT"])
    started()
    for sql in statements:
        con.execute(sql)
    con.close()
    return volume


def _selected(state: Path) -> set[str]:
    """The unique ids of the nodes the compile ran (its run_results.json)."""
    results = json.loads((state / "target" / "run_results.json").read_text())["results"]
    return {r["unique_id"] for r in results}


def _statements(manifest: dict, selected: set[str]) -> list[str]:
    """CREATE statements for the selected models, each after the models it reads."""
    models = {uid: node for uid, node in manifest["nodes"].items()
              if uid in selected and node["resource_type"] == "model"}  # fmt: skip
    order = graphlib.TopologicalSorter({uid: [d for d in node["depends_on"]["nodes"] if d in models]
                                        for uid, node in models.items()})  # fmt: skip
    statements = []
    for uid in order.static_order():
        node = models[uid]
        kind = "VIEW" if node["config"]["materialized"] == "view" else "TABLE"
        schema = node["relation_name"].rsplit(".", 1)[0]
        statements += [f"CREATE SCHEMA IF NOT EXISTS {schema}",
                       f"CREATE OR REPLACE {kind} {node['relation_name']} AS {node['compiled_code']}"]  # fmt: skip
    return statements
