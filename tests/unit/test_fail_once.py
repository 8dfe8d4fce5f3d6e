"""The test-only fault hook of spotify_pipeline: one task fails exactly once when asked, never otherwise."""

from __future__ import annotations

import pytest

from spotify_mds.orchestrate import InjectedFault, fail_once


def test_unset_does_nothing(monkeypatch):
    monkeypatch.delenv("SPOTIFY_MDS_FAIL_ONCE", raising=False)
    fail_once("dbt_build")


def test_the_named_task_fails_once_then_passes(monkeypatch, tmp_path):
    marker = tmp_path / "failed-once"
    monkeypatch.setenv("SPOTIFY_MDS_FAIL_ONCE", f"dbt_build:{marker}")
    fail_once("load")  # another task: untouched
    assert not marker.exists()
    with pytest.raises(InjectedFault, match="dbt_build fails this once"):
        fail_once("dbt_build")
    assert marker.read_text() == "dbt_build"
    fail_once("dbt_build")  # the retry
    fail_once("dbt_build")
