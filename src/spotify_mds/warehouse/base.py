"""The warehouse interface: what every back end does, written once; the back ends bring DDL and copy.

A `Warehouse` creates the schemas and a pipeline's raw table, loads bronze files into it
incrementally with a ledger, forgets a range of files, answers queries, and says where gold is read
from for the export. DuckDB, PostgreSQL and Snowflake implement it (`duckdb.py`, `postgres.py`,
`snowflake.py`) with their connection, column types, transactions and bulk copy only; the factory
`warehouse_from(settings)` (this package's `__init__`) picks one, once, at the edge.

The ledgered load (`Warehouse.load`): each back end keeps a ledger of the files it loaded (key,
version, size, rows, when). A load lists the table's bronze files, picks those the ledger lacks or
holds at another version, and, per chunk of files in one transaction, deletes their old rows, bulk
copies them and updates the ledger. Loading the same file twice is a no-op; a changed file replaces
its rows; `forget` drops the files of a time range so the next load reads them again.

A bad file never blocks the others (`load_isolating`): a chunk whose load fails on the data
(`FileRejected`) is split in halves and loaded again until the failing files stand alone; each is
recorded in the failures table (`raw.failed_files`: key, version, error, when) and in
`LoadStats.failures`, stays out of the ledger (so the next load tries it again) and the rest loads.
A failure that is not about the data (the warehouse or the lake is down) still stops the load.

The warehouse knows no pipeline: the table (`RawTable`: name, ledger, topic, columns) is passed in.

Tables built outside dbt from Arrow data (the e-commerce star schema, out of Spark) use
`ensure_table` and `replace_partition`: one transaction deletes a partition's rows (a drop date)
and bulk-copies the new ones (`copy_arrow`: DuckDB scans the Arrow table, PostgreSQL takes
`COPY FROM STDIN`; Snowflake does not implement it yet), so a reload replaces that partition only.
"""

from __future__ import annotations

import logging
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from spotify_mds.errors import WarehouseError
from spotify_mds.lake import Lake, ObjectInfo
from spotify_mds.warehouse.files import FileRejected, bronze_files, in_range, pending_files

logger = logging.getLogger(__name__)

SCHEMAS = ("raw", "silver", "gold")
FAILURES_TABLE = "raw.failed_files"
"""Per back end: file_key, version, error, failed_at of the files the last loads could not load."""


@dataclass(frozen=True)
class RawTable:
    """A raw table a pipeline loads from bronze: the warehouse's only knowledge of a pipeline."""

    name: str
    """`raw.<table>`."""
    ledger: str
    """`raw.<ledger>`: the files loaded into it (key, version, size, rows, when)."""
    topic: str
    """Its bronze files are `bronze/<topic>/…`."""
    columns: Mapping[str, str]
    """name → kind (`files.COLUMN_KINDS`), in the order of the table; then `_source_file`, `_loaded_at`."""
    drop_missing: bool = False
    """A file that left the lake takes its rows along (snapshots that became empty)."""
    prefix: str = ""
    """Where its files are when not `bronze/<topic>/` (NDJSON a pipeline writes for the load, say)."""


@dataclass
class LoadStats:
    files_seen: int = 0
    files_loaded: int = 0
    rows_loaded: int = 0
    files_replaced: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    """(file key, error) of the files whose load failed this time (tried again by the next load)."""


