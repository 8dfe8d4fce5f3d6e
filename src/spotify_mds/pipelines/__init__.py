"""Pipelines: each package under here brings one source of data and declares what it brings.

A pipeline is a package `spotify_mds.pipelines.<name>` whose `__init__` defines `PIPELINE`, a
`Pipeline`: the RAW tables it loads, the dbt models it owns (a `--select` expression, normally its
folder `dbt/models/<name>`), the gold marts it exports, its Airflow DAGs and dashboard panels.
The core (transform, export) takes these declarations as arguments and never imports a pipeline;
a pipeline imports the core, never another pipeline (the import-linter contract in pyproject.toml).

Rules the declarations keep:
- a pipeline's selector names its own models only, never `+` its parents in another pipeline, so
  one pipeline's build never rebuilds another's models;
- a pipeline with no data (`has_data` false: a RAW table missing or empty) is neither built nor
  exported, so a demo without a Spotify account shows no empty Spotify marts.

`registry()` imports the packages by name (importlib), so this module depends on no pipeline and
the pipelines stay independent of each other for the contract.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import import_module

Query = Callable[[str], list[tuple]]
"""`query(sql) -> rows` on the warehouse (what `runner.query_function` returns)."""

PACKAGES = ("streams", "spotify_api", "breweries", "ecommerce")
"""The registered pipelines, in build order (a package may declare several, see `registry`)."""


@dataclass(frozen=True)
class Pipeline:
    name: str
    selector: str
    """dbt `--select` expression of the models this pipeline owns (no `+` into another pipeline)."""
    raw_tables: tuple[str, ...]
    """`schema.table` of each RAW table it reads; it has data when every one exists with a row."""
    marts: tuple[str, ...] = ()
    """Gold tables it exports (a test keeps them equal to the models in its marts folder)."""
    dag_ids: tuple[str, ...] = ()
    panels: tuple[str, ...] = ()
    """Dashboard panels or report charts drawn from its marts."""

    def has_data(self, query: Query) -> bool:
        """Whether every RAW table exists and holds a row (a pipeline without data is not built)."""
        return all(table_has_rows(query, table) for table in self.raw_tables)


def table_has_rows(query: Query, table: str) -> bool:
    """Whether `schema.table` exists and is not empty (portable: DuckDB, PostgreSQL, Snowflake).

    The catalog is asked first, so a missing table is never an error (an error would abort the
    open transaction on PostgreSQL).
    """
    schema, name = table.split(".")
    found = query(
        "SELECT count(*) FROM information_schema.tables"
        f" WHERE lower(table_schema) = '{schema.lower()}' AND lower(table_name) = '{name.lower()}'"
    )
    return bool(found[0][0]) and bool(query(f"SELECT 1 FROM {schema}.{name} LIMIT 1"))


def registry() -> tuple[Pipeline, ...]:
    """Every declared pipeline, in build order: each package's `PIPELINES` (or its one `PIPELINE`)."""
    declared: list[Pipeline] = []
    for package in PACKAGES:
        module = import_module(f"{__name__}.{package}")
        declared.extend(getattr(module, "PIPELINES", None) or (module.PIPELINE,))
    return tuple(declared)


def with_data(pipelines: Iterable[Pipeline], query: Query) -> tuple[Pipeline, ...]:
    """The pipelines whose RAW tables hold data: the ones to build and export."""
    return tuple(pipeline for pipeline in pipelines if pipeline.has_data(query))


def named(names: Iterable[str]) -> tuple[Pipeline, ...]:
    """The registered pipelines of these names (KeyError naming an unknown one)."""
    by_name = {pipeline.name: pipeline for pipeline in registry()}
    return tuple(by_name[name] for name in names)


__all__ = ["PACKAGES", "Pipeline", "Query", "named", "registry", "table_has_rows", "with_data"]
