"""The layering contract in pyproject.toml ([tool.importlinter]): the core imports no pipeline and
no edge, pipelines are independent of each other and import no edge. Run here so `make test` keeps it."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_import_contracts_are_kept(capsys):
    import logging

    from importlinter.cli import lint_imports

    # lint_imports configures logging with disable_existing_loggers: every logger created before it
    # would stay silent for the rest of the session (test_runlog's caplog checks saw nothing).
    enabled = [logger for logger in logging.Logger.manager.loggerDict.values()
               if isinstance(logger, logging.Logger) and not logger.disabled]  # fmt: skip
    try:
        code = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True)
    finally:
        for logger in enabled:
            logger.disabled = False
    assert code == 0, capsys.readouterr().out
