"""Pipeline declarations: what each brings, that no pipeline's models reach into another's, and that
a pipeline without data is neither built nor exported."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from spotify_mds import runner
from spotify_mds.export import export_gold, read_manifest
from spotify_mds.lake import MemoryLake
from spotify_mds.pipelines import Pipeline, named, registry, table_has_rows, with_data
from spotify_mds.pipelines.spotify_api import PIPELINE as SPOTIFY_API
from spotify_mds.pipelines.spotify_api import VS_STREAMS
from spotify_mds.results import RunSummary, TransformResult
from spotify_mds.settings import Settings
from spotify_mds.transform import models_in, project_dir, selection

MODELS = project_dir() / "models"


def folders(pipeline: Pipeline) -> list[str]:
    tokens = pipeline.selector.split()
    assert all(token.startswith("path:models/") for token in tokens), pipeline.selector  # no `+`, no graph walk
    return [token.removeprefix("path:models/") for token in tokens]


def sql_files(pipeline: Pipeline) -> list[Path]:
    return [path for folder in folders(pipeline) for path in sorted((MODELS / folder).rglob("*.sql"))]


def refs(path: Path) -> set[str]:
    return set(re.findall(r"ref\(\s*'([^']+)'\s*\)", path.read_text()))


def test_the_registry_declares_streams_and_spotify_api_once_each():
    names = [pipeline.name for pipeline in registry()]
    assert names[:2] == ["streams", "spotify_api"] and len(names) == len(set(names))
    assert named(["spotify_api"]) == (SPOTIFY_API,)
    assert named(["breweries"])[0].raw_tables == ("raw.breweries",)
    with pytest.raises(KeyError):
        named(["no_such_pipeline"])


def test_every_model_folder_belongs_to_exactly_one_pipeline():
    owned = [folder for pipeline in registry() for folder in folders(pipeline)]
    assert len(owned) == len(set(owned))
    assert all((MODELS / folder).is_dir() for folder in owned), owned  # a stale selector selects nothing
    assert sorted(owned) == sorted(path.name for path in MODELS.iterdir() if path.is_dir())


def test_declared_marts_are_the_models_of_the_marts_folders():
    assert SPOTIFY_API.marts == models_in("spotify_api/marts")
    assert VS_STREAMS.marts == models_in("spotify_api_vs_streams")
    assert named(["streams"])[0].marts == models_in("streams/marts")
    marts = [mart for pipeline in registry() for mart in pipeline.marts]
    assert len(marts) == len(set(marts))


def test_a_pipeline_with_one_source_refs_only_its_own_models():
    """The Spotify models reffed the streams' staging: the API build rebuilt the streams' silver."""
    for pipeline in registry():
        if len(pipeline.raw_tables) != 1:
            continue
        own = {path.stem for path in sql_files(pipeline)}
        for path in sql_files(pipeline):
            assert refs(path) <= own, f"{pipeline.name}: {path.name} reads {sorted(refs(path) - own)}"


def test_a_comparison_reads_only_the_pipelines_whose_raw_tables_it_needs():
    owner = {path.stem: pipeline for pipeline in registry() for path in sql_files(pipeline)}
    read = {owner[name].name for path in sql_files(VS_STREAMS) for name in refs(path)} - {VS_STREAMS.name}
    sources = set(VS_STREAMS.raw_tables)
    needed = {p.name for p in registry() if len(p.raw_tables) == 1 and set(p.raw_tables) <= sources}
    assert read == needed == {"streams", "spotify_api"}


def test_has_data_needs_every_raw_table_to_exist_with_a_row():
    con = duckdb.connect()
    query = lambda sql: con.execute(sql).fetchall()  # noqa: E731
    assert not table_has_rows(query, "raw.spotify_api_records")  # no schema, no table: not an error
    con.execute("CREATE SCHEMA raw; CREATE TABLE raw.spotify_api_records (item VARCHAR)")
    assert not table_has_rows(query, "raw.spotify_api_records")
    con.execute("INSERT INTO raw.spotify_api_records VALUES ('{}')")
    assert [p.name for p in with_data(registry(), query)] == ["spotify_api"]
    con.execute("CREATE TABLE raw.listening_events AS SELECT 'e' AS event_id")
    assert [p.name for p in with_data(registry(), query)] == ["streams", "spotify_api", "spotify_api_vs_streams"]


def test_the_selection_is_the_union_of_the_pipelines_selectors_and_none_without_pipelines():
    assert selection([SPOTIFY_API, VS_STREAMS]) == "path:models/spotify_api path:models/spotify_api_vs_streams"
    assert selection([]) is None


def test_export_writes_only_the_marts_asked_for_that_gold_has():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA gold; CREATE TABLE gold.plays_per_hour AS SELECT 1 AS plays")
    con.execute("CREATE TABLE gold.spotify_api_plays AS SELECT 1 AS plays")
    lake = MemoryLake()
    result = export_gold(con, lake, marts=["plays_per_hour", "spotify_api_tracks"])
    assert result.rows == {"plays_per_hour": 1}
    assert list(read_manifest(lake)["marts"]) == ["plays_per_hour"]
    assert [info.key for info in lake.list("gold/spotify_api_plays/")] == []


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return Settings(_env_file=None, data_dir=tmp_path / "data", lake_url=str(tmp_path / "lake"))


def test_without_data_the_runner_builds_nothing(settings):
    settings.data_dir.mkdir()
    summary = RunSummary()
    summary.add(runner.transform(settings))
    assert summary.pipelines == [] and "transform" not in summary.seconds  # dbt was not started


def test_the_runner_exports_only_the_marts_of_pipelines_with_data(settings):
    settings.data_dir.mkdir()
    con = duckdb.connect(str(settings.duckdb_file))
    con.execute("CREATE SCHEMA raw; CREATE SCHEMA gold")
    con.execute("CREATE TABLE raw.listening_events AS SELECT TIMESTAMP '2026-11-20 10:00' AS \"timestamp\"")
    con.execute("CREATE TABLE raw.spotify_api_records (item VARCHAR)")  # extracted nothing yet
    streams_mart = named(["streams"])[0].marts[0]
    con.execute(f"CREATE TABLE gold.{streams_mart} AS SELECT 3 AS plays")
    con.execute("CREATE TABLE gold.spotify_api_plays AS SELECT 1 AS plays WHERE false")  # an empty mart of old
    con.close()
    summary = RunSummary()
    summary.add(runner.export(settings))
    assert summary.marts == {streams_mart: 1}


def test_every_declared_dag_is_a_dag_file():
    import ast

    dags = Path(__file__).resolve().parents[2] / "dags"
    dag_ids = set()
    for path in dags.glob("*.py"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "DAG_ID":
                dag_ids.add(node.value.value)
    declared = {dag_id for pipeline in registry() for dag_id in pipeline.dag_ids}
    assert declared <= dag_ids, declared - dag_ids


def test_a_dag_s_transform_builds_only_the_pipelines_declaring_it(settings, monkeypatch):
    from spotify_mds import orchestrate

    built = []
    monkeypatch.setattr(runner, "transform", lambda _s, pipelines=None: built.append(pipelines) or TransformResult())
    orchestrate.transform(settings, dag_id="spotify_pipeline")
    orchestrate.transform(settings)
    assert [p.name for p in built[0]] == ["streams"] and built[1] is None
