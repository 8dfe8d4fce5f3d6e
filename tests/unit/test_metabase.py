"""Metabase dashboards as code: the definitions against the gold contract, and provisioning against a
fake Metabase that checks the request shapes of its API (httpx2.MockTransport, no server)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import duckdb
import httpx2
import pytest
import yaml

from spotify_mds.presentation.dashboard.contract import gold_contract
from spotify_mds.errors import ConfigError
from spotify_mds.presentation.metabase import (
    Admin,
    DatabaseSpec,
    MetabaseClient,
    MetabaseError,
    definitions_path,
    load_definitions,
    provision,
)

ADMIN = Admin("admin@example.com", "s3cret-Passw0rd")
DATABASE = DatabaseSpec.postgres("spotify-mds warehouse", host="postgres", port=5432, dbname="spotify_mds",
                                 user="postgres", password="pg-secret")


# -- definitions against the gold contract ------------------------------------------------------------
def _variants(sql: str, variables: dict[str, str]) -> list[str]:
    """The SQL as Metabase would send it: without the optional clauses, and with all of them filled."""
    literals = {"date": "DATE '2026-11-02'", "text": "'SE'", "number": "1"}
    without = re.sub(r"\[\[.*?\]\]", "", sql, flags=re.DOTALL)
    filled = re.sub(r"\[\[(.*?)\]\]", r"\1", sql, flags=re.DOTALL)
    filled = re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: literals[variables[m.group(1)]], filled)
    return [without, filled]


def all_marts_contract() -> dict[str, dict[str, str]]:
    """The streams' gold contract plus the e-commerce marts' (its dashboard reads those)."""
    from spotify_mds.presentation.dashboard.contract import dbt_contract, dbt_marts_dir

    return {**gold_contract(), **dbt_contract(dbt_marts_dir().parents[1] / "ecommerce" / "marts")}


@pytest.fixture(scope="module")
def contract_db() -> duckdb.DuckDBPyConnection:
    """Empty GOLD tables with exactly the contract's columns (dbt's YAML where it defines a mart)."""
    con = duckdb.connect()
    con.execute("create schema gold")
    for mart, columns in all_marts_contract().items():
        cols = ", ".join(f'"{name}" {kind or "varchar"}' for name, kind in columns.items())
        con.execute(f"create table gold.{mart} ({cols})")
    yield con
    con.close()


def test_every_question_reads_only_columns_its_mart_has(contract_db: duckdb.DuckDBPyConnection) -> None:
    contract = all_marts_contract()
    for question in load_definitions()["questions"]:
        assert question["mart"] in contract, question["key"]
        assert set(re.findall(r"gold\.(\w+)", question["sql"])) == {question["mart"]}, question["key"]
        for sql in _variants(question["sql"], question.get("variables") or {}):
            try:
                result = contract_db.execute(sql)
            except duckdb.Error as exc:  # the binder names the unknown column
                pytest.fail(f"{question['key']}: {exc}")
            outputs = {d[0] for d in result.description}
            settings = question.get("visualization") or {}
            used = set(settings.get("graph.dimensions", [])) | set(settings.get("graph.metrics", []))
            assert used <= outputs, f"{question['key']} charts {used - outputs}, which the query does not return"


def test_the_dashboards_show_every_question_without_overlaps() -> None:
    definitions = load_definitions()
    shown = [c["question"] for dashboard in definitions["dashboards"] for c in dashboard["cards"]]
    assert sorted(shown) == sorted(q["key"] for q in definitions["questions"])  # each once
    for dashboard in definitions["dashboards"]:
        cells: set[tuple[int, int]] = set()
        for card in dashboard["cards"]:
            (col, row), (width, height) = card["position"], card["size"]
            mine = {(c, r) for c in range(col, col + width) for r in range(row, row + height)}
            assert not mine & cells, f"{card['question']} overlaps another card"
            cells |= mine


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["dashboards"][0]["cards"].append({"question": "nope", "position": [0, 99], "size": [4, 4]}),
         "unknown question 'nope'"),
        (lambda d: d["questions"][0].update(variables={}), "variables used"),
        (lambda d: d["questions"][1].update(name=d["questions"][0]["name"]), "unique name"),
        (lambda d: d["dashboards"][0]["cards"][0].update(position=[20, 0]), "wider than the 24-column grid"),
    ],
)
def test_bad_definitions_are_refused_with_the_reason(tmp_path: Path, edit: Any, message: str) -> None:
    document = yaml.safe_load(definitions_path().read_text())
    edit(document)
    path = tmp_path / "dashboards.yml"
    path.write_text(yaml.safe_dump(document))
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_definitions(path)


# -- a fake Metabase ------------------------------------------------------------------------------------
class FakeMetabase:
    """Enough of Metabase's API, with its request checks, kept in memory."""

    def __init__(self, *, mbql5: bool = False) -> None:
        self.mbql5 = mbql5
        self.setup_token = "setup-token-123"
        self.users: dict[str, str] = {}
        self.sessions: set[str] = set()
        self.databases: dict[int, dict] = {}
        self.collections: dict[Any, dict] = {
            "root": {"id": "root", "name": "Our analytics"},
            1: {"id": 1, "name": "Admin's Personal Collection", "personal_owner_id": 1},
        }
        self.cards: dict[int, dict] = {}
        self.dashboards: dict[int, dict] = {}
        self.log: list[tuple[str, str]] = []
        self._next = 100

    def _id(self) -> int:
        self._next += 1
        return self._next

    def writes(self) -> list[tuple[str, str]]:
        return [entry for entry in self.log if entry[0] != "GET"]

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        method, path = request.method, request.url.path.rstrip("/")
        self.log.append((method, path))
        body = json.loads(request.content) if request.content else None
        try:
            status, payload = self.route(method, path, body, request)
        except AssertionError as problem:  # a request Metabase would refuse
            status, payload = 400, {"errors": str(problem)}
        return httpx2.Response(status, json=payload)

    def route(self, method: str, path: str, body: Any, request: httpx2.Request) -> tuple[int, Any]:
        if (method, path) == ("GET", "/api/health"):
            return 200, {"status": "ok"}
        if (method, path) == ("GET", "/api/session/properties"):
            return 200, {"setup-token": self.setup_token, "has-user-setup": bool(self.users), "version": {"tag": "v0.56.0"}}
        if (method, path) == ("POST", "/api/setup"):
            assert not self.users, "setup already done"
            assert body["token"] == self.setup_token, "Token does not match the setup token."
            assert body["user"]["email"] and body["user"]["password"] and body["prefs"]["site_name"]
            self.users[body["user"]["email"]] = body["user"]["password"]
            return 200, {"id": self._session()}
        if (method, path) == ("POST", "/api/session"):
            if self.users.get(body["username"]) != body["password"]:
                return 401, {"errors": {"password": "did not match stored password"}}
            return 200, {"id": self._session()}
        if request.headers.get("X-Metabase-Session") not in self.sessions:
            return 401, "Unauthenticated"
        parts = path.split("/")[2:]
        handler = getattr(self, f"{method.lower()}_{parts[0]}")
        return handler(parts[1:], body, request)

    def _session(self) -> str:
        session = f"session-{len(self.sessions) + 1}"
        self.sessions.add(session)
        return session

    # /api/database
    def get_database(self, rest: list[str], body: Any, request: Any) -> tuple[int, Any]:
        shown = [{**db, "details": {**db["details"], "password": "**MetabasePass**"}} for db in self.databases.values()]
        return 200, {"data": shown, "total": len(shown)}

    def post_database(self, rest: list[str], body: Any, request: Any) -> tuple[int, Any]:
        assert body["name"] and body["engine"] in {"postgres", "snowflake"} and isinstance(body["details"], dict)
        database = {"id": self._id(), **body}
        self.databases[database["id"]] = database
        return 200, database

    def put_database(self, rest: list[str], body: Any, request: Any) -> tuple[int, Any]:
        self.databases[int(rest[0])].update(body)
        return 200, self.databases[int(rest[0])]

    # /api/collection
    def get_collection(self, rest: list[str], body: Any, request: Any) -> tuple[int, Any]:
        if not rest:
            return 200, list(self.collections.values())
        collection_id, what = int(rest[0]), rest[1]
        assert what == "items"
        model = request.url.params.get("models")
        items = []
        if model == "card":
            items = [{"id": c["id"], "name": c["name"], "model": "card"} for c in self.cards.values()
                     if c["collection_id"] == collection_id]
        elif model == "dashboard":
            items = [{"id": d["id"], "name": d["name"], "model": "dashboard"} for d in self.dashboards.values()
                     if d["collection_id"] == collection_id]
        return 200, {"data": items, "total": len(items), "models": [model]}

    def post_collection(self, rest: list[str], body: Any, request: Any) -> tuple[int, Any]:
        assert body["name"], "name must be a non-blank string"
        collection = {"id": self._id(), "name": body["name"], "description": body.get("description")}
        self.collections[collection["id"]] = collection
        return 200, collection

    # /api/card
    def _check_card(self, body: dict) -> None:
        assert body["name"] and body["display"] and isinstance(body["visualization_settings"], dict)
        assert body["collection_id"] in self.collections
        query = body["dataset_query"]
        assert query["type"] == "native" and query["database"] in self.databases
        assert isinstance(query["native"]["query"], str) and query["native"]["query"]
        for name, tag in query["native"]["template-tags"].items():
            assert tag["name"] == name and tag["id"] and tag["type"] in {"date", "text", "number"}
            assert "{{" + name + "}}" in query["native"]["query"]

    def _shown(self, card: dict) -> dict:
        if not self.mbql5:
            return card
        native = card["dataset_query"]["native"]
        return {**card, "dataset_query": {
            "lib/type": "mbql/query", "database": card["dataset_query"]["database"],
            "stages": [{"lib/type": "mbql.stage/native", "native": native["query"],
                        "template-tags": native["template-tags"]}],
        }}

    def get_card(self, rest: list[str], body: Any, request: Any) -> tuple[int, Any]:
        return 200, self._shown(self.cards[int(rest[0])])

    def post_card(self, rest: list[str], body: Any, request: Any) -> tuple[int, Any]:
        self._check_card(body)
        card = {"id": self._id(), **copy.deepcopy(body)}
        self.cards[card["id"]] = card
        return 200, self._shown(card)

    def put_card(self, rest: list[str], body: Any, request: Any) -> tuple[int, Any]:
        self._check_card(body)
        self.cards[int(rest[0])].update(copy.deepcopy(body))
        return 200, self._shown(self.cards[int(rest[0])])

    # /api/dashboard
    def post_dashboard(self, rest: list[str], body: Any, request: Any) -> tuple[int, Any]:
        assert body["name"] and body["collection_id"] in self.collections
        for parameter in body.get("parameters", []):
            assert {"id", "name", "slug", "type"} <= set(parameter)
        dashboard = {"id": self._id(), "dashcards": [], "parameters": [], "description": None, **copy.deepcopy(body)}
        self.dashboards[dashboard["id"]] = dashboard
        return 200, dashboard

    def get_dashboard(self, rest: list[str], body: Any, request: Any) -> tuple[int, Any]:
        return 200, self.dashboards[int(rest[0])]

    def put_dashboard(self, rest: list[str], body: Any, request: Any) -> tuple[int, Any]:
        assert len(rest) == 1, "PUT /api/dashboard/:id/cards is deprecated; send dashcards to PUT /api/dashboard/:id"
        dashboard = self.dashboards[int(rest[0])]
        for key in ("name", "description", "parameters"):
            if key in body:
                dashboard[key] = copy.deepcopy(body[key])
        if "dashcards" in body:
            known = {dc["id"] for dc in dashboard["dashcards"]}
            parameter_ids = {p["id"] for p in dashboard["parameters"]}
            saved = []
            for dashcard in body["dashcards"]:
                assert dashcard["id"] < 0 or dashcard["id"] in known, "dashcard ids are unique and new ones negative"
                assert dashcard["card_id"] in self.cards
                assert all(isinstance(dashcard[k], int) for k in ("row", "col", "size_x", "size_y"))
                tags = self.cards[dashcard["card_id"]]["dataset_query"]["native"]["template-tags"]
                for mapping in dashcard["parameter_mappings"]:
                    assert mapping["parameter_id"] in parameter_ids and mapping["card_id"] == dashcard["card_id"]
                    kind, (_tag, name) = mapping["target"]
                    assert kind == "variable" and name in tags
                saved.append({**copy.deepcopy(dashcard), "id": self._id() if dashcard["id"] < 0 else dashcard["id"],
                              "dashboard_id": dashboard["id"]})
            dashboard["dashcards"] = saved
        return 200, dashboard


