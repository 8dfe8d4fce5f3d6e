"""The e-commerce generator: a seeded shop's daily drops as CSV in `include/<date>/` (seed 003).

    generate(Path("data/include"), date(2026, 11, 1), days=30, config=ShopConfig(seed=7))

writes, per day, `users.csv`, `products.csv`, `orders.csv`, `order_items.csv` and `payments.csv`
(the seed's names, plus the order items a cart needs) and `_truth.json`, the day's ground truth
(`truth.py`). The same seed, start and day give the same bytes; a file whose bytes are unchanged is
not rewritten, so generating again is harmless. `faults` injects the faults of `faults.py`.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from spotify_mds.pipelines.ecommerce.generate.faults import FAULTS, MALFORMED_LINE, fault_for, inject
from spotify_mds.pipelines.ecommerce.generate.shop import Shop, ShopConfig
from spotify_mds.pipelines.ecommerce.generate.truth import day_truth, top_products
from spotify_mds.pipelines.ecommerce.schema import CSV_COLUMNS, TABLES

TRUTH_FILE = "_truth.json"
MONEY_COLUMNS = {"price", "unit_price", "discount", "amount"}


@dataclass
class GenerateResult:
    days: list[date] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    """Rows written per table, over the days (faults included)."""
    truths: list[dict[str, Any]] = field(default_factory=list)
    files_written: int = 0


def _text(name: str, values: np.ndarray) -> np.ndarray:
    """A column as the CSV's text: money in cents becomes `12.34`."""
    if name in MONEY_COLUMNS and values.dtype.kind in "iu":
        sign = np.where(values < 0, "-", "")
        magnitude = np.abs(values)
        return np.char.add(np.char.add(sign, (magnitude // 100).astype(str)),
                           np.char.add(".", np.char.zfill((magnitude % 100).astype(str), 2)))  # fmt: skip
    return values.astype(str) if values.dtype.kind != "O" else values


def csv_bytes(table: str, columns: dict[str, np.ndarray]) -> bytes:
    arrays = [pa.array(list(columns[name]) if columns[name].dtype.kind == "O" else columns[name], pa.string())
              for name in CSV_COLUMNS[table]]  # fmt: skip
    buffer = io.BytesIO()
    pacsv.write_csv(pa.Table.from_arrays(arrays, names=list(CSV_COLUMNS[table])), buffer)
    return buffer.getvalue()


def _write(path: Path, data: bytes) -> bool:
    """Write whole (temporary file, rename), unless the same bytes are there already."""
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return True


def generate(
    folder: Path,
    start: date,
    days: int,
    config: ShopConfig | None = None,
    *,
    faults: bool | tuple[str, ...] = False,
    only: set[date] | None = None,
    progress: Callable[[int], None] | None = None,
) -> GenerateResult:
    """Write the drops of `days` days from `start` (only the days in `only`, when given; the shop is
    replayed from `start` either way, as a day depends on who bought before it)."""
    shop = Shop(config or ShopConfig())
    result = GenerateResult()
    for index in range(days):
        today = start + timedelta(days=index)
        before = int((shop.first_day >= 0).sum())
        day = shop.day(index, today)
        if only is not None and today not in only:
            continue
        truth = day_truth(day, int((shop.first_day >= 0).sum()) - before)
        columns = {t: {name: _text(name, values) for name, values in day.tables[t].items()} for t in TABLES}
        kind = fault_for(index, faults)
        truth["faults"] = inject(kind, columns, np.random.default_rng([shop.config.seed, 2, index]))
        target = folder / today.isoformat()
        for table in TABLES:
            data = csv_bytes(table, columns[table])
            if kind == "malformed" and table == "users":
                data += MALFORMED_LINE
            result.files_written += _write(target / f"{table}.csv", data)
            result.rows[table] = result.rows.get(table, 0) + len(columns[table][CSV_COLUMNS[table][0]])
        result.files_written += _write(target / TRUTH_FILE, json.dumps(truth, indent=1, sort_keys=True).encode())
        result.days.append(today)
        result.truths.append(truth)
        if progress is not None:
            progress(1)
    return result


def read_truths(folder: Path, days: list[date]) -> list[dict[str, Any]]:
    return [json.loads((folder / day.isoformat() / TRUTH_FILE).read_text()) for day in days]


__all__ = ["FAULTS", "GenerateResult", "ShopConfig", "TRUTH_FILE", "generate", "read_truths", "top_products"]
