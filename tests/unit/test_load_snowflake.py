"""Snowflake set-up and connection arguments (no server needed)."""

from __future__ import annotations

from spotify_mds.warehouse.snowflake import setup_statements
from spotify_mds.warehouse import snowflake_params
from spotify_mds.settings import load_settings


def test_setup_creates_the_seed_layout_and_grants_the_role():
    sql = setup_statements(warehouse="MDS_WH", database="SPOTIFY_MDS", role="MDS_ROLE", user="LOADER")
    assert sql[0].startswith("CREATE WAREHOUSE IF NOT EXISTS MDS_WH WAREHOUSE_SIZE = XSMALL AUTO_SUSPEND = 60")
    assert "CREATE DATABASE IF NOT EXISTS SPOTIFY_MDS" in sql
    assert {f"CREATE SCHEMA IF NOT EXISTS SPOTIFY_MDS.{s}" for s in ("RAW", "SILVER", "GOLD")} <= set(sql)
    assert "CREATE ROLE IF NOT EXISTS MDS_ROLE" in sql
    assert "GRANT USAGE ON WAREHOUSE MDS_WH TO ROLE MDS_ROLE" in sql
    assert sql[-1] == "GRANT ROLE MDS_ROLE TO USER LOADER"


def test_key_pair_auth_replaces_the_password(monkeypatch):
    for name in ("SNOWFLAKE_PASSWORD", "SNOWFLAKE_PRIVATE_KEY_PATH", "SNOWFLAKE_HOST", "SNOWFLAKE_ROLE"):
        monkeypatch.delenv(name, raising=False)
    with_key = snowflake_params(
        load_settings(snowflake_account="acme", snowflake_user="u", snowflake_password="pw",
                      snowflake_private_key_path="/keys/rsa.p8", snowflake_private_key_passphrase="secret")
    )  # fmt: skip
    assert with_key["private_key_file"] == "/keys/rsa.p8" and with_key["private_key_file_pwd"] == "secret"
    assert "password" not in with_key and "host" not in with_key
    with_password = snowflake_params(load_settings(snowflake_account="acme", snowflake_user="u", snowflake_password="pw"))
    assert with_password["password"] == "pw" and "private_key_file" not in with_password


def test_secrets_stay_masked_in_the_settings_repr():
    settings = load_settings(snowflake_password="pw-123", snowflake_private_key_passphrase="pp-456", postgres_password="pg-789")
    assert not {"pw-123", "pp-456", "pg-789"} & set(repr(settings).replace("'", " ").split())


def test_the_health_probe_logs_in_with_the_key_s_passphrase(monkeypatch):
    """health built its own Snowflake arguments and dropped the key's passphrase: an encrypted key failed."""
    connector = __import__("pytest").importorskip("snowflake.connector")
    from spotify_mds.operations import health

    seen = {}

    class Con:
        def cursor(self):
            return self

        def execute(self, sql):
            return self

        def fetchone(self):
            return (1,)

        def close(self):
            pass

    def connect(**kwargs):
        seen.update(kwargs)
        return Con()

    monkeypatch.setattr(connector, "connect", connect)
    settings = load_settings(warehouse="snowflake", snowflake_account="acme", snowflake_user="u",
                             snowflake_private_key_path="/keys/rsa.p8", snowflake_private_key_passphrase="secret")  # fmt: skip
    assert health.probe_warehouse(settings, timeout=2) == f"Snowflake {settings.snowflake_database} answers"
    assert seen["private_key_file"] == "/keys/rsa.p8" and seen["private_key_file_pwd"] == "secret"
