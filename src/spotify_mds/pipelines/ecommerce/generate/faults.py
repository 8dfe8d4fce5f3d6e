"""Faults a real drop has, injected on purpose so the gates can be seen to catch them.

Each fault has a home: the stage that must catch it, and how.

| fault | what is done to the drop | caught by |
|---|---|---|
| `duplicates` | ~3 % of the rows of orders, items, payments and users written twice | the Spark job's dedup rule |
| `nulls` | an order without its customer (`user_id` empty) | the orders suite (not null) |
| `orphans` | payments of orders that do not exist | the payments suite (every payment has its order) |
| `negative` | a payment of a negative amount | the payments suite (amount ≥ 0) |
| `malformed` | a line of `users.csv` with too many fields | ingestion (the file is quarantined) |

With `--faults`, day `i` of a run gets fault `FAULTS[i % 5]`, so a five-day run shows every one and
the other days stay clean. The injections are recorded in the day's truth under `faults`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

FAULTS = ("duplicates", "nulls", "orphans", "negative", "malformed")
MALFORMED_LINE = b'u9999999,"Broken Customer",broken@example.com,Recife,PE,2026-01-01T00:00:00,extra,fields\n'


def fault_for(index: int, enabled: bool | tuple[str, ...]) -> str | None:
    """The fault of the `index`-th day: none, the cycle of every fault, or the cycle of those named."""
    if not enabled:
        return None
    kinds = FAULTS if enabled is True else tuple(enabled)
    return kinds[index % len(kinds)]


def inject(kind: str | None, columns: dict[str, dict[str, np.ndarray]], rng: np.random.Generator) -> dict[str, Any]:
    """Apply `kind` to the day's text columns (table → column → str array) in place; what was done."""
    if kind is None or kind == "malformed":
        return {"kind": kind} if kind else {}
    if kind == "duplicates":
        copied = {}
        for table in ("users", "orders", "order_items", "payments"):
            cols = columns[table]
            rows = len(next(iter(cols.values())))
            if rows == 0:
                continue
            pick = np.sort(rng.choice(rows, max(1, rows * 3 // 100), replace=False))
            for name in cols:
                cols[name] = np.concatenate([cols[name], cols[name][pick]])
            copied[table] = int(len(pick))
        return {"kind": kind, "rows": copied}
    if kind == "nulls":
        row = int(rng.integers(0, len(columns["orders"]["order_id"])))
        columns["orders"]["user_id"] = columns["orders"]["user_id"].astype(object)
        columns["orders"]["user_id"][row] = None
        return {"kind": kind, "order_id": str(columns["orders"]["order_id"][row])}
    payments = columns["payments"]
    if kind == "orphans":
        extra = 2
        ids = np.array([f"y9{k:07d}" for k in range(extra)])
        add = {name: np.repeat(values[:1], extra) for name, values in payments.items()}
        add["payment_id"] = ids
        add["order_id"] = np.array([f"o9{k:07d}" for k in range(extra)])
        for name in payments:
            payments[name] = np.concatenate([payments[name], add[name]])
        return {"kind": kind, "payment_ids": ids.tolist()}
    if kind == "negative":
        row = int(rng.integers(0, len(payments["payment_id"])))
        payments["amount"] = payments["amount"].astype(object)
        payments["amount"][row] = "-" + str(payments["amount"][row]).lstrip("-")
        return {"kind": kind, "payment_id": str(payments["payment_id"][row])}
    raise ValueError(f"unknown fault {kind!r}: one of {', '.join(FAULTS)}")


__all__ = ["FAULTS", "MALFORMED_LINE", "fault_for", "inject"]
