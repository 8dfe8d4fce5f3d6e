"""The ground truth of a day: the figures gold must show, computed from the generator's own arrays.

Recorded before any fault is injected, in integer cents, so a test can compare the warehouse's
gold with what was really generated without trusting any stage in between.

Definitions (the gold marts use the same):
- `orders`: orders placed that day, whatever became of them; `paid_orders`: those delivered,
  shipped or processing;
- `revenue_cents`: the approved payments of the day's orders (failed and refunded ones excluded);
  `aov` = revenue / paid orders;
- `payments`, `failed_payments`, `refunded_payments` and their rates: payments of the day's orders;
- `methods`: per method, its payments and its approved amount;
- `new_customers` / `returning_customers`: distinct buyers of the day whose first order is / is not
  that day;
- `products`: per product, units and revenue of the items of paid orders.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from spotify_mds.pipelines.ecommerce.generate.shop import Day
from spotify_mds.pipelines.ecommerce.schema import PAID_STATUSES, PAYMENT_METHODS


def day_truth(day: Day, new_customers: int) -> dict[str, Any]:
    orders, items, payments = day.tables["orders"], day.tables["order_items"], day.tables["payments"]
    paid = np.isin(orders["status"], PAID_STATUSES)
    approved = payments["status"] == "approved"
    revenue = int(payments["amount"][approved].sum())
    paid_orders = int(paid.sum())
    buyers = len(np.unique(orders["user_id"]))
    paid_ids = set(orders["order_id"][paid].tolist())
    in_paid = np.array([order in paid_ids for order in items["order_id"]], dtype=bool)
    line = items["unit_price"] * items["quantity"] - items["discount"]
    products: dict[str, list[int]] = {}
    for product, units, cents in zip(items["product_id"][in_paid], items["quantity"][in_paid], line[in_paid], strict=True):
        entry = products.setdefault(str(product), [0, 0])
        entry[0] += int(units)
        entry[1] += int(cents)
    n_payments = len(payments["payment_id"])
    return {
        "date": day.day.isoformat(),
        "orders": len(orders["order_id"]),
        "paid_orders": paid_orders,
        "revenue_cents": revenue,
        "aov": round(revenue / 100 / paid_orders, 6) if paid_orders else None,
        "payments": n_payments,
        "failed_payments": int((payments["status"] == "failed").sum()),
        "refunded_payments": int((payments["status"] == "refunded").sum()),
        "methods": {
            method: {
                "payments": int((payments["payment_method"] == method).sum()),
                "approved_cents": int(payments["amount"][approved & (payments["payment_method"] == method)].sum()),
            }
            for method in PAYMENT_METHODS
        },
        "new_customers": new_customers,
        "returning_customers": buyers - new_customers,
        "products": dict(sorted(products.items())),
        "users": len(day.tables["users"]["user_id"]),
        "order_items": len(items["order_id"]),
    }


def top_products(truths: list[dict[str, Any]], n: int = 10) -> list[tuple[str, int, int]]:
    """(product_id, units, revenue cents) of the `n` best-selling products by revenue over the days
    (ties by product id), what `ecommerce_top_products` must rank first."""
    total: dict[str, list[int]] = {}
    for truth in truths:
        for product, (units, cents) in truth["products"].items():
            entry = total.setdefault(product, [0, 0])
            entry[0] += units
            entry[1] += cents
    ranked = sorted(total.items(), key=lambda kv: (-kv[1][1], kv[0]))
    return [(product, units, cents) for product, (units, cents) in ranked[:n]]


__all__ = ["day_truth", "top_products"]
