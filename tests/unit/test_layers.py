"""The layering contract in pyproject.toml ([tool.importlinter]): the core imports no pipeline and
no edge, pipelines are independent of each other and import no edge. Run here so `make test` keeps it."""

import logging
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_import_contracts_are_kept(capsys):

    from importlinter.cli import lint_imports

    # lint_imports configures logging with dictConfig, which disables every logger that exists
    # (spotify_mds.*): later tests reading caplog would see nothing. Give them back as they were.
    loggers = [logger for logger in logging.root.manager.loggerDict.values() if isinstance(logger, logging.Logger)]
    disabled = {logger: logger.disabled for logger in loggers}
    try:
        code = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True)
    finally:
        for logger, was in disabled.items():
            logger.disabled = was
    assert code == 0, capsys.readouterr().out
