"""Metabase dashboards as code: load `metabase/dashboards.yml` and provision it through Metabase's API.

    provision(client, definitions, database=..., admin=...)
      1. first start: GET /api/session/properties gives the setup token, POST /api/setup creates the
         admin (MB_ADMIN_EMAIL / MB_ADMIN_PASSWORD) and returns a session; otherwise POST /api/session;
      2. the warehouse connection (GET/POST/PUT /api/database), PostgreSQL by default;
      3. the collection (GET/POST /api/collection);
      4. one card per question, native SQL over the GOLD schema (GET /api/collection/:id/items,
         POST /api/card, GET/PUT /api/card/:id);
      5. the dashboard, its filters and its cards (POST /api/dashboard, GET/PUT /api/dashboard/:id
         with `dashcards`; new dashcards carry negative ids).
Everything is found by name before it is created and updated only when it differs, so a second
run creates and changes nothing.

API assumptions: Metabase v0.47 or later (the `dashcards` field of PUT /api/dashboard/:id replaced
`PUT /api/dashboard/:id/cards` there; v0.50+ is what the shapes here follow). Cards are sent in the
legacy native `dataset_query` shape, which later versions still accept; when reading a card back,
the newer MBQL 5 shape (`stages`) is understood too. The open-source edition is enough.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from spotify_mds.errors import ConfigError, SpotifyMdsError
from spotify_mds.extras import require

logger = logging.getLogger(__name__)

VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
TAG_NAMESPACE = uuid.UUID("5b3f0c1e-8d4a-4c7e-9a51-2f6d1e0c7b93")  # stable template-tag ids
TAG_TYPES = {"date", "text", "number"}
PARAMETER_TYPES = {"date/single", "string/=", "number/="}

# Text from the data is text. Metabase draws a value as a link, an e-mail link or an image when a
# column's settings say so (`view_as`, `link_url`, `link_text`, click behaviours), and text or
# heading cards render markdown. Definitions may ask for none of it, and every card pins the text
# columns the marts share to plain text ("Display as: Text" is `view_as` null).
MARKUP_DISPLAYS = {"text", "heading", "link", "iframe"}
MARKUP_SETTINGS = {"view_as", "link_url", "link_text", "link_template", "markdown", "click_behavior", "text", "iframe"}
DATA_TEXT_COLUMNS = ("track", "track_name", "artist_name", "device_type", "country_code")


class MetabaseError(SpotifyMdsError):
    """Metabase answered with an error (or not at all); `status` and `path` say where."""

    def __init__(self, message: str, *, path: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.status = status


class MetabaseSettings(BaseSettings):
    """MB_* variables (environment or `.env`), read by the CLI only; the functions take plain arguments."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True)

    url: str = Field("http://localhost:3000", validation_alias=AliasChoices("MB_URL", "METABASE_URL"))
    admin_email: str = Field("", validation_alias=AliasChoices("MB_ADMIN_EMAIL", "METABASE_ADMIN_EMAIL"))
    admin_password: SecretStr = Field(SecretStr(""), validation_alias=AliasChoices("MB_ADMIN_PASSWORD", "METABASE_ADMIN_PASSWORD"))
    site_name: str = Field("spotify-mds", validation_alias=AliasChoices("MB_SITE_NAME"))
    database_name: str = Field("spotify-mds warehouse", validation_alias=AliasChoices("MB_DATABASE_NAME"))
    warehouse_host: str = Field(
        "", validation_alias=AliasChoices("MB_WAREHOUSE_HOST"),
        description="The warehouse's host as Metabase sees it (e.g. `postgres` inside compose); default POSTGRES_HOST.",
    )
    ready_timeout: float = Field(120.0, validation_alias=AliasChoices("MB_READY_TIMEOUT"))


# -- definitions ----------------------------------------------------------------------------------------
def definitions_path() -> Path:
    """`metabase/dashboards.yml`: shipped inside the wheel, or at the checkout's root."""
    package = Path(__file__).resolve().parents[1]  # spotify_mds/
    for candidate in (package / "metabase_definitions", package.parents[1] / "metabase"):
        if (candidate / "dashboards.yml").is_file():
            return candidate / "dashboards.yml"
    raise ConfigError("the Metabase definitions were not found (expected metabase/dashboards.yml)")


