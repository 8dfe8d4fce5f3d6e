"""The e-commerce pipeline's parts that need no Spark, GX or server: the generator, its ground truth
(recomputed here from the CSV files alone), the faults, ingestion and the edge's settings."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

import pyarrow.parquet as pq

from spotify_mds.lake import LocalLake, MemoryLake
from spotify_mds.pipelines.ecommerce import PIPELINE, run
from spotify_mds.pipelines.ecommerce.generate import ShopConfig, generate, read_truths
from spotify_mds.pipelines.ecommerce.ingest import ingest_day, ingest_table, raw_key
from spotify_mds.pipelines.ecommerce.schema import CSV_COLUMNS, TABLES
from spotify_mds.settings import load_settings

START = date(2026, 11, 2)
CONFIG = ShopConfig(seed=3, orders_per_day=40)


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def cents(text: str) -> int:
    whole, _, frac = text.partition(".")
    sign = -1 if whole.startswith("-") else 1
    return sign * (abs(int(whole)) * 100 + int(frac))


def test_same_seed_same_bytes_and_a_second_run_rewrites_nothing(tmp_path):
    first = generate(tmp_path / "a", START, 3, CONFIG)
    generate(tmp_path / "b", START, 3, CONFIG)
    for day in first.days:
        for table in TABLES:
            a = (tmp_path / "a" / day.isoformat() / f"{table}.csv").read_bytes()
            assert a == (tmp_path / "b" / day.isoformat() / f"{table}.csv").read_bytes()
    assert generate(tmp_path / "a", START, 3, CONFIG).files_written == 0
    # A later day alone is the same as that day of the whole run (the shop is replayed from its start).
    alone = generate(tmp_path / "c", START, 3, CONFIG, only={START + timedelta(days=2)})
    day = (START + timedelta(days=2)).isoformat()
    assert alone.days == [START + timedelta(days=2)]
    assert (tmp_path / "c" / day / "orders.csv").read_bytes() == (tmp_path / "a" / day / "orders.csv").read_bytes()


def test_the_truth_matches_the_files_recomputed_from_csv_alone(tmp_path):
    made = generate(tmp_path, START, 7, CONFIG)
    seen: set[str] = set()
    for truth in read_truths(tmp_path, made.days):
        folder = tmp_path / truth["date"]
        orders, items, payments = rows(folder / "orders.csv"), rows(folder / "order_items.csv"), rows(folder / "payments.csv")
        status = {o["order_id"]: o["status"] for o in orders}
        paid = {oid for oid, s in status.items() if s in ("delivered", "shipped", "processing")}
        approved = [p for p in payments if p["status"] == "approved"]
        assert truth["orders"] == len(orders) and truth["paid_orders"] == len(paid)
        assert truth["revenue_cents"] == sum(cents(p["amount"]) for p in approved)
        assert truth["payments"] == len(payments)
        assert truth["failed_payments"] == sum(p["status"] == "failed" for p in payments)
        assert truth["refunded_payments"] == sum(p["status"] == "refunded" for p in payments)
        assert all(status[p["order_id"]] == "cancelled" for p in payments if p["status"] == "failed")
        mix = Counter(p["payment_method"] for p in payments)
        assert {m: v["payments"] for m, v in truth["methods"].items() if v["payments"]} == dict(mix)
        buyers = {o["user_id"] for o in orders}
        assert truth["new_customers"] == len(buyers - seen) == len(rows(folder / "users.csv"))
        seen |= buyers
        products: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for item in items:
            if item["order_id"] in paid:
                line = cents(item["unit_price"]) * int(item["quantity"]) - cents(item["discount"])
                products[item["product_id"]][0] += int(item["quantity"])
                products[item["product_id"]][1] += line
        assert truth["products"] == dict(products)
        # Each order's payments add up to its cart (a voucher plus another method included).
        paid_per_order = Counter()
        for p in payments:
            paid_per_order[p["order_id"]] += cents(p["amount"])
        cart = Counter()
        for item in items:
            cart[item["order_id"]] += cents(item["unit_price"]) * int(item["quantity"]) - cents(item["discount"])
        assert paid_per_order == cart


def test_a_shop_that_behaves_like_one(tmp_path):
    made = generate(tmp_path, START, 28, CONFIG)
    truths = read_truths(tmp_path, made.days)
    orders = [o for day in made.days for o in rows(tmp_path / day.isoformat() / "orders.csv")]
    per_user = Counter(o["user_id"] for o in orders)
    assert sum(n == 1 for n in per_user.values()) > len(per_user) / 2  # most buy once
    assert max(per_user.values()) >= 5  # a few buy often
    weekend = [t["orders"] for t in truths if date.fromisoformat(t["date"]).weekday() >= 5]
    weekdays = [t["orders"] for t in truths if date.fromisoformat(t["date"]).weekday() < 3]
    assert sum(weekend) / len(weekend) > sum(weekdays) / len(weekdays)
    hours = Counter(int(o["ordered_at"][11:13]) for o in orders)
    assert hours[20] > 3 * hours[4]  # evenings, not nights
    methods = Counter(p["payment_method"] for day in made.days for p in rows(tmp_path / day.isoformat() / "payments.csv"))
    assert set(methods) == {"credit_card", "boleto", "pix", "voucher", "debit_card"}
    instalments = {p["installments"] for day in made.days for p in rows(tmp_path / day.isoformat() / "payments.csv")
                   if p["payment_method"] == "credit_card"}  # fmt: skip
    assert len(instalments) > 3


def test_each_fault_does_what_it_says(tmp_path):
    made = generate(tmp_path, START, 5, CONFIG, faults=True)
    truths = read_truths(tmp_path, made.days)
    folders = [tmp_path / day.isoformat() for day in made.days]
    dup = truths[0]["faults"]["rows"]
    assert len(rows(folders[0] / "orders.csv")) == truths[0]["orders"] + dup["orders"]
    assert [o["order_id"] for o in rows(folders[1] / "orders.csv") if o["user_id"] == ""] == [truths[1]["faults"]["order_id"]]
    order_ids = {o["order_id"] for o in rows(folders[2] / "orders.csv")}
    orphans = [p for p in rows(folders[2] / "payments.csv") if p["order_id"] not in order_ids]
    assert [p["payment_id"] for p in orphans] == truths[2]["faults"]["payment_ids"]
    negative = [p["payment_id"] for p in rows(folders[3] / "payments.csv") if p["amount"].startswith("-")]
    assert negative == [truths[3]["faults"]["payment_id"]]
    assert (folders[4] / "users.csv").read_bytes().endswith(b"extra,fields\n")


def test_ingest_writes_text_parquet_idempotently_and_quarantines_a_malformed_file(tmp_path):
    made = generate(tmp_path / "include", START, 5, CONFIG, faults=True)
    lake = LocalLake(tmp_path / "lake")
    day = made.days[0]
    first = ingest_day(lake, tmp_path / "include" / day.isoformat(), day)
    assert [r.status for r in first] == ["ok"] * 5
    again = ingest_day(lake, tmp_path / "include" / day.isoformat(), day)
    assert [r.status for r in again] == ["unchanged"] * 5
    key = raw_key("raw", "payments", day)
    assert key == f"raw/payments/date={day.isoformat()}/part.parquet"
    meta = pq.ParquetFile(io.BytesIO(lake.get(key))).metadata
    column = meta.row_group(0).column(CSV_COLUMNS["payments"].index("payment_method"))
    assert column.compression == "SNAPPY" and "RLE_DICTIONARY" in column.encodings
    table = pq.read_table(io.BytesIO(lake.get(key)))
    assert table.column_names == list(CSV_COLUMNS["payments"]) and all(str(t) == "string" for t in table.schema.types)

    bad_day = made.days[4]
    bad = ingest_table(lake, tmp_path / "include" / bad_day.isoformat(), "users", bad_day)
    assert bad.status == "failed" and "Expected 6 columns, got 8" in bad.error
    assert not lake.list(f"raw/users/date={bad_day.isoformat()}/")
    assert [i.key.rsplit("/", 1)[-1] for i in lake.list(f"quarantine/ecommerce/users/date={bad_day.isoformat()}/")] == [
        "_reason.json", "users.csv"]  # fmt: skip
    missing = ingest_table(MemoryLake(), tmp_path / "nowhere", "orders", bad_day)
    assert missing.status == "failed" and "missing" in missing.error


def test_spark_settings_for_a_cluster_and_an_s3_lake(tmp_path):
    settings = load_settings(data_dir=tmp_path, minio_endpoint="http://127.0.0.1:9000", minio_access_key="ak",
                             minio_secret_key="sk", spark_master="spark://h:7077",
                             spark_conf="spark.jars=/opt/hadoop-aws.jar, spark.executor.memory=2g")  # fmt: skip
    conf = run.spark_conf(settings)
    assert conf["spark.hadoop.fs.s3a.endpoint"] == "http://127.0.0.1:9000"
    assert conf["spark.hadoop.fs.s3a.access.key"] == "ak" and conf["spark.hadoop.fs.s3a.path.style.access"] == "true"
    assert conf["spark.jars"] == "/opt/hadoop-aws.jar" and conf["spark.executor.memory"] == "2g"
    assert "spark.hadoop.fs.s3a.endpoint" not in run.spark_conf(load_settings(data_dir=tmp_path))

    class S3Like:
        def url(self, key):
            return f"s3://bucket/prefix/{key}"

    assert run.lake_url(S3Like(), "raw") == "s3a://bucket/prefix/raw"
    assert run.lake_url(LocalLake(tmp_path), "raw") == str(tmp_path.resolve() / "raw")


def test_the_pipeline_is_declared_with_its_marts_and_dags():
    from spotify_mds.pipelines import registry
    from spotify_mds.transform import models_in

    assert PIPELINE in registry()
    assert set(PIPELINE.marts) == {m for m in models_in("ecommerce/marts")}
    assert PIPELINE.dag_ids == ("data_generator", "ecommerce_etl")


def test_the_etl_dag_loads_the_tables_whose_gate_result_in_the_lake_passed(tmp_path):
    import json

    settings = load_settings(data_dir=tmp_path)
    lake = LocalLake(tmp_path / "lake")
    for table, success in (("orders", True), ("payments", False), ("users", True)):
        lake.put(f"quality/{table}/date=2026-11-03/validation.json", json.dumps({"success": success}).encode())
    assert run.passed_tables(settings, date(2026, 11, 3)) == ["users", "orders"]
    assert run.passed_tables(settings, date(2026, 11, 4)) == []


def test_the_cli_generates_the_drops_and_summarises_a_run(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from spotify_mds.cli import app
    from spotify_mds.commands.ecommerce import summary_tables

    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["ecommerce", "generate", "--days", "2", "--start", "2026-11-09", "--orders-per-day", "10"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.joinpath("include").iterdir()) == ["2026-11-09", "2026-11-10"]

    summary = run.EcommerceSummary(run_id="r1", days=[START], ingested={"users": 3, "orders": 5}, processed={"orders": 4},
                                   duplicates={"orders": 1}, passed={"users": 0, "orders": 1},
                                   failures={"users": ["2026-11-02: users.csv does not parse"]})  # fmt: skip
    flow, landed = summary_tables(summary)
    assert [column.header for column in flow.columns][-1] == "refused" and flow.row_count == 2
    assert landed.row_count == 0  # nothing loaded in this summary
    assert isinstance(summary.error(), run.GateFailed) and summary.error().failures == {"users": ["2026-11-02"]}
