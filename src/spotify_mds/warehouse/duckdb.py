"""The DuckDB warehouse: one file, bronze read in place with `read_json` (no row-by-row inserts)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from spotify_mds.errors import ComponentUnavailable, ConfigError, WarehouseError
from spotify_mds.lake import Lake, ObjectInfo
from spotify_mds.warehouse.base import RawTable, Warehouse
from spotify_mds.warehouse.files import read_bronze_sql, reading_error, stage_urls

logger = logging.getLogger(__name__)


def connect(path: Path | str, lake: Lake | None = None, *, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """A connection in UTC, with the lake's filesystem registered when it is not a local folder.

    `memory_limit` (DUCKDB_MEMORY_LIMIT) bounds DuckDB's memory for the whole database instance (all
    of this process's connections to the file, dbt's included); beyond it DuckDB spills to
    `<file>.tmp`. None keeps DuckDB's default, 80 % of RAM.
    """
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute("SET TimeZone = 'UTC'")
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")  # validated by the settings: digits and a unit
    if lake is not None and (fs := lake.filesystem()) is not None:
        # One database file is one DuckDB instance per process, shared by its connections, and so
        # is the filesystem registry: a second connection (two loads in one process) replaces the
        # filesystem rather than failing with "already been registered".
        protocols = fs.protocol if isinstance(fs.protocol, (list, tuple)) else (fs.protocol,)
        for name in protocols:
            if con.filesystem_is_registered(name):
                con.unregister_filesystem(name)
        con.register_filesystem(fs)
    return con


class DuckDBWarehouse(Warehouse):
    name = "duckdb"
    placeholder = "?"
    files_per_transaction = 256
    types = {"varchar": "VARCHAR", "timestamp": "TIMESTAMP", "bigint": "BIGINT", "integer": "INTEGER",
             "date": "DATE", "json": "JSON", "boolean": "BOOLEAN", "double": "DOUBLE",
             "decimal": "DECIMAL(12, 2)"}  # fmt: skip

    def __init__(self, path: Path | str, dbt_env: dict[str, str] | None = None, *, setting: str = "DUCKDB_PATH",
                 memory_limit: str | None = None) -> None:  # fmt: skip
        super().__init__(dbt_env or {"WAREHOUSE": "duckdb", "DUCKDB_PATH": str(Path(path).resolve())})
        self.path = Path(path)
        self.setting = setting
        """The setting that names the file (DUCKDB_PATH, or DATA_DIR when it is derived)."""
        self.memory_limit = memory_limit
        """DUCKDB_MEMORY_LIMIT: set on every connection (None: DuckDB's default, 80 % of RAM)."""

    def connect(self, lake: Lake | None = None) -> duckdb.DuckDBPyConnection:
        """A connection; WarehouseError naming the fix when another process holds the file."""
        try:
            return connect(self.path, lake, memory_limit=self.memory_limit)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise WarehouseError(
                    f"{self.path} is in use by another process (DuckDB allows one writer at a time): "
                    "stop it, or point DUCKDB_PATH elsewhere"
                ) from exc
            raise WarehouseError(f"cannot open the DuckDB warehouse {self.path} (DUCKDB_PATH): {exc}") from exc

    def execute(self, con: Any, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
        cursor = con.execute(sql, list(params))
        return cursor.fetchall() if cursor.description else []

    @contextmanager
    def transaction(self, con: Any) -> Iterator[Any]:
        con.execute("BEGIN TRANSACTION")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")

    def copy(self, con: Any, lake: Lake, table: RawTable, keys: list[str], staged: Any, loaded_at: datetime) -> None:
        urls = [lake.url(key) for key in keys]
        stage_urls(con, urls, keys)
        con.execute(f"INSERT INTO {table.name} {read_bronze_sql(table.columns, loaded_at)}", [urls])

    def classify(self, exc: Exception, lake: Lake, chunk: list[ObjectInfo], message: str) -> WarehouseError:
        return reading_error(exc, lake, chunk, message)

    def copy_arrow(self, con: Any, table: str, data: Any) -> None:
        """Insert an Arrow table DuckDB scans in place (zero copy, no row-by-row inserts)."""
        view = "_spotify_mds_arrow_batch"
        con.register(view, data)
        try:
            names = ", ".join(self.quote(name) for name in data.column_names)
            con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {view}")
        finally:
            con.unregister(view)

    def gold_source(self, con: Any) -> Any:
        from spotify_mds.export import DuckDBGold

        return DuckDBGold(con)

    @property
    def identity(self) -> str:
        return f"duckdb://{self.path.resolve()}"

    def __str__(self) -> str:
        return f"duckdb {self.path}"

    def exists(self) -> bool:
        return self.path.is_file()

    def check_paths(self) -> None:
        if self.path.is_dir():
            example = self.path / "warehouse.duckdb"
            raise ConfigError(f"{self.setting}: {self.path} is a folder; the DuckDB warehouse is a file (e.g. {example})")
        from spotify_mds.settings import writable_folder

        writable_folder(self.path.parent, self.setting)

    def require(self) -> None:
        self.connect().close()  # a file held by another writer is said before the progress bar

    def probe(self, timeout: float) -> str:
        if not self.path.exists():
            return "no database file yet (the first load creates it)"
        try:
            con = duckdb.connect(str(self.path), read_only=True)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                return "file held by a writer (a load or dbt is running)"
            raise ComponentUnavailable(f"cannot open {self.path}: {exc}") from exc
        except duckdb.Error as exc:
            raise ComponentUnavailable(f"cannot open {self.path}: {exc}") from exc
        try:
            tables = con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema IN ('raw', 'silver', 'gold')"
            ).fetchone()[0]
        finally:
            con.close()
        return f"DuckDB file opens, {tables} tables in raw/silver/gold"