def load_definitions(path: Path | None = None) -> dict[str, Any]:
    """Read and check the definitions: unique keys, declared variables, a layout of known questions."""
    path = path or definitions_path()
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    problems: list[str] = []
    questions = document.get("questions") or []
    keys = [q.get("key") for q in questions]
    names = [q.get("name") for q in questions]
    for kind, values in (("key", keys), ("name", names)):
        duplicates = {v for v in values if values.count(v) > 1}
        if duplicates or None in values:
            problems.append(f"questions need a unique {kind}: {sorted(map(str, duplicates)) or 'one is missing'}")
    for question in questions:
        used = set(VARIABLE.findall(question.get("sql", "")))
        declared = question.get("variables") or {}
        if used != set(declared):
            problems.append(f"{question.get('key')}: variables used {sorted(used)} but declared {sorted(declared)}")
        if set(declared.values()) - TAG_TYPES:
            problems.append(f"{question.get('key')}: variable types must be among {sorted(TAG_TYPES)}")
        if not question.get("mart") or not question.get("display"):
            problems.append(f"{question.get('key')}: needs `mart` and `display`")
        markup = _markup_settings(question.get("visualization") or {})
        if question.get("display") in MARKUP_DISPLAYS or markup:
            problems.append(f"{question.get('key')}: would show data as markup or a link "
                            f"({', '.join(markup) or 'display ' + str(question.get('display'))}); text from the data is text")
    by_key = {q.get("key"): q for q in questions}
    for dashboard in document.get("dashboards") or []:
        slugs = {p["slug"] for p in dashboard.get("parameters") or []}
        for parameter in dashboard.get("parameters") or []:
            if parameter.get("type") not in PARAMETER_TYPES:
                problems.append(f"{dashboard['name']}: parameter {parameter['slug']} type must be in {sorted(PARAMETER_TYPES)}")
        for card in dashboard.get("cards") or []:
            question = by_key.get(card.get("question"))
            if question is None:
                problems.append(f"{dashboard['name']}: unknown question {card.get('question')!r}")
                continue
            if len(card.get("position", ())) != 2 or len(card.get("size", ())) != 2:
                problems.append(f"{dashboard['name']}: {card['question']} needs position [col, row] and size [w, h]")
            elif card["position"][0] + card["size"][0] > 24:
                problems.append(f"{dashboard['name']}: {card['question']} is wider than the 24-column grid")
            if set(question.get("variables") or {}) - slugs:
                problems.append(f"{dashboard['name']}: {card['question']} has variables without a dashboard filter")
    if problems:
        raise ConfigError(f"{path}: " + "; ".join(problems))
    return document


def _markup_settings(settings: Any) -> list[str]:
    """Names of the settings, at any depth, that would render data as markup, a link or an image."""
    if isinstance(settings, Mapping):
        found = [str(k) for k, v in settings.items() if k in MARKUP_SETTINGS and v is not None]
        return found + [name for v in settings.values() for name in _markup_settings(v)]
    if isinstance(settings, list):
        return [name for v in settings for name in _markup_settings(v)]
    return []


def plain_text_columns() -> dict[str, dict[str, None]]:
    """`column_settings` showing the marts' text columns as text (never a link or an image)."""
    return {json.dumps(["name", column], separators=(",", ":")): {"view_as": None} for column in DATA_TEXT_COLUMNS}


