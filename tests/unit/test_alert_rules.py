"""The shipped alert rules and scrape config: `promtool check rules`, `promtool test rules`,
`promtool check config`, and every metric they name is one the project exports.

promtool is Debian's `prometheus` package (scripts/ci_provision.sh installs it): skipped on a laptop
without it, a failure under CI=true.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

MONITORING = Path(__file__).resolve().parents[2] / "monitoring" / "prometheus"
METRIC = re.compile(r"\bspotify_mds_[a-z0-9_]+")


def promtool() -> str:
    binary = shutil.which("promtool")
    if binary is None:
        reason = "promtool is not installed (apt-get install -y prometheus)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return binary


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([promtool(), *args], cwd=MONITORING, capture_output=True, text=True, timeout=60)


def test_promtool_checks_the_rules():
    done = run("check", "rules", "alerts.yml")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def test_promtool_unit_tests_of_the_rules_pass():
    done = run("test", "rules", "alerts_test.yml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_promtool_checks_the_scrape_config():
    done = run("check", "config", "prometheus.yml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_alert_the_issue_asks_for_is_there_and_unit_tested():
    rules = {rule["alert"] for group in yaml.safe_load((MONITORING / "alerts.yml").read_text())["groups"]
             for rule in group["rules"]}  # fmt: skip
    assert {"KafkaConsumerLagGrowing", "FreshnessBeyondSLA", "QuarantineRateHigh", "PipelineRunFailed",
            "PipelineRunMissing", "QualityCheckFailing"} <= rules  # fmt: skip
    tested = {case["alertname"] for test in yaml.safe_load((MONITORING / "alerts_test.yml").read_text())["tests"]
              for case in test.get("alert_rule_test", [])}  # fmt: skip
    assert rules == tested, f"rules without a promtool test: {sorted(rules - tested)}"


def test_every_metric_the_rules_name_is_exported():
    from spotify_mds.metrics import exported_names

    groups = yaml.safe_load((MONITORING / "alerts.yml").read_text())["groups"]
    named = {name for group in groups for rule in group["rules"] for name in METRIC.findall(rule["expr"])}
    assert named and not named - exported_names(), sorted(named - exported_names())
