"""Typed settings, read once at the edge (CLI, runner, DAG) from the environment and `.env`.

Library functions never read the environment: they take plain arguments. The names follow the
seeds' `.env` where one exists (KAFKA_BROKER, MINIO_*, SNOWFLAKE_*, USER_COUNT, ...), so a user of
the seeds keeps their file. `.env.sample` lists every variable with a comment; a test keeps the two
in step.
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from spotify_mds.errors import ConfigError


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class Settings(BaseSettings):
    """Every knob of the pipeline. Secrets are `SecretStr`: masked in any repr or log."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True, populate_by_name=True
    )

    # --- where things live -------------------------------------------------------------------------
    data_dir: Path = Field(Path("data"), validation_alias=_env("DATA_DIR"))
    lake_url: str = Field(
        "",
        validation_alias=_env("LAKE_URL"),
        description="Folder or s3://bucket/prefix; empty means <DATA_DIR>/lake, or s3://MINIO_BUCKET/ when MINIO_ENDPOINT is set.",
    )

    # --- components --------------------------------------------------------------------------------
    broker: Literal["embedded", "kafka"] = Field("embedded", validation_alias=_env("BROKER"))
    warehouse: Literal["duckdb", "postgres", "snowflake"] = Field("duckdb", validation_alias=_env("WAREHOUSE"))

    # --- Kafka -------------------------------------------------------------------------------------
    kafka_bootstrap_servers: str = Field(
        "localhost:9092", validation_alias=_env("KAFKA_BOOTSTRAP_SERVERS", "KAFKA_BROKER")
    )
    kafka_topic: str = Field("spotify.streams", validation_alias=_env("KAFKA_TOPIC"))
    kafka_group_id: str = Field("spotify-mds-lander", validation_alias=_env("KAFKA_GROUP_ID"))
    kafka_group_instance_id: str = Field(
        "",
        validation_alias=_env("KAFKA_GROUP_INSTANCE_ID"),
        description="Static group membership: a lander restarted under the same id gets its partitions back at once.",
    )
    kafka_session_timeout_ms: int = Field(45_000, ge=1000, validation_alias=_env("KAFKA_SESSION_TIMEOUT_MS"))
    kafka_partitions: int = Field(3, gt=0, validation_alias=_env("KAFKA_PARTITIONS"))
    kafka_compression: Literal["none", "gzip", "snappy", "lz4", "zstd"] = Field(
        "lz4", validation_alias=_env("KAFKA_COMPRESSION")
    )
    kafka_linger_ms: float = Field(20.0, ge=0, validation_alias=_env("KAFKA_LINGER_MS"))
    kafka_connect_timeout_seconds: float = Field(
        10.0,
        gt=0,
        validation_alias=_env("KAFKA_CONNECT_TIMEOUT_SECONDS"),
        description="`produce` and `land` give up, saying Kafka is unreachable, when no broker answered by then.",
    )

    # --- object storage (MinIO / S3) ---------------------------------------------------------------
    minio_endpoint: str = Field("", validation_alias=_env("MINIO_ENDPOINT", "S3_ENDPOINT_URL"))
    minio_access_key: SecretStr = Field(
        SecretStr(""), validation_alias=_env("MINIO_ACCESS_KEY", "MINIO_ROOT_USER", "AWS_ACCESS_KEY_ID")
    )
    minio_secret_key: SecretStr = Field(
        SecretStr(""), validation_alias=_env("MINIO_SECRET_KEY", "MINIO_ROOT_PASSWORD", "AWS_SECRET_ACCESS_KEY")
    )
    minio_bucket: str = Field("spotify", validation_alias=_env("MINIO_BUCKET"))
    minio_prefix: str = Field("", validation_alias=_env("MINIO_PREFIX"))

    # --- lander ------------------------------------------------------------------------------------
    land_max_records: int = Field(50_000, gt=0, validation_alias=_env("LAND_MAX_RECORDS"))
    land_max_span_seconds: int = Field(3600, gt=0, validation_alias=_env("LAND_MAX_SPAN_SECONDS"))
    land_max_bytes: int = Field(
        64 * 1024 * 1024,
        gt=0,
        validation_alias=_env("LAND_MAX_BYTES"),
        description="Rotate a partition's file at this many bytes of values: bounds the lander's memory per partition.",
    )
    land_idle_flush_seconds: float = Field(10.0, gt=0, validation_alias=_env("LAND_IDLE_FLUSH_SECONDS"))
    land_max_inflight: int = Field(
        4,
        ge=0,
        validation_alias=_env("LAND_MAX_INFLIGHT"),
        description="Flushes written in background threads while consuming goes on (0: write synchronously).",
    )
    land_retry_max_seconds: float = Field(30.0, gt=0, validation_alias=_env("LAND_RETRY_MAX_SECONDS"))
    land_validate_workers: int = Field(
        default_factory=lambda: max(0, min(4, (os.cpu_count() or 1) - 1)),
        ge=0,
        validation_alias=_env("LAND_VALIDATE_WORKERS"),
        description="Processes validating records while the lander cuts and writes (0: in the lander's process).",
    )
    land_compression: Literal["none", "gzip", "zstd"] = Field("none", validation_alias=_env("LAND_COMPRESSION"))

    # --- warehouses --------------------------------------------------------------------------------
    duckdb_path: Path | None = Field(None, validation_alias=_env("DUCKDB_PATH"))
    duckdb_memory_limit: str = Field(
        "1GB", validation_alias=_env("DUCKDB_MEMORY_LIMIT"),
        description="DuckDB's memory for loading and dbt (it spills to a temp folder beside the file beyond it): "
                    "a size (1GB, 512MB) or a share of RAM (80%, DuckDB's own default).",
    )  # fmt: skip
    postgres_host: str = Field("localhost", validation_alias=_env("POSTGRES_HOST"))
    postgres_port: int = Field(5432, ge=1, le=65535, validation_alias=_env("POSTGRES_PORT"))
    postgres_user: str = Field("postgres", validation_alias=_env("POSTGRES_USER"))
    postgres_password: SecretStr = Field(SecretStr(""), validation_alias=_env("POSTGRES_PASSWORD"))
    postgres_db: str = Field("spotify_mds", validation_alias=_env("POSTGRES_DB"))
    snowflake_account: str = Field("", validation_alias=_env("SNOWFLAKE_ACCOUNT"))
    snowflake_user: str = Field("", validation_alias=_env("SNOWFLAKE_USER"))
    snowflake_password: SecretStr = Field(SecretStr(""), validation_alias=_env("SNOWFLAKE_PASSWORD"))
    snowflake_private_key_path: str = Field("", validation_alias=_env("SNOWFLAKE_PRIVATE_KEY_PATH"))
    snowflake_private_key_passphrase: SecretStr = Field(
        SecretStr(""), validation_alias=_env("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE")
    )
    snowflake_role: str = Field("", validation_alias=_env("SNOWFLAKE_ROLE"))
    snowflake_warehouse: str = Field("MDS_WH", validation_alias=_env("SNOWFLAKE_WAREHOUSE"))
    snowflake_database: str = Field("SPOTIFY_MDS", validation_alias=_env("SNOWFLAKE_DATABASE"))
    snowflake_schema: str = Field("RAW", validation_alias=_env("SNOWFLAKE_SCHEMA"))
    snowflake_host: str = Field("", validation_alias=_env("SNOWFLAKE_HOST"))
    snowflake_port: int | None = Field(None, validation_alias=_env("SNOWFLAKE_PORT"))
    snowflake_protocol: str = Field("https", validation_alias=_env("SNOWFLAKE_PROTOCOL"))

    # --- data quality (after the transform) ----------------------------------------------------------
    quality_freshness_hours: float = Field(26.0, gt=0, validation_alias=_env("QUALITY_FRESHNESS_HOURS"))
    quality_volume_tolerance: float = Field(0.5, gt=0, validation_alias=_env("QUALITY_VOLUME_TOLERANCE"))
    quality_as_of: datetime | None = Field(
        None,
        validation_alias=_env("QUALITY_AS_OF"),
        description="The moment freshness is judged at; empty means now (the runner uses the simulated clock).",
    )

    # --- simulator ---------------------------------------------------------------------------------
    # The demo's volume: four whole ISO weeks (from a Monday), so retention, weekly and monthly active
    # users have several points, by few enough users that it stays about 1M events.
    user_count: int = Field(1500, gt=0, validation_alias=_env("USER_COUNT"))
    sim_seed: int = Field(42, validation_alias=_env("SIM_SEED"))
    sim_days: float = Field(28.0, gt=0, validation_alias=_env("SIM_DAYS"))
    sim_start: datetime = Field(datetime(2026, 11, 2, tzinfo=timezone.utc), validation_alias=_env("SIM_START"))
    sim_events: int | None = Field(None, gt=0, validation_alias=_env("SIM_EVENTS"))
    event_interval_seconds: float = Field(0.1, gt=0, validation_alias=_env("EVENT_INTERVAL_SECONDS"))

    # --- Spotify Web API extract (docs/spotify_api.md) -------------------------------------------------
    spotify_client_id: str = Field("", validation_alias=_env("SPOTIFY_CLIENT_ID"))
    spotify_client_secret: SecretStr = Field(
        SecretStr(""), validation_alias=_env("SPOTIFY_CLIENT_SECRET")
    )
    spotify_refresh_token: SecretStr = Field(
        SecretStr(""), validation_alias=_env("SPOTIFY_REFRESH_TOKEN")
    )
    spotify_redirect_uri: str = Field("http://127.0.0.1:8888/callback", validation_alias=_env("SPOTIFY_REDIRECT_URI"))
    spotify_api_base_url: str = Field("https://api.spotify.com/v1", validation_alias=_env("SPOTIFY_API_BASE_URL"))
    spotify_accounts_base_url: str = Field(
        "https://accounts.spotify.com", validation_alias=_env("SPOTIFY_ACCOUNTS_BASE_URL")
    )

    # --- Open Brewery DB (seed 004; README's breweries section) ------------------------------------------
    breweries_api_url: str = Field("https://api.openbrewerydb.org/v1", validation_alias=_env("BREWERIES_API_URL"))
    breweries_offline: bool = Field(False, validation_alias=_env("BREWERIES_OFFLINE"))
    """Serve the shipped dataset from an in-process stand-in instead of calling the API."""

    # --- e-commerce pipeline (seed 003; docs in README "E-commerce") ------------------------------------
    ecommerce_include_dir: Path | None = Field(
        None, validation_alias=_env("ECOMMERCE_INCLUDE_DIR"), description="Where the daily drops land; empty means <DATA_DIR>/include."
    )
    ecommerce_start: date = Field(date(2026, 11, 2), validation_alias=_env("ECOMMERCE_START"))
    ecommerce_seed: int = Field(42, validation_alias=_env("ECOMMERCE_SEED"))
    ecommerce_orders_per_day: float = Field(300.0, gt=0, validation_alias=_env("ECOMMERCE_ORDERS_PER_DAY"))
    ecommerce_raw_prefix: str = Field("raw", validation_alias=_env("ECOMMERCE_RAW_BUCKET", "ECOMMERCE_RAW_PREFIX"))
    ecommerce_processed_prefix: str = Field(
        "processed", validation_alias=_env("ECOMMERCE_PROCESSED_BUCKET", "ECOMMERCE_PROCESSED_PREFIX")
    )
    spark_master: str = Field("local[*]", validation_alias=_env("SPARK_MASTER"))
    spark_driver_memory: str = Field("1g", validation_alias=_env("SPARK_DRIVER_MEMORY"))
    spark_conf: str = Field(
        "", validation_alias=_env("SPARK_CONF"), description="More Spark settings, `key=value` separated by commas (spark.jars=…)."
    )

    # --- dashboard ---------------------------------------------------------------------------------
    dashboard_host: str = Field("127.0.0.1", validation_alias=_env("DASHBOARD_HOST"))
    dashboard_port: int = Field(8050, ge=1, le=65535, validation_alias=_env("DASHBOARD_PORT"))

    # --- observability (README, "Observability") -----------------------------------------------------
    lander_metrics_port: int = Field(
        0, ge=0, le=65535, validation_alias=_env("LANDER_METRICS_PORT"),
        description="Serve the lander's /metrics on this port (0: off; the stack uses 9108).",
    )  # fmt: skip
    producer_metrics_port: int = Field(
        0, ge=0, le=65535, validation_alias=_env("PRODUCER_METRICS_PORT"),
        description="Serve the producer's /metrics on this port (0: off; the stack uses 9109).",
    )  # fmt: skip
    metrics_host: str = Field("127.0.0.1", validation_alias=_env("METRICS_HOST"))
    pushgateway_url: str = Field(
        "", validation_alias=_env("PUSHGATEWAY_URL"),
        description="Batch runs push their metrics there (e.g. http://localhost:9091); empty: no push.",
    )  # fmt: skip
    metrics_textfile_dir: Path | None = Field(
        None, validation_alias=_env("METRICS_TEXTFILE_DIR"),
        description="Without a Pushgateway: write batch runs' metrics there for node_exporter's textfile collector.",
    )  # fmt: skip
    alert_webhook_url: SecretStr = Field(
        SecretStr(""), validation_alias=_env("ALERT_WEBHOOK_URL"),
        description="Airflow failure and deadline-miss callbacks POST a JSON message there (a secret: URLs hold tokens).",
    )  # fmt: skip
    log_format: Literal["text", "json"] = Field("text", validation_alias=_env("LOG_FORMAT"))
    log_file: Path | None = Field(None, validation_alias=_env("LOG_FILE"))

    @field_validator("quality_as_of", "duckdb_path", "snowflake_port", "metrics_textfile_dir", "log_file", "ecommerce_include_dir",
                     mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("duckdb_memory_limit")
    @classmethod
    def _memory_size(cls, value: str) -> str:
        # Checked here, not by DuckDB mid-load: "Parser Error: Invalid memory limit" names no setting.
        if not re.fullmatch(r"\s*\d+(\.\d+)?\s*(%|[KMGT]i?B)\s*", value, re.IGNORECASE):
            raise ValueError(f"{value!r} is not a memory size: write e.g. 1GB, 512MB, 2GiB or 80% (of RAM)")
        return value.strip()

    @field_validator("lake_url")
    @classmethod
    def _folder_or_s3(cls, value: str) -> str:
        # Any other scheme would be taken for a folder name (`ftp:`) and written to silently.
        if "://" in value and not value.startswith("s3://"):
            raise ValueError(f"{value!r} is neither a folder nor s3://bucket/prefix (no other scheme is supported)")
        if value.startswith("s3://") and not value.removeprefix("s3://").strip("/"):
            raise ValueError(f"{value!r} names no bucket: use s3://bucket or s3://bucket/prefix")
        return value

    @field_validator("sim_start")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)

    # --- derived -----------------------------------------------------------------------------------
    @property
    def lake_root(self) -> str:
        """The lake's root: a local folder path or an s3://bucket/prefix URL."""
        if self.lake_url:
            return self.lake_url
        if self.minio_endpoint:
            return f"s3://{self.minio_bucket}/{self.minio_prefix.strip('/')}".rstrip("/")
        return str(self.data_dir / "lake")

    @property
    def duckdb_file(self) -> Path:
        return self.duckdb_path or self.data_dir / "warehouse.duckdb"

    def s3_options(self) -> dict[str, str]:
        """Options for the lake's S3 client (empty strings mean: use the default credential chain)."""
        return {
            "endpoint_url": self.minio_endpoint,
            "key": self.minio_access_key.get_secret_value(),
            "secret": self.minio_secret_key.get_secret_value(),
        }


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment and `.env`; keyword overrides win (CLI options)."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**clean)


def writable_folder(folder: Path, setting: str) -> None:
    """ConfigError naming `setting` when `folder` cannot be created or written to.

    Without this a stage fails deep inside (a mkdir in the lake, DuckDB's "Is a directory") with a
    traceback that names neither the setting nor the fix.
    """
    import tempfile

    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise ConfigError(f"{setting}: cannot write to {folder}: {exc.strerror or exc}") from exc
