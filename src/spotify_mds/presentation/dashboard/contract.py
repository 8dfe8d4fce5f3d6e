"""The gold contract the dashboards, the report and the Metabase questions read: every mart of the
streams pipeline, its columns in order and their types.

It has one source: the marts' YAML that dbt itself reads and enforces (`dbt/models/streams/marts/`,
`contract: {enforced: true}`), shipped inside the wheel. Nothing here restates a column, so a mart
renamed or a column added in dbt reaches every reader at once, and a reader naming a column the
marts do not have fails its tests. A reader without the dbt project (the lake alone) finds the same
contract in the export's `_manifest.json` when the exporter is given it (`export_gold(contract=...)`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from spotify_mds.errors import ConfigError

Contract = dict[str, dict[str, str]]

# Where the streams pipeline's marts live inside the dbt project.
MARTS_SUBDIR = Path("models", "streams", "marts")


def dbt_marts_dir() -> Path | None:
    """The marts folder of the dbt project (shipped in the wheel or at the checkout's root), if found."""
    package = Path(__file__).resolve().parents[2]  # spotify_mds/
    for candidate in (package / "dbt", package.parents[1] / "dbt"):
        marts = candidate / MARTS_SUBDIR
        if marts.is_dir():
            return marts
    return None


def dbt_contract(marts_dir: Path) -> Contract:
    """Columns and their `data_type`s, in order, of every model described in `marts_dir/*.yml`."""
    found: Contract = {}
    for path in sorted(marts_dir.glob("*.yml")) + sorted(marts_dir.glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for model in document.get("models") or []:
            columns = model.get("columns") or []
            if columns:
                found[model["name"]] = {col["name"]: str(col.get("data_type", "")).lower() for col in columns}
    return found


@cache
def _shipped_contract() -> Contract:
    marts_dir = dbt_marts_dir()
    if marts_dir is None:
        raise ConfigError(f"no gold contract: no dbt project with {MARTS_SUBDIR} beside the package")
    return dbt_contract(marts_dir)


def gold_contract(marts_dir: Path | None = None) -> Contract:
    """The gold contract: the marts' dbt YAML (`marts_dir`, by default the project's own). A copy,
    so a caller may change it freely."""
    contract = dbt_contract(marts_dir) if marts_dir is not None else _shipped_contract()
    return {mart: dict(columns) for mart, columns in contract.items()}


def gold_marts() -> frozenset[str]:
    """The names of the gold marts (the only names a reader may put into SQL)."""
    return frozenset(_shipped_contract())