def template_tags(question: Mapping[str, Any], labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Metabase template tags for a question's variables, with stable ids (so re-runs compare equal)."""
    labels = labels or {}
    return {
        name: {
            "id": str(uuid.uuid5(TAG_NAMESPACE, f"{question['key']}/{name}")),
            "name": name,
            "display-name": labels.get(name, name.replace("_", " ").capitalize()),
            "type": kind,
        }
        for name, kind in (question.get("variables") or {}).items()
    }


def card_payload(question: Mapping[str, Any], *, database_id: int, collection_id: int,
                 labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The body of POST /api/card (and PUT /api/card/:id) for one question."""
    return {
        "name": question["name"],
        "description": question.get("description"),
        "display": question["display"],
        "collection_id": collection_id,
        "visualization_settings": {**(question.get("visualization") or {}), "column_settings": plain_text_columns()},
        "dataset_query": {
            "type": "native",
            "database": database_id,
            "native": {"query": question["sql"].strip(), "template-tags": template_tags(question, labels)},
        },
    }


# -- HTTP -----------------------------------------------------------------------------------------------
class MetabaseClient:
    """A thin JSON client over an `httpx2.Client` whose base_url is Metabase's address."""

    def __init__(self, http: Any) -> None:
        self.http = http
        self.session: str | None = None

    def call(self, method: str, path: str, body: Any = None, params: Mapping[str, Any] | None = None) -> Any:
        httpx2 = require("httpx2")

        headers = {"X-Metabase-Session": self.session} if self.session else {}
        try:
            response = self.http.request(method, path, json=body, params=params, headers=headers)
        except httpx2.HTTPError as exc:
            raise MetabaseError(f"{method} {path}: {exc}", path=path) from exc
        if response.status_code >= 400:
            detail = response.text[:300]
            raise MetabaseError(f"{method} {path} → {response.status_code}: {detail}", path=path,
                                status=response.status_code)
        return response.json() if response.content else None

    def get(self, path: str, **params: Any) -> Any:
        return self.call("GET", path, params=params or None)

    def post(self, path: str, body: Any) -> Any:
        return self.call("POST", path, body)

    def put(self, path: str, body: Any) -> Any:
        return self.call("PUT", path, body)


def _items(payload: Any) -> list[dict[str, Any]]:
    """Lists come bare or as {"data": [...]} depending on the endpoint and version."""
    return payload.get("data", []) if isinstance(payload, dict) else list(payload or [])


def _native_sql(card: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    query = card.get("dataset_query") or {}
    if "native" in query:  # legacy shape
        return query["native"].get("query", ""), query["native"].get("template-tags") or {}
    stages = query.get("stages") or [{}]  # MBQL 5 shape (newer versions)
    return stages[0].get("native", ""), stages[0].get("template-tags") or {}


# -- provisioning ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Admin:
    email: str
    password: str = field(repr=False)
    first_name: str = "spotify-mds"
    last_name: str = "admin"
    site_name: str = "spotify-mds"


@dataclass(frozen=True)
class DatabaseSpec:
    """A warehouse connection as Metabase stores it (`engine` and its `details`)."""

    name: str
    engine: str
    details: dict[str, Any] = field(repr=False)

    @classmethod
    def postgres(cls, name: str, *, host: str, port: int, dbname: str, user: str, password: str) -> DatabaseSpec:
        return cls(name, "postgres", {
            "host": host, "port": port, "dbname": dbname, "user": user, "password": password, "ssl": False,
            "schema-filters-type": "inclusion", "schema-filters-patterns": "gold",
        })

    @classmethod
    def snowflake(cls, name: str, *, account: str, user: str, password: str, warehouse: str, db: str,
                  role: str = "") -> DatabaseSpec:
        details = {"account": account, "user": user, "password": password, "warehouse": warehouse, "db": db,
                   "schema-filters-type": "inclusion", "schema-filters-patterns": "GOLD"}
        if role:
            details["role"] = role
        return cls(name, "snowflake", details)


WAREHOUSES = ("postgres", "snowflake")
"""The warehouses Metabase connects to (it has no DuckDB driver)."""


def database_spec(name: str, warehouse: Any, *, host: str = "") -> DatabaseSpec:
    """Metabase's connection to `warehouse` (a `Warehouse` of WAREHOUSES, from `warehouse_from`);
    `host` replaces the PostgreSQL host (the name Metabase's container reaches it by)."""
    p = warehouse.params
    build = {
        "postgres": lambda: DatabaseSpec.postgres(name, host=host or p["host"], port=p["port"], dbname=p["dbname"],
                                                  user=p["user"], password=p["password"]),
        "snowflake": lambda: DatabaseSpec.snowflake(name, account=p["account"], user=p["user"],
                                                    password=p.get("password", ""), warehouse=p["warehouse"],
                                                    db=p["database"], role=p.get("role", "")),
    }  # fmt: skip
    return build[warehouse.name]()


SECRET_DETAILS = {"password", "private-key-value"}


@dataclass
class ProvisionResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    dashboard_ids: dict[str, int] = field(default_factory=dict)

    def note(self, what: str, outcome: str) -> None:
        getattr(self, outcome).append(what)
        logger.info("metabase %s: %s", outcome, what)


def wait_until_ready(client: MetabaseClient, timeout: float = 0.0, interval: float = 2.0) -> None:
    """Wait for GET /api/health to answer ok (Metabase takes a while to start)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if (client.get("/api/health") or {}).get("status") == "ok":
                return
        except MetabaseError:
            pass
        if time.monotonic() >= deadline:
            raise MetabaseError("Metabase is not ready (GET /api/health)", path="/api/health")
        time.sleep(interval)


def login(client: MetabaseClient, admin: Admin, result: ProvisionResult) -> None:
    """Create the first admin through the setup token on a fresh Metabase, or log in."""
    properties = client.get("/api/session/properties")
    token = properties.get("setup-token")
    if token and not properties.get("has-user-setup"):
        session = client.post("/api/setup", {
            "token": token,
            "user": {"email": admin.email, "password": admin.password, "first_name": admin.first_name,
                     "last_name": admin.last_name, "site_name": admin.site_name},
            "prefs": {"site_name": admin.site_name, "allow_tracking": False},
        })
        result.note(f"admin {admin.email}", "created")
    else:
        session = client.post("/api/session", {"username": admin.email, "password": admin.password})
    client.session = session["id"]


def ensure_database(client: MetabaseClient, spec: DatabaseSpec, result: ProvisionResult) -> int:
    for database in _items(client.get("/api/database")):
        if database.get("name") != spec.name:
            continue
        current = database.get("details") or {}
        changed = database.get("engine") != spec.engine or any(
            current.get(k) != v for k, v in spec.details.items() if k not in SECRET_DETAILS
        )
        if changed:
            client.put(f"/api/database/{database['id']}", {"engine": spec.engine, "details": spec.details})
            result.note(f"database {spec.name}", "updated")
        else:
            result.note(f"database {spec.name}", "unchanged")
        return database["id"]
    created = client.post("/api/database", {
        "name": spec.name, "engine": spec.engine, "details": spec.details, "is_full_sync": True,
    })
    result.note(f"database {spec.name}", "created")
    return created["id"]


def ensure_collection(client: MetabaseClient, name: str, description: str, result: ProvisionResult) -> int:
    for collection in _items(client.get("/api/collection")):
        if (collection.get("name") == name and not collection.get("archived")
                and not collection.get("personal_owner_id") and isinstance(collection.get("id"), int)):
            result.note(f"collection {name}", "unchanged")
            return collection["id"]
    created = client.post("/api/collection", {"name": name, "description": description, "parent_id": None})
    result.note(f"collection {name}", "created")
    return created["id"]


def _collection_items(client: MetabaseClient, collection_id: int, model: str) -> dict[str, int]:
    items = _items(client.get(f"/api/collection/{collection_id}/items", models=model))
    return {item["name"]: item["id"] for item in items if item.get("model", model) == model}


def _card_differs(current: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    sql, tags = _native_sql(current)
    wanted_sql, wanted_tags = _native_sql(wanted)
    if sql.strip() != wanted_sql.strip() or current.get("dataset_query", {}).get("database") != wanted["dataset_query"]["database"]:
        return True
    if {k: (v.get("type"), v.get("display-name")) for k, v in tags.items()} != {
        k: (v["type"], v["display-name"]) for k, v in wanted_tags.items()
    }:
        return True
    settings = current.get("visualization_settings") or {}
    if any(settings.get(k) != v for k, v in wanted["visualization_settings"].items()):
        return True
    return any(current.get(k) != wanted[k] for k in ("name", "description", "display", "collection_id"))


def ensure_cards(client: MetabaseClient, questions: list[dict[str, Any]], *, database_id: int,
                 collection_id: int, labels: Mapping[str, str], result: ProvisionResult) -> dict[str, int]:
    existing = _collection_items(client, collection_id, "card")
    ids: dict[str, int] = {}
    for question in questions:
        wanted = card_payload(question, database_id=database_id, collection_id=collection_id, labels=labels)
        card_id = existing.get(question["name"])
        if card_id is None:
            card_id = client.post("/api/card", wanted)["id"]
            result.note(f"card {question['name']}", "created")
        elif _card_differs(client.get(f"/api/card/{card_id}"), wanted):
            client.put(f"/api/card/{card_id}", wanted)
            result.note(f"card {question['name']}", "updated")
        else:
            result.note(f"card {question['name']}", "unchanged")
        ids[question["key"]] = card_id
    return ids


def _parameters(dashboard: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {"id": p["slug"], "name": p["name"], "slug": p["slug"], "type": p["type"],
         "sectionId": p["type"].split("/")[0]}
        for p in dashboard.get("parameters") or []
    ]


def _layout(dashboard: Mapping[str, Any], questions: Mapping[str, Mapping[str, Any]],
            card_ids: Mapping[str, int]) -> list[dict[str, Any]]:
    slugs = {p["slug"] for p in dashboard.get("parameters") or []}
    layout = []
    for card in dashboard["cards"]:
        question = questions[card["question"]]
        card_id = card_ids[card["question"]]
        layout.append({
            "card_id": card_id,
            "col": card["position"][0], "row": card["position"][1],
            "size_x": card["size"][0], "size_y": card["size"][1],
            "parameter_mappings": [
                {"parameter_id": name, "card_id": card_id, "target": ["variable", ["template-tag", name]]}
                for name in question.get("variables") or {} if name in slugs
            ],
        })
    return layout


def _shape(dashcard: Mapping[str, Any]) -> tuple:
    mappings = sorted((m["parameter_id"], repr(m["target"])) for m in dashcard.get("parameter_mappings") or [])
    return (dashcard.get("card_id"), dashcard.get("col"), dashcard.get("row"), dashcard.get("size_x"),
            dashcard.get("size_y"), tuple(mappings))


def ensure_dashboard(client: MetabaseClient, dashboard: Mapping[str, Any], questions: Mapping[str, Mapping[str, Any]],
                     card_ids: Mapping[str, int], *, collection_id: int, result: ProvisionResult) -> int:
    name = dashboard["name"]
    parameters = _parameters(dashboard)
    dashboard_id = _collection_items(client, collection_id, "dashboard").get(name)
    if dashboard_id is None:
        dashboard_id = client.post("/api/dashboard", {
            "name": name, "description": dashboard.get("description"), "collection_id": collection_id,
            "parameters": parameters,
        })["id"]
        result.note(f"dashboard {name}", "created")
        current: dict[str, Any] = {"dashcards": []}
        fresh = True
    else:
        current = client.get(f"/api/dashboard/{dashboard_id}")
        fresh = False
    existing = current.get("dashcards") or current.get("ordered_cards") or []
    wanted = _layout(dashboard, questions, card_ids)
    same_cards = sorted(map(_shape, existing)) == sorted(map(_shape, wanted))
    same_meta = (
        [(p.get("slug"), p.get("type")) for p in current.get("parameters") or []]
        == [(p["slug"], p["type"]) for p in parameters]
        and current.get("description") == dashboard.get("description")
    )
    if same_cards and (same_meta or fresh):
        if not fresh:
            result.note(f"dashboard {name}", "unchanged")
        return dashboard_id
    # Keep the ids of dashcards that show the same card; new ones get negative ids (Metabase's rule).
    reusable: dict[int, list[int]] = {}
    for dashcard in existing:
        reusable.setdefault(dashcard.get("card_id"), []).append(dashcard["id"])
    dashcards = []
    for i, card in enumerate(wanted, start=1):
        ids = reusable.get(card["card_id"]) or []
        dashcards.append({"id": ids.pop(0) if ids else -i, **card, "series": [], "visualization_settings": {}})
    client.put(f"/api/dashboard/{dashboard_id}", {
        "name": name, "description": dashboard.get("description"), "parameters": parameters,
        "dashcards": dashcards,
    })
    if not fresh:
        result.note(f"dashboard {name}", "updated")
    return dashboard_id


def provision(client: MetabaseClient, definitions: Mapping[str, Any], *, database: DatabaseSpec,
              admin: Admin, ready_timeout: float = 0.0) -> ProvisionResult:
    """Create or update everything `definitions` describes; a second run changes nothing."""
    result = ProvisionResult()
    wait_until_ready(client, timeout=ready_timeout)
    login(client, admin, result)
    database_id = ensure_database(client, database, result)
    collection = definitions["collection"]
    collection_id = ensure_collection(client, collection["name"], collection.get("description", ""), result)
    questions = {q["key"]: q for q in definitions["questions"]}
    labels = {p["slug"]: p["name"] for d in definitions.get("dashboards") or [] for p in d.get("parameters") or []}
    card_ids = ensure_cards(client, definitions["questions"], database_id=database_id,
                            collection_id=collection_id, labels=labels, result=result)
    for dashboard in definitions.get("dashboards") or []:
        result.dashboard_ids[dashboard["name"]] = ensure_dashboard(
            client, dashboard, questions, card_ids, collection_id=collection_id, result=result
        )
    return result