def _run(fake: FakeMetabase, definitions: dict, admin: Admin = ADMIN) -> Any:
    with httpx2.Client(base_url="http://metabase.test", transport=httpx2.MockTransport(fake)) as http:
        return provision(MetabaseClient(http), definitions, database=DATABASE, admin=admin)


@pytest.mark.parametrize("mbql5", [False, True], ids=["legacy-query", "mbql5-query"])
def test_provisioning_creates_everything_then_nothing(mbql5: bool) -> None:
    fake = FakeMetabase(mbql5=mbql5)
    definitions = load_definitions()
    first = _run(fake, definitions)
    questions = definitions["questions"]
    assert first.created[0] == "admin admin@example.com"
    assert len(fake.cards) == len(questions) and len(fake.dashboards) == len(load_definitions()["dashboards"])
    assert not first.updated
    database = next(iter(fake.databases.values()))
    assert database["engine"] == "postgres" and database["details"]["schema-filters-patterns"] == "gold"
    assert sum(len(board["dashcards"]) for board in fake.dashboards.values()) == len(questions)
    dashboard = next(iter(fake.dashboards.values()))
    top_tracks = next(c for c in fake.cards.values() if c["name"] == "Top tracks")
    mapped = next(dc for dc in dashboard["dashcards"] if dc["card_id"] == top_tracks["id"])
    assert {m["parameter_id"] for m in mapped["parameter_mappings"]} == {"start_date", "end_date", "country"}

    fake.log.clear()
    second = _run(fake, definitions)
    assert second.created == [] and second.updated == []
    assert fake.writes() == [("POST", "/api/session")]  # logs in, changes nothing
    assert len(fake.cards) == len(questions) and len(fake.dashboards) == len(load_definitions()["dashboards"])


