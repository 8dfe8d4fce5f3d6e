"""The pipeline as a script or a data engineer drives it: `run --json` twice (what was new, what was
not), `quality --json`, `docs` (dbt's lineage for every pipeline), all in process on a small run.

About 35 s: three dbt invocations on 3,000 events.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.e2e

SMALL = ("--users", "20", "--events", "3000", "--seed", "7")


def test_run_json_then_again_then_quality_and_docs(mds, tmp_path):
    env = {"DATA_DIR": str(tmp_path / "data")}

    code, err = mds("run", "--json", *SMALL, **env)
    assert code == 0, err
    first = json.loads(mds.stdout)  # one JSON object, nothing else on stdout
    assert first["command"] == "run" and first["ok"] is True
    assert first["land"]["generated"] == 3000 and first["land"]["files_unchanged"] == 0
    assert first["load"]["rows_loaded"] == first["land"]["landed"] == 3000
    assert first["transform"]["pipelines"] == ["streams"]
    assert first["transform"]["nodes"]["model"]["success"] > 10 and first["transform"]["nodes"]["test"]["pass"] > 10
    checks = first["quality"]["checks"]  # 3,000 events by 20 users are noisy: the volume check may fail
    assert first["quality"]["passed"] == all(c["status"] in ("pass", "skip") for c in checks) and first["marts"]
    assert "dbt build (models, tests)" in err and "models built" in err  # progress and lines on stderr

    code, err = mds("run", *SMALL, **env)  # the same run again: nothing new anywhere
    assert code == 0, err
    table = mds.stdout
    assert "spotify-mds run" in table and "none new: all 3,000 already there" in table
    assert "nothing new" in table and "models built" in table and "tests passed" in table
    assert "load bronze → raw (duckdb): nothing new to load" in err

    code, err = mds("quality", "--json", **env)
    quality = json.loads(mds.stdout)
    assert [c["check"] for c in quality["checks"]] == ["freshness", "volume", "reconciliation"]
    assert quality["ok"] == (code == 0) == all(c["status"] in ("pass", "skip") for c in quality["checks"]), err

    code, err = mds("docs", "--no-serve", **env)
    assert code == 0, err
    site = tmp_path / "data" / "dbt" / "target"
    assert (site / "index.html").is_file() and (site / "static_index.html").is_file()
    manifest = json.loads((site / "manifest.json").read_text())
    folders = {node["original_file_path"].split("/")[1] for node in manifest["nodes"].values()
               if node["resource_type"] == "model"}  # fmt: skip
    assert {"streams", "spotify_api", "spotify_api_vs_streams"} <= folders, "every pipeline's lineage"
    catalog = json.loads((site / "catalog.json").read_text())
    assert any(key.endswith("plays_hourly") for key in catalog["nodes"]), "the warehouse's columns"

    # dbt ran in this process three times: the DuckDB file is free for another process.
    probe = f"import duckdb; duckdb.connect({str(tmp_path / 'data' / 'warehouse.duckdb')!r}).close()"
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True).returncode == 0
