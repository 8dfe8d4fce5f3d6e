"""Grafana dashboards as code (monitoring/grafana): one per pipeline plus the platform, a sane JSON
model, the files are what build.py writes, every query parses (promtool) and names only metrics the
project exports (or Prometheus' own `up` and `ALERTS`)."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

GRAFANA = Path(__file__).resolve().parents[2] / "monitoring" / "grafana"
SELECTOR = re.compile(r"\b([A-Za-z_:][A-Za-z0-9_:]*)\s*\{")
PROMETHEUS_OWN = {"up", "ALERTS"}
PIPELINES = {"streams", "spotify_api", "breweries", "ecommerce"}


def build():
    spec = importlib.util.spec_from_file_location("grafana_build", GRAFANA / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def models() -> dict[str, dict]:
    return {path.name: json.loads(path.read_text()) for path in sorted((GRAFANA / "dashboards").glob("*.json"))}


def exprs(model: dict) -> list[str]:
    return [target["expr"] for panel in model["panels"] for target in panel["targets"]]


def test_one_dashboard_per_pipeline_and_one_for_the_platform(models):
    assert set(models) == {f"{name}.json" for name in PIPELINES | {"platform"}}


def test_the_files_are_what_build_py_writes(models):
    module = build()
    expected = module.boards()
    assert set(expected) == set(models)
    for name, model in expected.items():
        assert (GRAFANA / "dashboards" / name).read_text() == module.render(model), f"run monitoring/grafana/build.py ({name})"


def test_the_json_models_are_sane(models):
    datasource = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text())
    uid = datasource["datasources"][0]["uid"]
    assert len({m["uid"] for m in models.values()}) == len(models)
    for name, model in models.items():
        assert model["title"] and isinstance(model["schemaVersion"], int) and model["panels"], name
        assert len({p["id"] for p in model["panels"]}) == len(model["panels"]), name
        cells = set()
        for panel in model["panels"]:
            grid = panel["gridPos"]
            assert grid["x"] >= 0 and grid["w"] > 0 and grid["x"] + grid["w"] <= 24, (name, panel["title"])
            for x in range(grid["x"], grid["x"] + grid["w"]):
                for y in range(grid["y"], grid["y"] + grid["h"]):
                    assert (x, y) not in cells, f"{name}: {panel['title']} overlaps another panel"
                    cells.add((x, y))
            assert panel["datasource"]["uid"] == uid and panel["targets"], (name, panel["title"])
            refs = [t["refId"] for t in panel["targets"]]
            assert len(set(refs)) == len(refs) and all(t["expr"].strip() for t in panel["targets"])
        for variable in model["templating"]["list"]:
            assert f"${variable['name']}" in " ".join(exprs(model)), f"{name}: ${variable['name']} is unused"
    provider = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "spotify-mds.yml").read_text())
    assert provider["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"


def test_every_metric_a_query_names_is_exported(models):
    from spotify_mds.metrics import exported_names

    exported = exported_names()
    named = {name for model in models.values() for expr in exprs(model) for name in SELECTOR.findall(expr)}
    named |= {name for model in models.values() for expr in exprs(model) for name in re.findall(r"\bspotify_mds_\w+", expr)}
    unknown = named - exported - PROMETHEUS_OWN
    assert named and not unknown, sorted(unknown)
    for pipeline in PIPELINES:  # each pipeline's board is about that pipeline
        assert any(f'pipeline="{pipeline}"' in expr for expr in exprs(models[f"{pipeline}.json"]))


def test_every_query_parses(models, tmp_path):
    """Each query as a recording rule, through `promtool check rules` (Prometheus' own parser)."""
    from test_alert_rules import promtool

    rules = [{"record": f"check:query_{i}", "expr": expr.replace("$topic", ".*")}
             for i, expr in enumerate(e for model in models.values() for e in exprs(model))]  # fmt: skip
    path = tmp_path / "queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    done = subprocess.run([promtool(), "check", "rules", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
