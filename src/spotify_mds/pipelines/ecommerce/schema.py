"""The shop's tables, written once: CSV columns of the daily drop, and the typed columns downstream.

Every stage reads its column lists from here: the generator writes `CSV_COLUMNS` in this order,
ingestion keeps them as text (raw is the drop as received), the Spark job casts them to `TYPES`,
the quality suites and the load name the same columns. Money is `decimal(12,2)` end to end (never a
float), so sums in the warehouse equal the generator's sums in cents exactly.
"""

from __future__ import annotations

TABLES = ("users", "products", "orders", "order_items", "payments")
"""In dependency order: dimensions first, then the facts that refer to them."""

CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "users": ("user_id", "name", "email", "city", "state", "created_at"),
    "products": ("product_id", "product_name", "category", "price"),
    "orders": ("order_id", "user_id", "status", "ordered_at"),
    "order_items": ("order_id", "item_seq", "product_id", "quantity", "unit_price", "discount"),
    "payments": ("payment_id", "order_id", "payment_sequential", "payment_method", "installments", "amount", "status", "paid_at"),
}

MONEY = "decimal(12,2)"

TYPES: dict[str, dict[str, str]] = {
    "users": {"created_at": "timestamp"},
    "products": {"price": MONEY},
    "orders": {"ordered_at": "timestamp"},
    "order_items": {"item_seq": "int", "quantity": "int", "unit_price": MONEY, "discount": MONEY},
    "payments": {"payment_sequential": "int", "installments": "int", "amount": MONEY, "paid_at": "timestamp"},
}
"""Spark SQL type of each CSV column once typed in `processed/` (any other column stays a string)."""

KEYS: dict[str, tuple[str, ...]] = {
    "users": ("user_id",),
    "products": ("product_id",),
    "orders": ("order_id",),
    "order_items": ("order_id", "item_seq"),
    "payments": ("payment_id",),
}

ORDER_STATUSES = ("delivered", "shipped", "processing", "cancelled", "returned")
PAID_STATUSES = ("delivered", "shipped", "processing")
PAYMENT_METHODS = ("credit_card", "boleto", "pix", "voucher", "debit_card")
PAYMENT_STATUSES = ("approved", "failed", "refunded")
CATEGORIES = (
    "electronics", "home", "fashion", "beauty", "sports", "toys", "books",
    "garden", "food", "health", "auto", "pets",
)  # fmt: skip

__all__ = [
    "CATEGORIES", "CSV_COLUMNS", "KEYS", "MONEY", "ORDER_STATUSES", "PAID_STATUSES", "PAYMENT_METHODS",
    "PAYMENT_STATUSES", "TABLES", "TYPES",
]  # fmt: skip
