"""What a data engineer expects of the CLI: typed help with real defaults, --version, completion,
JSON for scripts, `--events N` meaning N, and a README whose commands table matches `--help`.

All in process through the `mds` fixture (`main()` as the console script runs it).
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WIDE = {"COLUMNS": "250"}  # one help row per line: rich wraps at the terminal's width


def _help(mds, *path: str, **env: str) -> str:
    code, err = mds(*path, "--help", **WIDE, **env)
    assert code == 0, err
    return mds.stdout


def _rows(text: str) -> list[list[str]]:
    """The leading option or command tokens of each row of rich's panels."""
    rows = []
    for line in text.splitlines():
        if line.startswith("│ ") and not line.startswith("│  "):
            rows.append(line.strip("│ ").split())
    return rows


def _options(text: str) -> list[str]:
    options = []
    for tokens in _rows(text):
        options += [t for t in tokens[: next((i for i, t in enumerate(tokens) if not t.startswith("-")), len(tokens))]
                    if t.startswith("--")]  # fmt: skip
    return options


def _commands(mds, *path: str) -> list[tuple[str, ...]]:
    """Every command path under `path`, leaves only (a group is listed through its commands)."""
    text = _help(mds, *path)
    if "Commands" not in text:
        return [path]
    names = [tokens[0] for tokens in _rows(text.split("Commands", 1)[1]) if not tokens[0].startswith("-")]
    return [leaf for name in names for leaf in _commands(mds, *path, name)]


def test_help_shows_types_and_the_defaults_that_apply(mds):
    text = _help(mds, "simulate")
    rows = {line.split()[1]: line for line in text.splitlines() if line.startswith("│ --")}
    assert " INTEGER " in rows["--users"] and "[default: (USER_COUNT=1500)]" in rows["--users"]
    assert " FLOAT " in rows["--days"] and "(SIM_DAYS=28)" in rows["--days"]
    assert " INTEGER " in rows["--seed"] and "(SIM_SEED=42)" in rows["--seed"]
    assert " PATH " in rows["--out"] and "[default: -]" in rows["--out"]
    assert " DATETIME " in rows["--start"] and "SIM_START=2026-11-02T00:00:00Z" in rows["--start"]
    assert rows["--help"].split()[:3] == ["│", "--help", "Show"], "a flag takes no value: no type"
    # The effective default: what this environment (or .env) sets.
    assert "(USER_COUNT=40)" in _help(mds, "simulate", USER_COUNT="40")


def test_no_command_shows_typer_s_annotation_types(mds):
    root = _help(mds)
    assert "<bool>" not in root and "--version" in root and "--install-completion" in root
    for path in _commands(mds):
        text = _help(mds, *path)
        assert not re.search(r"<(bool|int|float|str|path|datetime)>", text), (path, text)


def test_version_is_the_package_s_and_the_changelog_s(mds):
    from spotify_mds import __version__

    code, _ = mds("--version")
    assert code == 0 and mds.stdout == f"spotify-mds {__version__}\n"
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["hatch"]["version"]["path"] == "src/spotify_mds/__init__.py"
    released = re.findall(r"^## (\d+\.\d+\.\d+) — \d{4}-\d\d-\d\d$", (ROOT / "CHANGELOG.md").read_text(), re.M)
    assert released[0] == __version__, "CHANGELOG's newest dated section is this version"


