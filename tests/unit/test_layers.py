"""The layering contract in pyproject.toml ([tool.importlinter]): the core imports no pipeline and
no edge, pipelines are independent of each other and import no edge. Run here so `make test` keeps it."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_import_contracts_are_kept(capsys):
    from importlinter.cli import lint_imports

    code = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True)
    assert code == 0, capsys.readouterr().out
