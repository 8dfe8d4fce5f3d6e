"""Every name a seed user types either still works here or is in the README's seed table.

The seeds (000 the main README, 001 its architecture guide, 002 the Spotify Web API extract) are
the documents this project started from. A seed name is listed once below: as KEPT, with where the
project still has it, or as RENAMED, with the name that replaces it; the README's "Coming from the
seed projects" table must then hold both in one row. Renaming a kept name (a port, a variable, the
DAG) fails here until the table says so. docs/stack.md says why each rename was made.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"

# Seed name -> (file of this project, the text it must still contain there).
KEPT: dict[str, tuple[str, str]] = {
    "docker-compose up -d --build": ("docker-compose.yml", "services:"),  # at the repository root
    "spotify.streams": (".env.sample", "KAFKA_TOPIC=spotify.streams"),
    "spotify_pipeline": ("dags/spotify_pipeline.py", 'DAG_ID = "spotify_pipeline"'),
    "localhost:29092": ("docker-compose.yml", "${KAFKA_EXTERNAL_PORT:-29092}"),
    "kafka:9092": ("docker-compose.yml", "KAFKA_BOOTSTRAP_SERVERS: kafka:9092"),
    "http://localhost:8080": ("docker-compose.yml", "${AIRFLOW_PORT:-8080}:8080"),
    "http://localhost:9001": ("docker-compose.yml", "${MINIO_CONSOLE_PORT:-9001}:9001"),
    "http://minio:9000": ("docker-compose.yml", "MINIO_ENDPOINT: http://minio:9000"),
    "http://localhost:3000": ("docker-compose.yml", "${METABASE_PORT:-3000}:3000"),
    "airflow (user)": (".env.sample", "AIRFLOW_ADMIN_USER=airflow"),
    "minioadmin (user)": (".env.sample", "MINIO_ROOT_USER=minioadmin"),
    "AIRFLOW__CORE__FERNET_KEY": (".env.sample", "AIRFLOW__CORE__FERNET_KEY="),
    "AIRFLOW__CORE__LOAD_EXAMPLES=False": ("docker-compose.yml", 'AIRFLOW__CORE__LOAD_EXAMPLES: "False"'),
    "MDS_WH": (".env.sample", "SNOWFLAKE_WAREHOUSE=MDS_WH"),
    "SPOTIFY_MDS": (".env.sample", "SNOWFLAKE_DATABASE=SPOTIFY_MDS"),
    "RAW, SILVER, GOLD": ("docker/postgres/10-create-databases.sh", "CREATE SCHEMA IF NOT EXISTS silver"),
    "scripts/check_env.sh": ("scripts/check_env.sh", ""),
    "scripts/health_check.py": ("scripts/health_check.py", ""),
}
# Seed environment variables still read by the settings (.env) or the compose file.
KEPT_VARIABLES = [
    "KAFKA_BROKER", "KAFKA_BOOTSTRAP_SERVERS", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD", "MINIO_BUCKET",
    "MINIO_ENDPOINT", "MINIO_ACCESS_KEY", "MINIO_SECRET_KEY", "MINIO_PREFIX", "SNOWFLAKE_ACCOUNT",
    "SNOWFLAKE_USER", "SNOWFLAKE_PASSWORD", "SNOWFLAKE_ROLE", "SNOWFLAKE_WAREHOUSE", "SNOWFLAKE_DATABASE",
    "SNOWFLAKE_SCHEMA", "USER_COUNT", "EVENT_INTERVAL_SECONDS",
]  # fmt: skip
KEPT_SERVICES = ["kafka", "airflow-scheduler", "minio", "metabase"]

# Seed name -> the name that replaces it; both must be in one row of the README's table.
RENAMED: dict[str, str] = {
    "src/main.py": "spotify-mds produce",
    "simulator/producer.py": "spotify-mds produce",
    "consumer/kafka-to-minio.py": "spotify-mds land",
    "spotify-events": "spotify.streams",
    "track_id": "song_id",
    "played_at": "timestamp",
    "`device`": "device_type",
    "pytest --cov=src tests/unit": "make test",
    "--target dev": "--target duckdb",
    "spotify_dbt": "spotify_mds",
    "profiles.template.yml": "dbt/profiles.yml",
    ".env.example": "make stack-secrets",
    "docker/dags/.env": ".env",
    "`airflow` / `airflow`": "passwords are generated",
    "`minioadmin` / `minioadmin`": "passwords are generated",
    "set up in its UI": "METABASE_ADMIN_PASSWORD",
    "localhost:9092": "localhost:29092",
    "Kafdrop": "Kafka UI",
    "http://localhost:9000": "http://localhost:8081",
    "kafka-topics --bootstrap-server": "/opt/kafka/bin/kafka-topics.sh",
    "zookeeper": "KRaft",
    "webserver": "airflow-apiserver",
    "<airflow_container>": "docker-compose exec airflow-scheduler",
    "spotify-raw": "`spotify`",
    "MINIO_PREFIX=bronze/": "empty",
    "spotify_minio_to_snowflake_bronze": "spotify_pipeline",
    "extract_data": "find_new_bronze",
    "load_raw_to_snowflake": "`load`",
    "kafka_conn": "spotify_mds_warehouse",
    "minio_s3": "spotify_mds_warehouse",
    "snowflake_default": "spotify_mds_warehouse",
    "SPOTIFY_EVENTS_BRONZE": "LISTENING_EVENTS",
    "SNOWFLAKE_TABLE": "LISTENING_EVENTS",
    "SPOTIFY_DB": "SPOTIFY_MDS",
    "bronze/date=YYYY-MM-DD/hour=HH/*.json": "bronze/spotify.streams/date=YYYY-MM-DD/hour=HH/",
    "Power BI": "Metabase",
    "Meltano": "spotify-mds extract spotify",
    "meltano_pool": "spotify_api_extract",
    "get_refreshtoken.py": "spotify-mds extract spotify-token",
    "`CLIENT_ID`": "SPOTIFY_CLIENT_ID",
    "`CLIENT_SECRET`": "SPOTIFY_CLIENT_SECRET",
    "`REFRESH_TOKEN`": "SPOTIFY_REFRESH_TOKEN",
    "TARGET_SNOWFLAKE_PASSWORD": "`SNOWFLAKE_PASSWORD`",
    "GLOBAL_TOP_TRACKS_DAILY_STREAM": "global_top_tracks_daily",
}


def _seed_table() -> list[tuple[str, str]]:
    text = README.read_text()
    section = text.split("### Coming from the seed projects", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        if len(cells) == 2 and not set(cells[0]) <= {"-"} and cells[0] != "the seeds said":
            rows.append((cells[0], cells[1]))
    return rows


def test_the_table_has_rows():
    assert len(_seed_table()) >= 20


@pytest.mark.parametrize("seed_name", sorted(RENAMED))
def test_a_renamed_seed_name_is_in_the_table_with_its_replacement(seed_name):
    replacement = RENAMED[seed_name]
    rows = [(said, here) for said, here in _seed_table() if seed_name in said]
    assert rows, f"the README's seed table does not mention {seed_name!r}"
    assert any(replacement in here for _, here in rows), f"{seed_name!r}: no row says {replacement!r}"


@pytest.mark.parametrize("seed_name", sorted(KEPT))
def test_a_kept_seed_name_is_still_there(seed_name):
    relative, text = KEPT[seed_name]
    path = REPO / relative
    assert path.is_file(), f"{seed_name}: {relative} is gone"
    assert text in path.read_text(), f"{seed_name}: {relative} no longer has {text!r}"


def test_kept_seed_variables_are_still_read():
    from spotify_mds.settings import Settings

    read = {name for field in Settings.model_fields.values() for name in field.validation_alias.choices}
    compose_text = (REPO / "docker-compose.yml").read_text()
    for name in KEPT_VARIABLES:
        assert name in read or f"${{{name}" in compose_text, f"{name} is not read now: add it to the table"


def test_kept_seed_services_are_still_there():
    services = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]
    assert set(KEPT_SERVICES) <= set(services)


def test_no_name_is_both_kept_and_renamed():
    assert not set(KEPT) & set(RENAMED)