def test_shell_completion_is_available(mds):
    # Typer detects the user's shell (shellingham); a test names it, as `--show-completion bash` does
    # when detection is off, so it passes without a parent shell too (CI, a background job).
    code, err = mds("--show-completion", "bash", _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1")
    assert code == 0, err
    assert "complete -o default -F _spotify_mds_completion spotify-mds" in mds.stdout


def test_the_readme_lists_every_command_and_option_of_help(mds):
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    table = {}
    for line in section.splitlines():
        match = re.match(r"\| `spotify-mds ([a-z][a-z -]*)` \|", line)
        if match:
            table[match.group(1).strip()] = line
    paths = _commands(mds)
    missing = [" ".join(p) for p in paths if " ".join(p) not in table]
    assert not missing, f"commands missing from the README's table: {missing}"
    for path in paths:
        row = table[" ".join(path)]
        absent = [o for o in _options(_help(mds, *path)) if o != "--help" and not re.search(rf"[`/ ]{o}\b", row)]
        assert not absent, f"README row of `spotify-mds {' '.join(path)}` lacks {absent}"
    stale = set(table) - {" ".join(p) for p in paths}
    assert not stale, f"README lists commands --help does not: {stale}"
    for option in _options(_help(mds)):
        assert option in section, f"the README's Commands section lacks the global option {option}"
    for code in ("0", "1", "2", "130"):
        assert re.search(rf"^\| {code} \|", section, re.M), f"exit status {code} is not documented"


def test_events_n_means_n(mds, tmp_path):
    out = tmp_path / "events.ndjson"
    assert mds("simulate", "--events", "700", "--out", str(out))[0] == 0
    assert len(out.read_bytes().splitlines()) == 700

    window = tmp_path / "window.ndjson"
    assert mds("simulate", "--users", "5", "--out", str(window))[0] == 0
    in_window = len(window.read_bytes().splitlines())
    assert in_window < 12_000, "the default window at 5 users holds fewer than asked below"
    code, err = mds("simulate", "--users", "5", "--events", "12000", "--out", str(out))
    assert code == 0, err
    assert len(out.read_bytes().splitlines()) == 12_000
    assert "12,000 events written" in err


def test_an_explicit_window_too_short_says_so(mds, tmp_path):
    out = tmp_path / "events.ndjson"
    code, err = mds("simulate", "--users", "5", "--days", "1", "--events", "12000", "--out", str(out))
    assert code == 0
    written = len(out.read_bytes().splitlines())
    assert written < 12_000 and f"{written:,} events, not the 12,000 asked for" in err


def test_too_few_users_for_n_events_is_one_line(mds, tmp_path):
    code, err = mds("simulate", "--users", "2", "--events", "1000000", "--out", str(tmp_path / "x"))
    assert code == 1 and err.startswith("ConfigError: 1,000,000 events are more than 2 simulated users")
    assert "--users" in err


def test_health_json_is_one_object_on_stdout(mds, tmp_path):
    code, err = mds("health", "--json", "--only", "lake", DATA_DIR=str(tmp_path / "data"))
    assert code == 0, err
    report = json.loads(mds.stdout)
    assert report["command"] == "health" and report["ok"] is True
    assert [(c["component"], c["status"]) for c in report["components"]] == [("lake", "up")]

    code, _ = mds("health", "--json", "--only", "kafka", "--timeout", "0.3", KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1")
    report = json.loads(mds.stdout)
    assert code == 1 and report["ok"] is False and report["components"][0]["failed"] is True


def test_dbt_results_read_as_words():
    from spotify_mds.transform import describe

    assert describe({"test": {"pass": 99}, "model": {"success": 32}}) == "32 models built, 99 tests passed"
    assert describe({"model": {"success": 1, "error": 1}, "test": {"pass": 3, "fail": 1}}) == (
        "1 model built, 1 model failed, 3 tests passed, 1 test failed"
    )
    assert describe({}) == "nothing to build"


def test_a_load_with_nothing_new_says_so_not_a_full_bar():
    from rich.console import Console

    from spotify_mds.console import chunks

    console = Console(record=True, width=100)
    with chunks(console, "load bronze → raw (duckdb)", empty="nothing new to load"):
        pass
    assert "load bronze → raw (duckdb): nothing new to load" in console.export_text()
    assert "1/1" not in console.export_text()


@pytest.mark.parametrize(
    ("landed", "loaded", "said"),
    [(205, 213, "loaded 213 rows (8 of them landed before a restart)"), (205, 205, "loaded 205 rows")],
)
def test_follow_totals_add_up_after_a_restart(landed, loaded, said):
    from spotify_mds.commands.output import follow_totals
    from spotify_mds.follow import FollowStats

    line = follow_totals(FollowStats(landed=landed, loaded=loaded))
    assert line.startswith(f"stopped: this session landed {landed:,} events") and line.endswith(said)


def test_dbt_by_hand_finds_the_warehouse_under_data_dir(tmp_path, monkeypatch):
    """`cd dbt && DATA_DIR=… dbt …` connects to DATA_DIR/warehouse.duckdb, as spotify-mds does."""
    from dbt.cli.main import dbtRunner

    from spotify_mds.transform import project_dir

    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.delenv("DUCKDB_PATH", raising=False)
    monkeypatch.setenv("DATA_DIR", str(data))
    monkeypatch.setenv("WAREHOUSE", "duckdb")
    project = str(project_dir())
    result = dbtRunner().invoke(["debug", "--project-dir", project, "--profiles-dir", project,
                                 "--log-path", str(tmp_path / "logs"), "--no-send-anonymous-usage-stats"])  # fmt: skip
    assert result.success, result.exception
    assert (data / "warehouse.duckdb").is_file(), "dbt's connection test opened DATA_DIR's warehouse"


def test_usage_errors_exit_2_as_documented(mds):
    code, err = mds("simulate", "--users", "many", **WIDE)
    assert code == 2 and "Invalid value for '--users'" in err
    assert mds("no-such-command")[0] == 2
