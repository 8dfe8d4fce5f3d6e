"""The silver rules: how a record as served becomes a typed, clean row, or a quarantine record.

Per record (`clean`):
- strings: Unicode NFC, whitespace collapsed and trimmed, empty → null; the deprecated aliases fill
  in a missing field (`state` → state_province, `street` → address_1);
- `id` and `name` present, `brewery_type` one of `BREWERY_TYPES`, coordinates numbers (strings
  accepted) within [-90, 90] / [-180, 180] or null: otherwise quarantined with the reason;
- phones: digits with a leading `+` when the API gave one or the country's code is known (10-digit
  US and Canadian numbers get `+1`); URLs: scheme and host lower-cased, `http://` added when missing,
  null when no host is left;
- a repeated id (a duplicate across pages) keeps its first occurrence; the repeats are counted.

Per snapshot (`canonical_spellings`): one spelling per country, and per state within a country
(`MIssouri` and `Missouri` are one state): the most frequent spelling among the keys that agree
when case-folded; ties go to the spelling that sorts first.

`slug` makes a partition value safe as a folder name on any file system or object store.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BREWERY_TYPES = frozenset({
    "micro", "nano", "regional", "brewpub", "large", "planning", "bar", "contract", "proprietor",
    "closed", "taproom", "cidery", "beergarden", "location",
})  # fmt: skip
"""The types the live API serves (its documentation and the shipped dataset)."""

TEXT_FIELDS = ("name", "address_1", "address_2", "address_3", "city", "state_province", "postal_code", "country")
ROW_FIELDS = ("brewery_id", "name", "brewery_type", *TEXT_FIELDS[1:], "longitude", "latitude", "phone", "website_url")
"""A silver row's columns, in order."""

_SPACE = re.compile(r"\s+")


def text(value: Any) -> str | None:
    if value is None:
        return None
    cleaned = _SPACE.sub(" ", unicodedata.normalize("NFC", str(value))).strip()
    return cleaned or None


def slug(value: str | None) -> str:
    """A safe partition value: accents dropped, lower case, runs of anything but [a-z0-9] → `-`;
    `unknown` when empty or only punctuation (`..`); a value with no Latin letter left (`서울`) gets a stable hash instead."""
    if not value or not any(c.isalnum() for c in value):
        return "unknown"
    plain = "".join(c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c))
    result = re.sub(r"[^a-z0-9]+", "-", plain.casefold()).strip("-")[:80].strip("-")
    if not result:
        return "u-" + hashlib.sha256(value.encode()).hexdigest()[:10]
    return result


def _coordinate(value: Any, low: float, high: float, name: str) -> tuple[float | None, str | None]:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None, f"{name} is not a number: {value!r}"
    if not math.isfinite(number) or not low <= number <= high:
        return None, f"{name} {number} is out of range [{low:g}, {high:g}]"
    return number, None


def phone(value: Any, country: str | None) -> str | None:
    raw = text(value)
    if raw is None:
        return None
    digits = re.sub(r"\D", "", raw)
    if not digits:
        return None
    if raw.startswith("+") or raw.startswith("00"):
        return "+" + digits.removeprefix("00") if raw.startswith("00") else "+" + digits
    if (country or "").casefold() in ("united states", "canada"):
        if len(digits) == 10:
            return "+1" + digits
        if len(digits) == 11 and digits.startswith("1"):
            return "+" + digits
    return digits


def url(value: Any) -> str | None:
    raw = text(value)
    if raw is None:
        return None
    if "://" not in raw:
        raw = "http://" + raw
    parts = urlsplit(raw.replace(" ", ""))
    if not parts.netloc or "." not in parts.netloc:
        return None
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, parts.fragment))


@dataclass
class Cleaned:
    rows: list[dict[str, Any]] = field(default_factory=list)
    quarantined: list[dict[str, Any]] = field(default_factory=list)
    """`{reason, page, record}`: the record as served and why it was set aside."""
    duplicates: int = 0


def clean_one(record: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """(row, None) or (None, reason)."""
    values = {name: text(record.get(name)) for name in TEXT_FIELDS}
    values["state_province"] = values["state_province"] or text(record.get("state"))
    values["address_1"] = values["address_1"] or text(record.get("street"))
    brewery_id = text(record.get("id"))
    if brewery_id is None:
        return None, "id is missing"
    if values["name"] is None:
        return None, "name is missing"
    kind = (text(record.get("brewery_type")) or "").casefold()
    if kind not in BREWERY_TYPES:
        return None, f"brewery_type {record.get('brewery_type')!r} is not one of the known types"
    latitude, problem = _coordinate(record.get("latitude"), -90, 90, "latitude")
    if problem:
        return None, problem
    longitude, problem = _coordinate(record.get("longitude"), -180, 180, "longitude")
    if problem:
        return None, problem
    row = {"brewery_id": brewery_id, "name": values["name"], "brewery_type": kind}
    row.update({name: values[name] for name in TEXT_FIELDS[1:]})
    row.update(longitude=longitude, latitude=latitude, phone=phone(record.get("phone"), values["country"]),
               website_url=url(record.get("website_url")))  # fmt: skip
    return row, None


def canonical_spellings(rows: list[dict[str, Any]]) -> None:
    """Rewrite `country` and `state_province` to one spelling each (module docstring), in place."""

    def pick(counter: Counter) -> str:
        return sorted(counter.items(), key=lambda item: (-item[1], item[0]))[0][0]

    countries: dict[str, Counter] = defaultdict(Counter)
    for row in rows:
        if row["country"]:
            countries[row["country"].casefold()][row["country"]] += 1
    country_of = {key: pick(counter) for key, counter in countries.items()}
    states: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for row in rows:
        if row["country"]:
            row["country"] = country_of[row["country"].casefold()]
        if row["state_province"]:
            states[(row["country"] or "", row["state_province"].casefold())][row["state_province"]] += 1
    state_of = {key: pick(counter) for key, counter in states.items()}
    for row in rows:
        if row["state_province"]:
            row["state_province"] = state_of[(row["country"] or "", row["state_province"].casefold())]


def clean(records: list[dict[str, Any]]) -> Cleaned:
    """Every record as served → rows, quarantine records and a count of repeated ids."""
    result = Cleaned()
    seen: set[str] = set()
    for record in records:
        row, reason = clean_one(record)
        if row is None:
            served = {k: v for k, v in record.items() if k != "_page"}
            result.quarantined.append({"reason": reason, "page": record.get("_page"), "record": served})
            continue
        if row["brewery_id"] in seen:
            result.duplicates += 1
            continue
        seen.add(row["brewery_id"])
        result.rows.append(row)
    canonical_spellings(result.rows)
    return result


__all__ = ["BREWERY_TYPES", "ROW_FIELDS", "Cleaned", "canonical_spellings", "clean", "clean_one", "phone", "slug", "text", "url"]
