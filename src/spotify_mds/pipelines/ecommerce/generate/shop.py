"""A seeded shop, one day at a time, vectorised with numpy; every amount in integer cents.

The shop (`Shop`) is drawn once from the seed: products with a category, a price and a long-tailed
popularity (Zipf-like weights), and a pool of would-be customers with a lognormal propensity, so
most of those who buy buy once and a few buy often. Each day (`Shop.day`) draws its orders from a
weekly profile (weekends sell more), spreads them over the hours by an evening-heavy profile, fills
carts of one to six items by popularity, applies discounts, and pays each order by one method — or
by a voucher plus another method (a partial payment). An order's fate is drawn per order: its
payment fails (the order is cancelled), it is refunded (returned), or it is paid.

A customer appears in `users.csv` on the day of their first order (created shortly before it), so
"new vs returning" is well defined. Days depend on the days before (who has bought already), so a
day is always produced by replaying the shop from its start: cheap, and the same bytes every time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from spotify_mds.pipelines.ecommerce.schema import CATEGORIES, PAYMENT_METHODS

WEEKDAY_FACTOR = np.array([0.95, 0.9, 0.92, 1.0, 1.1, 1.3, 1.2])
"""Monday first: more orders at the end of the week."""
HOUR_WEIGHTS = np.array([1, 0.6, 0.4, 0.3, 0.3, 0.4, 0.8, 1.5, 2.5, 3.2, 3.6, 3.8,
                         4.0, 3.8, 3.6, 3.6, 3.8, 4.2, 4.8, 5.6, 6.2, 6.0, 4.4, 2.4])  # fmt: skip
METHOD_WEIGHTS = np.array([0.55, 0.17, 0.20, 0.03, 0.05])
"""credit_card, boleto, pix, voucher, debit_card (the order of `PAYMENT_METHODS`)."""
FAILURE_RATE = np.array([0.04, 0.12, 0.02, 0.01, 0.05])
"""Per main method: boleto slips often go unpaid."""
REFUND_RATE = 0.03
PARTIAL_VOUCHER_RATE = 0.08
DISCOUNT_RATES = np.array([0, 5, 10, 20])
DISCOUNT_WEIGHTS = np.array([0.7, 0.15, 0.1, 0.05])
CITIES = (("São Paulo", "SP"), ("Rio de Janeiro", "RJ"), ("Belo Horizonte", "MG"), ("Curitiba", "PR"),
          ("Porto Alegre", "RS"), ("Salvador", "BA"), ("Recife", "PE"), ("Fortaleza", "CE"),
          ("Brasília", "DF"), ("Manaus", "AM"))  # fmt: skip


@dataclass(frozen=True)
class ShopConfig:
    seed: int = 42
    orders_per_day: float = 300.0
    """Mean orders on an average weekday (the weekly profile scales it)."""
    products: int = 200
    customers: int = 0
    """Size of the pool of would-be customers; 0 means as many as orders over 30 days."""


@dataclass
class Day:
    """One day's drop as columns (numpy arrays), before any fault is injected."""

    day: date
    tables: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)


def _ids(prefix: str, numbers: np.ndarray, width: int = 8) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(numbers.astype(str), width))


def _timestamps(day: date, seconds: np.ndarray) -> np.ndarray:
    base = np.datetime64(day.isoformat(), "s")
    return (base + seconds.astype("timedelta64[s]")).astype(str)


