"""The streams dbt project keeps its layers: staging named after its source, marts read only
intermediate models, every model documented in YAML (where its tests and contract live)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

STREAMS = Path(__file__).resolve().parents[2] / "dbt" / "models" / "streams"
MACROS = Path(__file__).resolve().parents[2] / "dbt" / "macros" / "streams"
REF = re.compile(r"ref\(\s*['\"](\w+)['\"]\s*\)")


def _yaml_models(folder: Path) -> set[str]:
    names = set()
    for path in folder.glob("*.yml"):
        names |= {model["name"] for model in (yaml.safe_load(path.read_text()) or {}).get("models") or []}
    return names


def _sources(folder: Path) -> set[str]:
    names = set()
    for path in folder.glob("*.yml"):
        names |= {source["name"] for source in (yaml.safe_load(path.read_text()) or {}).get("sources") or []}
    return names


def test_staging_is_named_after_its_source() -> None:
    sources = _sources(STREAMS / "staging")
    assert sources == {"streams"}
    for model in (STREAMS / "staging").glob("*.sql"):
        source, _, entity = model.stem.removeprefix("stg_").partition("__")
        assert model.stem.startswith("stg_") and source in sources and entity, model.name
        assert f"source('{source}'," in model.read_text(), model.name


def test_marts_read_intermediate_models_only() -> None:
    intermediate = {path.stem for path in (STREAMS / "intermediate").glob("*.sql")}
    macro_refs = {ref for path in MACROS.glob("*.sql") for ref in REF.findall(path.read_text())}
    assert macro_refs <= intermediate, macro_refs - intermediate
    for mart in (STREAMS / "marts").glob("*.sql"):
        refs = set(REF.findall(mart.read_text()))
        assert refs <= intermediate, f"{mart.name} reads {refs - intermediate}"
        assert "source(" not in mart.read_text(), mart.name


def test_every_model_is_described_in_its_folders_yaml() -> None:
    for layer in ("staging", "intermediate", "marts"):
        folder = STREAMS / layer
        assert {path.stem for path in folder.glob("*.sql")} <= _yaml_models(folder), layer
