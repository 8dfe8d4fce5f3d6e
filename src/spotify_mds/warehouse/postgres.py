"""The PostgreSQL warehouse: bronze bulk-loaded with `COPY ... FROM STDIN` (no row-by-row inserts).

Each chunk of files is parsed and typed by an in-memory DuckDB (`read_json`, the same column types
as the DuckDB warehouse, gzip/zstd included), written as CSV to a temporary file, and streamed to
the server with `COPY ... FROM STDIN (FORMAT csv)` through psycopg 3, inside the chunk's transaction
(`Warehouse.load`). BENCHMARKS.md ("Loading") compares this with parsing rows in Python and with
the seed's one-INSERT-per-row.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from spotify_mds.errors import ComponentUnavailable, WarehouseError
from spotify_mds.extras import require
from spotify_mds.lake import Lake, ObjectInfo
from spotify_mds.warehouse.base import RawTable, Warehouse
from spotify_mds.warehouse.files import FileRejected, bronze_to_file, reading_error

COPY_BLOCK_BYTES = 1 << 20


class PostgresWarehouse(Warehouse):
    name = "postgres"
    files_per_transaction = 32
    types = {"varchar": "text", "timestamp": "timestamp", "bigint": "bigint", "integer": "integer",
             "date": "date", "json": "jsonb", "boolean": "boolean", "double": "double precision",
             "decimal": "numeric(12, 2)"}  # fmt: skip
    dbt_adapter = "dbt.adapters.postgres"

    def __init__(self, conninfo: str, dbt_env: dict[str, str] | None = None, *, params: dict[str, Any] | None = None) -> None:
        super().__init__(dbt_env or {"WAREHOUSE": "postgres"})
        self.conninfo = conninfo
        """A libpq connection string (holds the password: never log it)."""
        self.params = dict(params or {})
        """host, port, user, password, dbname (what Metabase's connection takes; never log)."""
        self.host, self.port = self.params.get("host", ""), self.params.get("port", 5432)
        self.dbname = self.params.get("dbname", "")

    def connect(self, lake: Lake | None = None) -> Any:
        """A connection whose session time zone is UTC (timestamps are stored as UTC wall time)."""
        psycopg = require("psycopg")
        try:
            # autocommit: every `with con.transaction()` is a real transaction, not a savepoint.
            con = psycopg.connect(self.conninfo, connect_timeout=10, autocommit=True)
        except psycopg.OperationalError as exc:
            raise ComponentUnavailable(f"PostgreSQL is not reachable: {exc}".strip()) from exc
        con.execute("SET TIME ZONE 'UTC'")
        return con

    def execute(self, con: Any, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
        cursor = con.execute(sql, list(params) or None)
        return cursor.fetchall() if cursor.description else []

    def transaction(self, con: Any) -> Any:
        return con.transaction()

    def extra_ddl(self, table: RawTable) -> list[str]:
        index = f"{table.name.split('.')[-1]}_source_file_idx"
        return [f"CREATE INDEX IF NOT EXISTS {index} ON {table.name} (_source_file)"]

    def stage(self, con: Any, lake: Lake, table: RawTable, keys: list[str], folder: Path, loaded_at: datetime) -> Path:
        from spotify_mds.warehouse import duckdb as duck

        path = folder / "chunk.csv"
        reader = duck.connect(":memory:", lake)
        try:
            bronze_to_file(reader, [lake.url(key) for key in keys], keys, path, table.columns, loaded_at=loaded_at)
        finally:
            reader.close()
        return path

    def copy(self, con: Any, lake: Lake, table: RawTable, keys: list[str], staged: Path, loaded_at: datetime) -> None:
        names = ", ".join(f'"{name}"' for name in table.columns) + ", _source_file, _loaded_at"
        with con.cursor() as cur:
            with cur.copy(f"COPY {table.name} ({names}) FROM STDIN (FORMAT csv)") as copy, staged.open("rb") as handle:
                while block := handle.read(COPY_BLOCK_BYTES):
                    copy.write(block)

    def copy_arrow(self, con: Any, table: str, data: Any) -> None:
        """`COPY ... FROM STDIN (FORMAT csv)` of an Arrow table written as CSV by pyarrow (an unquoted
        empty field is NULL, a quoted one an empty string: COPY's CSV rules)."""
        import io

        import pyarrow.csv as pacsv

        buffer = io.BytesIO()
        pacsv.write_csv(data, buffer, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
        names = ", ".join(self.quote(name) for name in data.column_names)
        buffer.seek(0)
        with con.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT csv)") as copy:
            while block := buffer.read(COPY_BLOCK_BYTES):
                copy.write(block)

    def classify(self, exc: Exception, lake: Lake, chunk: list[ObjectInfo], message: str) -> WarehouseError:
        import duckdb

        psycopg = require("psycopg")
        if isinstance(exc, duckdb.Error):
            return reading_error(exc, lake, chunk, message)
        if isinstance(exc, (psycopg.DataError, psycopg.IntegrityError)):
            return FileRejected(message, file=chunk[0].key)
        return WarehouseError(message, file=chunk[0].key)

    def arrow_type(self, column: Any) -> Any:
        import pyarrow as pa

        # PostgreSQL type OIDs → Arrow types (what the gold contract uses).
        types = {16: pa.bool_(), 20: pa.int64(), 21: pa.int16(), 23: pa.int32(), 700: pa.float32(),
                 701: pa.float64(), 25: pa.string(), 1043: pa.string(), 1082: pa.date32(),
                 1114: pa.timestamp("us"), 1700: pa.float64()}  # fmt: skip
        return types.get(column[1], pa.string())

    @property
    def identity(self) -> str:
        return f"postgres://{self.host}:{self.port}/{self.dbname}"

    def __str__(self) -> str:
        return f"postgres {self.host}:{self.port}/{self.dbname}"

    def require(self) -> None:
        require("psycopg")

    def probe(self, timeout: float) -> str:
        """A login when a driver is installed (psycopg, else psycopg2), else a TCP connect."""
        driver = None
        try:
            import psycopg as driver  # psycopg 3
        except ImportError:
            try:
                import psycopg2 as driver
            except ImportError:
                pass
        if driver is None:
            try:
                with socket.create_connection((self.host, self.port), timeout=timeout):
                    pass
            except OSError as exc:
                raise ComponentUnavailable(f"{self.host}:{self.port} unreachable: {exc}") from exc
            return "port open (install psycopg for a login check)"
        try:
            con = driver.connect(self.conninfo, connect_timeout=max(1, int(timeout)))
        except Exception as exc:  # OperationalError of either driver; the message never holds the password
            raise ComponentUnavailable(f"cannot log in: {str(exc).strip().splitlines()[0]}") from exc
        try:
            cur = con.cursor()
            cur.execute("SELECT current_setting('server_version')")
            version = cur.fetchone()[0]
        finally:
            con.close()
        return f"PostgreSQL {version}, logged in to {self.dbname}"
