"""The e-commerce pipeline (seed 003): a shop's daily CSV drops → raw Parquet → Spark → GX gates →
a star schema → dbt gold.

    generate  include/<date>/*.csv (+ the day's ground truth)         `generate/`
    ingest    raw/<table>/date=…/part.parquet                         `ingest.py`
    spark     processed/<table>/date=…/ (typed, deduplicated, joined)  `spark_job.py`
    validate  quality/<table>/date=…/validation.json (a gate per table) `quality.py`
    load      ecommerce.fact_* / dim_* (partition per drop date)      `load.py`
    dbt       gold marts (`dbt/models/ecommerce`)                      `run.py` (the edge)

`run.py` turns settings into the plain arguments these take, for the CLI (`spotify-mds ecommerce`)
and the DAGs (`dags/ecommerce_*.py`). Spark and GX are imported only when their stage runs (the
`ecommerce` extra).
"""

from __future__ import annotations

from spotify_mds.pipelines import Pipeline

PIPELINE = Pipeline(
    name="ecommerce",
    selector="path:models/ecommerce",
    raw_tables=("ecommerce.fact_orders",),
    marts=(
        "ecommerce_customer_cohorts",
        "ecommerce_daily_sales",
        "ecommerce_payment_methods",
        "ecommerce_top_categories",
        "ecommerce_top_products",
    ),
    dag_ids=("data_generator", "ecommerce_etl"),
)

__all__ = ["PIPELINE"]