def test_a_changed_question_and_layout_are_updated_in_place() -> None:
    fake = FakeMetabase()
    definitions = load_definitions()
    _run(fake, definitions)
    dashcard_ids = {dc["id"] for dc in next(iter(fake.dashboards.values()))["dashcards"]}
    changed = copy.deepcopy(definitions)
    plays = next(q for q in changed["questions"] if q["key"] == "plays_hourly")
    plays["sql"] = plays["sql"].replace("select hour_at, plays, listeners", "select hour_at, plays, listeners, ms_played")
    changed["dashboards"][0]["cards"][-1]["size"] = [24, 9]
    fake.log.clear()
    result = _run(fake, changed)
    assert result.created == []
    assert result.updated == ["card Plays per hour", "dashboard Listening overview"]
    card = next(c for c in fake.cards.values() if c["name"] == "Plays per hour")
    assert "ms_played" in card["dataset_query"]["native"]["query"]
    dashboard = next(iter(fake.dashboards.values()))
    assert {dc["id"] for dc in dashboard["dashcards"]} == dashcard_ids  # the same dashcards, moved
    assert _run(fake, changed).updated == []


def test_the_warehouse_connection_is_updated_when_it_changes() -> None:
    fake = FakeMetabase()
    _run(fake, load_definitions())
    moved = DatabaseSpec.postgres("spotify-mds warehouse", host="db.internal", port=5432, dbname="spotify_mds",
                                  user="postgres", password="pg-secret")
    with httpx2.Client(base_url="http://metabase.test", transport=httpx2.MockTransport(fake)) as http:
        result = provision(MetabaseClient(http), load_definitions(), database=moved, admin=ADMIN)
    assert result.updated == ["database spotify-mds warehouse"]
    assert next(iter(fake.databases.values()))["details"]["host"] == "db.internal"


