"""How spotify-mds calls dbt: the arguments of an invocation (dbt itself is stubbed here)."""

import pytest

from spotify_mds import transform


class _Recorded:
    success, exception, result = True, None, None


@pytest.fixture
def invocations(monkeypatch):
    import dbt.cli.main

    calls: list[list[str]] = []

    class FakeRunner:
        def invoke(self, args):
            calls.append(args)
            return _Recorded()

    monkeypatch.setattr(dbt.cli.main, "dbtRunner", FakeRunner)
    monkeypatch.delenv("DBT_SEND_ANONYMOUS_USAGE_STATS", raising=False)
    monkeypatch.delenv("DO_NOT_TRACK", raising=False)
    return calls


def test_usage_statistics_are_off_unless_the_environment_says(invocations, monkeypatch, tmp_path):
    transform.build(env={}, target="duckdb", state_dir=tmp_path)
    assert "--no-send-anonymous-usage-stats" in invocations[-1]
    assert invocations[-1][:3] == ["--quiet", "--no-use-colors", "build"]
    assert "--exclude-resource-type" in invocations[-1]  # unit tests are left to CI

    monkeypatch.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "true")  # the user's choice: dbt reads it
    transform.build(env={}, target="duckdb", state_dir=tmp_path, unit_tests=True)
    assert "--no-send-anonymous-usage-stats" not in invocations[-1]
    assert "--exclude-resource-type" not in invocations[-1]
