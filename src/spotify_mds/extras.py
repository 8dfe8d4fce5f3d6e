"""Optional parts: which extra installs which module, and one way to import them.

A bare install (`pip install spotify-mds`) runs the embedded pipeline; Kafka, PostgreSQL, Snowflake,
S3, Metabase, the dashboard and the Spotify extract each need an extra. Every import of an optional
module goes through `require()`, so a missing extra is one line naming the command that installs it
(`ComponentUnavailable: Kafka (BROKER=kafka) needs confluent_kafka: pip install 'spotify-mds[kafka]'`),
never a `ModuleNotFoundError` traceback. A unit test walks the package's source for optional imports
that bypass it.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from spotify_mds.errors import ComponentUnavailable

# module (or package prefix) → the extra of pyproject.toml that installs it.
OPTIONAL_MODULES: dict[str, str] = {
    "confluent_kafka": "kafka",
    "psycopg": "postgres",
    "dbt.adapters.postgres": "postgres",
    "snowflake.connector": "snowflake",
    "dbt.adapters.snowflake": "snowflake",
    "s3fs": "s3",
    "httpx2": "metabase",
    "httpx": "spotify",
    "starlette": "dashboard",
    "uvicorn": "dashboard",
    "plotly": "dashboard",
    "matplotlib": "dashboard",
    "airflow": "airflow",
    "prometheus_client": "metrics",
    "pyspark": "ecommerce",
    "great_expectations": "ecommerce",
}

# What each extra is for, as the error message says it.
PURPOSES: dict[str, str] = {
    "kafka": "Kafka (BROKER=kafka)",
    "postgres": "PostgreSQL (WAREHOUSE=postgres)",
    "snowflake": "Snowflake (WAREHOUSE=snowflake)",
    "s3": "an s3:// lake (LAKE_URL, MINIO_ENDPOINT)",
    "metabase": "Metabase provisioning",
    "spotify": "the Spotify extract",
    "dashboard": "the dashboard (and the report)",
    "airflow": "the Airflow DAGs",
    "metrics": "Prometheus metrics (LANDER_METRICS_PORT, PUSHGATEWAY_URL, ...)",
    "ecommerce": "the e-commerce pipeline (Spark and Great Expectations)",
}

# Modules that import an extra's packages at their top: their callers `require_extra()` first.
GUARDED_MODULES: dict[str, str] = {
    "spotify_mds.presentation.dashboard": "dashboard",  # the sub-package's __init__ imports its Starlette app
    "spotify_mds.presentation.report": "dashboard",
    # The e-commerce job and gates import pyspark and GX inside their functions; `run` requires the extra.
    "spotify_mds.pipelines.ecommerce.spark_job": "ecommerce",
    "spotify_mds.pipelines.ecommerce.quality": "ecommerce",
}


def extra_of(module: str) -> str | None:
    """The extra that installs `module` (the longest matching prefix), or None for a core module."""
    matches = [name for name in OPTIONAL_MODULES if module == name or module.startswith(name + ".")]
    return OPTIONAL_MODULES[max(matches, key=len)] if matches else None


def install_hint(extra: str) -> str:
    return f"pip install 'spotify-mds[{extra}]'"


def require(module: str, *, purpose: str = "") -> ModuleType:
    """Import an optional module, or raise ComponentUnavailable naming the extra to install."""
    extra = extra_of(module)
    if extra is None:  # a programming error: only optional modules come through here
        raise ValueError(f"{module} is not an optional module (add it to OPTIONAL_MODULES)")
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        missing = getattr(exc, "name", None) or module
        what = purpose or PURPOSES[extra]
        raise ComponentUnavailable(f"{what} needs {missing}: {install_hint(extra)}") from exc


def require_extra(extra: str, *, purpose: str = "") -> None:
    """Check that every module of `extra` imports (before importing a module that needs them all)."""
    for module, owner in OPTIONAL_MODULES.items():
        if owner == extra:
            require(module, purpose=purpose)