def test_a_wrong_password_is_a_clear_error() -> None:
    fake = FakeMetabase()
    _run(fake, load_definitions())
    with pytest.raises(MetabaseError) as caught:
        _run(fake, load_definitions(), Admin("admin@example.com", "wrong"))
    assert caught.value.status == 401 and caught.value.path == "/api/session"
    assert "wrong" not in str(caught.value)


def test_the_cli_provisions_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from spotify_mds.cli import app

    fake = FakeMetabase()
    real_client = httpx2.Client
    monkeypatch.setattr(httpx2, "Client", lambda **kw: real_client(transport=httpx2.MockTransport(fake), **kw))
    monkeypatch.chdir(tmp_path)
    for name, value in {"MB_ADMIN_EMAIL": "admin@example.com", "MB_ADMIN_PASSWORD": "s3cret-Passw0rd",
                        "POSTGRES_HOST": "postgres", "POSTGRES_PASSWORD": "pg-secret", "MB_READY_TIMEOUT": "0"}.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, ["metabase", "provision", "--url", "http://metabase.test"])
    assert result.exit_code == 0, result.output
    assert "http://metabase.test/dashboard/" in result.output
    assert "s3cret" not in result.output and "pg-secret" not in result.output
    assert next(iter(fake.databases.values()))["details"]["password"] == "pg-secret"

    monkeypatch.delenv("MB_ADMIN_PASSWORD")
    refused = CliRunner().invoke(app, ["metabase", "provision"])
    assert isinstance(refused.exception, ConfigError) and "MB_ADMIN_PASSWORD" in str(refused.exception)