class Shop:
    def __init__(self, config: ShopConfig) -> None:
        self.config = config
        rng = np.random.default_rng([config.seed, 0])
        n = config.products
        self.product_ids = _ids("p", np.arange(1, n + 1), 5)
        self.category = rng.integers(0, len(CATEGORIES), n)
        self.price_cents = np.round(np.exp(rng.normal(np.log(6000), 0.8, n))).astype(np.int64) + 99
        ranks = rng.permutation(n) + 1
        self.popularity = 1.0 / ranks**1.1
        self.popularity /= self.popularity.sum()
        pool = config.customers or max(50, int(config.orders_per_day * 30))
        propensity = np.exp(rng.normal(0.0, 1.6, pool))
        self.propensity = propensity / propensity.sum()
        self.first_day: np.ndarray = np.full(pool, -1, dtype=np.int64)
        """Index of the day of each customer's first order (-1: never bought)."""
        self.city = rng.integers(0, len(CITIES), pool)
        self.order_seq = 0
        self.payment_seq = 0

    def products_table(self) -> dict[str, np.ndarray]:
        names = np.char.add(np.array([CATEGORIES[c] for c in self.category]), " item ")
        return {
            "product_id": self.product_ids,
            "product_name": np.char.add(names, np.char.lstrip(self.product_ids, "p")),
            "category": np.array([CATEGORIES[c] for c in self.category]),
            "price": self.price_cents,
        }

    def day(self, index: int, day: date) -> Day:
        """The drop of `day`, the `index`-th day of the shop (0 for its start)."""
        c = self.config
        rng = np.random.default_rng([c.seed, 1, index])
        n = int(rng.poisson(c.orders_per_day * WEEKDAY_FACTOR[day.weekday()]))
        users = rng.choice(len(self.propensity), n, p=self.propensity)
        order_numbers = self.order_seq + 1 + np.arange(n)
        self.order_seq += n
        hours = rng.choice(24, n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
        seconds = np.sort(hours * 3600 + rng.integers(0, 3600, n))
        order_ids = _ids("o", order_numbers)

        # Customers: those buying for the first time appear in today's users.csv.
        uniq, first_pos = np.unique(users, return_index=True)
        new = uniq[self.first_day[uniq] < 0]
        self.first_day[new] = index
        new_first_second = seconds[first_pos][self.first_day[uniq] == index]
        created = new_first_second - rng.integers(0, 1800, len(new)).clip(0, new_first_second)
        user_ids = _ids("u", users + 1, 7)
        city = self.city[new]
        users_table = {
            "user_id": _ids("u", new + 1, 7),
            "name": np.char.add("Customer ", (new + 1).astype(str)),
            "email": np.char.add(np.char.add("customer", (new + 1).astype(str)), "@example.com"),
            "city": np.array([CITIES[i][0] for i in city], dtype=object).astype(str),
            "state": np.array([CITIES[i][1] for i in city], dtype=object).astype(str),
            "created_at": _timestamps(day, created),
        }

        # Carts: 1 to 6 items by popularity, a discount on some.
        counts = np.minimum(1 + rng.poisson(0.9, n), 6)
        item_order = np.repeat(np.arange(n), counts)
        item_seq = np.arange(len(item_order)) - np.repeat(np.cumsum(counts) - counts, counts) + 1
        product = rng.choice(len(self.product_ids), len(item_order), p=self.popularity)
        quantity = 1 + (rng.random(len(item_order)) < 0.15) + (rng.random(len(item_order)) < 0.03)
        unit = self.price_cents[product]
        rate = rng.choice(DISCOUNT_RATES, len(item_order), p=DISCOUNT_WEIGHTS)
        discount = (unit * quantity * rate) // 100
        line = unit * quantity - discount
        total = np.bincount(item_order, weights=line, minlength=n).astype(np.int64)

        # Payments: one method, or a voucher plus one; the order's fate decides every payment's status.
        method = rng.choice(len(PAYMENT_METHODS), n, p=METHOD_WEIGHTS)
        u = rng.random(n)
        failed = u < FAILURE_RATE[method]
        refunded = ~failed & (u < FAILURE_RATE[method] + REFUND_RATE)
        status = np.where(failed, "cancelled", np.where(refunded, "returned", rng.choice(
            ["delivered", "shipped", "processing"], n, p=[0.8, 0.14, 0.06])))  # fmt: skip
        voucher = PAYMENT_METHODS.index("voucher")
        partial = (rng.random(n) < PARTIAL_VOUCHER_RATE) & (method != voucher) & (total >= 200)
        voucher_part = np.where(partial, (total * rng.uniform(0.1, 0.5, n)).astype(np.int64), 0)
        pay_order = np.concatenate([np.arange(n), np.flatnonzero(partial)])
        pay_method = np.concatenate([method, np.full(int(partial.sum()), voucher)])
        pay_amount = np.concatenate([total - voucher_part, voucher_part[partial]])
        pay_seq = np.concatenate([np.ones(n, dtype=np.int64), np.full(int(partial.sum()), 2)])
        sort = np.lexsort((pay_seq, pay_order))
        pay_order, pay_method, pay_amount, pay_seq = pay_order[sort], pay_method[sort], pay_amount[sort], pay_seq[sort]
        pay_status = np.where(failed[pay_order], "failed", np.where(refunded[pay_order], "refunded", "approved"))
        card = PAYMENT_METHODS.index("credit_card")
        installments = np.where(pay_method == card, rng.choice(np.arange(1, 11), len(pay_order),
                                p=np.array([10, 3, 3, 2, 2, 2, 1, 1, 1, 1]) / 26), 1)  # fmt: skip
        payment_numbers = self.payment_seq + 1 + np.arange(len(pay_order))
        self.payment_seq += len(pay_order)
        paid_seconds = seconds[pay_order] + rng.integers(5, 600, len(pay_order))

        return Day(day, {
            "users": users_table,
            "products": self.products_table(),
            "orders": {"order_id": order_ids, "user_id": user_ids, "status": status,
                       "ordered_at": _timestamps(day, seconds)},
            "order_items": {"order_id": order_ids[item_order], "item_seq": item_seq,
                            "product_id": self.product_ids[product], "quantity": quantity,
                            "unit_price": unit, "discount": discount},
            "payments": {"payment_id": _ids("y", payment_numbers), "order_id": order_ids[pay_order],
                         "payment_sequential": pay_seq,
                         "payment_method": np.array(PAYMENT_METHODS)[pay_method],
                         "installments": installments, "amount": pay_amount, "status": pay_status,
                         "paid_at": _timestamps(day, paid_seconds)},
        })  # fmt: skip


__all__ = ["Day", "Shop", "ShopConfig"]