def load_isolating(
    todo: list[ObjectInfo],
    chunk_size: int,
    load_chunk: Callable[[list[ObjectInfo]], int],
    record_failure: Callable[[ObjectInfo, str], None],
    stats: LoadStats,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Load `todo` chunk by chunk with `load_chunk` (one transaction: rows, ledger, failures cleared;
    returns the rows loaded; raises FileRejected, rolled back, when the data is refused), isolating
    refused files by halving the chunk; `record_failure` notes each one."""

    def attempt(chunk: list[ObjectInfo]) -> None:
        try:
            rows = load_chunk(chunk)
        except FileRejected as exc:
            if len(chunk) > 1:
                middle = len(chunk) // 2
                attempt(chunk[:middle])
                attempt(chunk[middle:])
                return
            error = str(exc.__cause__ or exc)[:2000]
            record_failure(chunk[0], error)
            stats.failures.append((chunk[0].key, error))
            return
        stats.files_loaded += len(chunk)
        stats.rows_loaded += rows

    for start in range(0, len(todo), chunk_size):
        chunk = todo[start : start + chunk_size]
        attempt(chunk)
        if progress is not None:
            progress(len(chunk), len(todo))


def _utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Warehouse(ABC):
    """One warehouse: the back ends implement the abstract methods, the base does the rest."""

    name: str
    """The dialect, `WAREHOUSE`'s value and the dbt target."""
    placeholder = "%s"
    """The driver's query parameter marker."""
    files_per_transaction = 64
    types: Mapping[str, str]
    """Column kind → this back end's type."""
    ledger_key = " PRIMARY KEY"
    transactional_ddl = True
    """Whether DDL runs inside a transaction (Snowflake commits each DDL statement on its own)."""
    dbt_adapter: str | None = None
    """The dbt adapter module an install must have (dbt-duckdb is a core dependency)."""

    def __init__(self, dbt_env: Mapping[str, str] | None = None) -> None:
        self.dbt_env = dict(dbt_env or {})
        """The environment `dbt/profiles.yml` reads (from the factory; secrets included: never log)."""

    # -- what a back end brings -------------------------------------------------------------------
    @abstractmethod
    def connect(self, lake: Lake | None = None) -> Any:
        """A new connection in UTC (DuckDB: with the lake's filesystem registered)."""

    @abstractmethod
    def execute(self, con: Any, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
        """Run one statement; its rows (empty when it returns none)."""

    @abstractmethod
    def transaction(self, con: Any) -> AbstractContextManager[Any]:
        """Commit on exit, roll back on an exception."""

    @abstractmethod
    def copy(self, con: Any, lake: Lake, table: RawTable, keys: list[str], staged: Any, loaded_at: datetime) -> None:
        """Bulk-copy the files' rows into `table` (inside the chunk's transaction)."""

    @abstractmethod
    def classify(self, exc: Exception, lake: Lake, chunk: list[ObjectInfo], message: str) -> WarehouseError:
        """FileRejected when the data is at fault, else WarehouseError (raised `from exc`)."""

    @property
    @abstractmethod
    def identity(self) -> str:
        """Which warehouse this is, without secrets (`postgres://host:port/db`)."""

    @abstractmethod
    def probe(self, timeout: float) -> str:
        """A one-line health detail; ComponentUnavailable saying why when it does not answer."""

    def stage(self, con: Any, lake: Lake, table: RawTable, keys: list[str], folder: Path, loaded_at: datetime) -> Any:
        """Prepare the files for `copy`, outside the transaction (a CSV, a staged Parquet file)."""
        return None

    def extra_ddl(self, table: RawTable) -> list[str]:
        """Statements after the tables (an index, a stage)."""
        return []

    def quote(self, column: str) -> str:
        return f'"{column}"'

    def gold_source(self, con: Any) -> Any:
        """Where the export reads gold from (`export.GoldSource`) over this connection."""
        from spotify_mds.export import DBAPIGold

        return DBAPIGold(con, self.arrow_type, catalog_schema=self.catalog_name("gold"), timestamp_column=self.quote("timestamp"))

    def arrow_type(self, column: Any) -> Any:
        """The Arrow type of a DB-API result column (its description), for the gold export."""
        import pyarrow as pa

        return pa.string()

    def catalog_name(self, identifier: str) -> str:
        """How `information_schema` spells an unquoted identifier."""
        return identifier

    def exists(self) -> bool:
        """Whether there is a warehouse to ask yet (a DuckDB file that was never created is not)."""
        return True

    def check_paths(self) -> None:
        """Fail early, naming the setting, when a path the warehouse needs cannot be used."""

    def require(self) -> None:
        """Fail before any progress bar when the driver is missing or the warehouse is held."""

    def setup_statements(self) -> list[str]:
        """The account setup an administrator runs once before `create_schemas` (none by default)."""
        return []

    def apply(self, statements: list[str]) -> None:
        with self.connection() as con:
            for statement in statements:
                self.execute(con, statement)

    # -- written once -----------------------------------------------------------------------------
    @contextmanager
    def connection(self, lake: Lake | None = None) -> Iterator[Any]:
        con = self.connect(lake)
        try:
            yield con
        finally:
            con.close()

    def query_function(self, con: Any) -> Callable[[str], list[tuple]]:
        """`query(sql) -> rows` over a connection (what the quality checks and pipelines take)."""
        return lambda sql: self.execute(con, sql)

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
        """One query on a connection of its own."""
        with self.connection() as con:
            return self.execute(con, sql, params)

    def has_table(self, con: Any, table: str) -> bool:
        schema, name = table.split(".")
        sql = ("SELECT count(*) FROM information_schema.tables"
               f" WHERE lower(table_schema) = '{schema.lower()}' AND lower(table_name) = '{name.lower()}'")  # fmt: skip
        return bool(self.execute(con, sql)[0][0])

    def _in(self, values: list[Any]) -> str:
        return ", ".join([self.placeholder] * len(values))

    def create_schemas(self, tables: Iterable[RawTable] = (), con: Any = None) -> None:
        """Schemas RAW, SILVER, GOLD, the failures table, and each raw table with its ledger."""
        if con is None:
            with self.connection() as own:
                return self.create_schemas(tables, own)
        t = self.types
        with self.transaction(con) if self.transactional_ddl else nullcontext():
            for schema in SCHEMAS:
                self.execute(con, f"CREATE SCHEMA IF NOT EXISTS {schema}")
            self.execute(con, f"CREATE TABLE IF NOT EXISTS {FAILURES_TABLE} (file_key {t['varchar']}{self.ledger_key},"
                         f" version {t['varchar']} NOT NULL, error {t['varchar']} NOT NULL, failed_at {t['timestamp']} NOT NULL)")
            for table in tables:
                columns = ", ".join(f"{self.quote(name)} {t[kind]}" for name, kind in table.columns.items())
                self.execute(con, f"CREATE TABLE IF NOT EXISTS {table.name} ({columns},"
                             f" _source_file {t['varchar']} NOT NULL, _loaded_at {t['timestamp']} NOT NULL)")
                self.execute(con, f"CREATE TABLE IF NOT EXISTS {table.ledger} (file_key {t['varchar']}{self.ledger_key},"
                             f" version {t['varchar']} NOT NULL, size {t['bigint']} NOT NULL,"
                             f" row_count {t['bigint']} NOT NULL, loaded_at {t['timestamp']} NOT NULL)")
                for statement in self.extra_ddl(table):
                    self.execute(con, statement)
        return None

    def ledger(self, table: RawTable) -> dict[str, str]:
        """The table's ledger (file key → version); empty when nothing was ever loaded."""
        if not self.exists():
            return {}
        with self.connection() as con:
            if not self.has_table(con, table.ledger):
                return {}
            return dict(self.execute(con, f"SELECT file_key, version FROM {table.ledger}"))

    def load(
        self,
        lake: Lake,
        table: RawTable,
        *,
        keys: Iterable[str] | None = None,
        progress: Callable[[int, int], None] | None = None,
        files_per_transaction: int | None = None,
    ) -> LoadStats:
        """Load the table's bronze files (only `keys`, when given) that the ledger lacks or holds at
        another version, `files_per_transaction` at a time (the back end's default); return what was done."""
        with self.connection(lake) as con:
            self.create_schemas([table], con)
            files = bronze_files(lake, table.topic, prefix=table.prefix or None)
            known = dict(self.execute(con, f"SELECT file_key, version FROM {table.ledger}"))
            if table.drop_missing:
                gone = sorted(set(known) - {info.key for info in files})
                if gone:
                    self._delete(con, table, gone)
                    logger.info("dropped the rows of %d files no longer in the lake", len(gone))
            if keys is not None:
                wanted = set(keys)
                files = [info for info in files if info.key in wanted]
            todo = pending_files(files, known)
            stats = LoadStats(files_seen=len(files), files_replaced=sum(info.key in known for info in todo))
            with tempfile.TemporaryDirectory(prefix=f"spotify-mds-{self.name}-") as folder:
                load_isolating(
                    todo,
                    files_per_transaction or self.files_per_transaction,
                    lambda chunk: self._load_chunk(con, lake, table, chunk, Path(folder)),
                    lambda info, error: self._record_failure(con, info, error),
                    stats,
                    progress,
                )
        logger.info("loaded %s into %s", stats, table.name)
        return stats

    def _load_chunk(self, con: Any, lake: Lake, table: RawTable, chunk: list[ObjectInfo], folder: Path) -> int:
        """chunk → delete → copy → ledger, in one transaction; the rows loaded."""
        keys, p = [info.key for info in chunk], self.placeholder
        loaded_at = _utc_now()
        message = f"loading {len(chunk)} files from {chunk[0].key} into {self.name} failed"
        try:
            staged = self.stage(con, lake, table, keys, folder, loaded_at)
            with self.transaction(con):
                for name, column in ((table.name, "_source_file"), (table.ledger, "file_key"), (FAILURES_TABLE, "file_key")):
                    self.execute(con, f"DELETE FROM {name} WHERE {column} IN ({self._in(keys)})", keys)
                self.copy(con, lake, table, keys, staged, loaded_at)
                counts = {key: int(n) for key, n in self.execute(
                    con, f"SELECT _source_file, count(*) FROM {table.name} WHERE _source_file IN ({self._in(keys)}) GROUP BY 1",
                    keys)}  # fmt: skip
                rows = [(info.key, info.version, info.size, counts.get(info.key, 0), loaded_at) for info in chunk]
                self.execute(con, f"INSERT INTO {table.ledger} VALUES " + ", ".join([f"({p}, {p}, {p}, {p}, {p})"] * len(rows)),
                             [value for row in rows for value in row])  # fmt: skip
        except WarehouseError:
            raise
        except Exception as exc:  # the drivers raise many types; `classify` says whose fault it is
            raise self.classify(exc, lake, chunk, f"{message}: {exc}") from exc
        return sum(counts.values())

    def _record_failure(self, con: Any, info: ObjectInfo, error: str) -> None:
        logger.error("bronze file %s was not loaded (tried again next load): %s", info.key, error)
        p = self.placeholder
        with self.transaction(con):
            self.execute(con, f"DELETE FROM {FAILURES_TABLE} WHERE file_key = {p}", [info.key])
            self.execute(con, f"INSERT INTO {FAILURES_TABLE} VALUES ({p}, {p}, {p}, {p})",
                         [info.key, info.version, error, _utc_now()])  # fmt: skip

    def _delete(self, con: Any, table: RawTable, keys: list[str]) -> None:
        if not keys:
            return
        with self.transaction(con):
            self.execute(con, f"DELETE FROM {table.name} WHERE _source_file IN ({self._in(keys)})", keys)
            self.execute(con, f"DELETE FROM {table.ledger} WHERE file_key IN ({self._in(keys)})", keys)

    # -- partitions of Arrow tables (star schemas built outside dbt, e.g. by Spark) --------------------
    def copy_arrow(self, con: Any, table: str, data: Any) -> None:
        """Bulk-copy an Arrow table's rows into `table` (its columns by name), inside a transaction."""
        raise WarehouseError(f"the {self.name} warehouse cannot bulk-copy Arrow tables yet (use duckdb or postgres)")

    def ensure_table(self, con: Any, table: str, columns: Mapping[str, str]) -> None:
        """`schema.table` with these columns (name → kind of `types`), created with its schema if missing."""
        schema = table.split(".")[0]
        body = ", ".join(f"{self.quote(name)} {self.types[kind]}" for name, kind in columns.items())
        with self.transaction(con) if self.transactional_ddl else nullcontext():
            self.execute(con, f"CREATE SCHEMA IF NOT EXISTS {schema}")
            self.execute(con, f"CREATE TABLE IF NOT EXISTS {table} ({body})")

    def replace_partition(self, con: Any, table: str, column: str, value: Any, data: Any) -> int:
        """Replace the rows of `table` whose `column` equals `value` by `data` (an Arrow table), in one
        transaction: reloading a partition replaces that partition only, and a failure leaves the old
        rows. Returns the rows copied."""
        with self.transaction(con):
            self.execute(con, f"DELETE FROM {table} WHERE {self.quote(column)} = {self.placeholder}", [value])
            if data.num_rows:
                self.copy_arrow(con, table, data)
        return int(data.num_rows)

    def forget(self, table: RawTable, since: datetime | None, until: datetime | None) -> int:
        """Drop the ledger entries (and rows) of the files of event hours [since, until) so the next
        load reads them again; the number of files."""
        with self.connection() as con:
            self.create_schemas([table], con)
            known = [key for (key,) in self.execute(con, f"SELECT file_key FROM {table.ledger}")]
            keys = [key for key in known if in_range(key, since, until)]
            self._delete(con, table, keys)
        return len(keys)


__all__ = ["FAILURES_TABLE", "SCHEMAS", "LoadStats", "RawTable", "Warehouse", "load_isolating"]