# -- text from the data is text -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda q: q.update(visualization={"column_settings": {'["name","track"]': {"view_as": "link"}}}), "view_as"),
        (lambda q: q.update(visualization={"column_settings": {'["name","artist_name"]': {"link_url": "{{artist_name}}"}}}),
         "link_url"),
        (lambda q: q.update(visualization={"click_behavior": {"type": "link", "linkType": "url"}}), "click_behavior"),
        (lambda q: q.update(display="text"), "display text"),
    ],
)
def test_definitions_that_would_render_data_as_markup_are_refused(tmp_path: Path, edit: Any, message: str) -> None:
    document = yaml.safe_load(definitions_path().read_text())
    edit(next(q for q in document["questions"] if q["key"] == "top_tracks"))
    path = tmp_path / "dashboards.yml"
    path.write_text(yaml.safe_dump(document))
    with pytest.raises(ConfigError, match=re.escape(message) + ".*text from the data is text"):
        load_definitions(path)


def test_every_card_shows_names_as_plain_text() -> None:
    fake = FakeMetabase()
    _run(fake, load_definitions())
    assert fake.cards
    for card in fake.cards.values():
        settings = card["visualization_settings"]["column_settings"]
        for column in ("track", "track_name", "artist_name", "device_type", "country_code"):
            assert settings[json.dumps(["name", column], separators=(",", ":"))] == {"view_as": None}, card["name"]
        assert card["display"] not in ("text", "heading", "link", "iframe")
