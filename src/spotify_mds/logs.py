"""Logging for the edges: text or JSON lines, to the console and optionally a file, with the run id.

A library logs (`logging.getLogger(__name__)`); the application configures logging, once, here
(`configure_logging`, called by the CLI). LOG_FORMAT=json writes one JSON object a line (time,
level, logger, message, run_id, and the exception when there is one) for log shippers; LOG_FILE
writes the same lines to a file too. Every line carries the id of the run in progress (`run_context`,
set by `spotify_mds.metrics.recorded_run`), so a run's lines can be found from its run record.

Secrets never reach a line: a filter masks the values of the settings' secrets (and anything that
looks like `password=...`, `token=...`, a URL's user:password@) in every message, whatever the
library that logged it.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

RUN_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("spotify_mds_run_id", default=None)
MASK = "***"
_PATTERNS = (
    re.compile(r"(?i)((?:password|passwd|secret|token|api[_-]?key)[\"']?\s*[=:]\s*[\"']?)([^\s\"',&]+)"),
    re.compile(r"(://[^/\s:@]+:)([^@\s/]+)(@)"),  # scheme://user:password@host
)
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(run_id)s]: %(message)s"


@contextmanager
def run_context(run_id: str) -> Iterator[None]:
    """Every log line written inside the block carries `run_id`."""
    token = RUN_ID.set(run_id)
    try:
        yield
    finally:
        RUN_ID.reset(token)


class RunIdAndSecrets(logging.Filter):
    """Adds `record.run_id`; replaces secrets in the message (the formatted one) with "***"."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        text = _PATTERNS[0].sub(lambda m: m.group(1) + MASK, text)
        return _PATTERNS[1].sub(lambda m: m.group(1) + MASK + m.group(3), text)

    def filter(self, record: logging.LogRecord) -> bool:
        record.run_id = RUN_ID.get() or "-"
        message = record.getMessage()
        masked = self.mask(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self.mask(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonLines(logging.Formatter):
    """One JSON object a line."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "run_id": getattr(record, "run_id", None) if getattr(record, "run_id", "-") != "-" else None,
        }
        if record.exc_text:
            line["exception"] = record.exc_text
        elif record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(level: int = logging.WARNING, *, fmt: str = "text", file: Path | None = None,
                      secrets: Iterable[str] = ()) -> None:  # fmt: skip
    """Configure the root logger: console (stderr) and, with `file`, a file (replacing the handlers an
    earlier call added, so the CLI can call it once per command)."""
    formatter: logging.Formatter = JsonLines() if fmt == "json" else logging.Formatter(TEXT_FORMAT)
    guard = RunIdAndSecrets(secrets)
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(file, encoding="utf-8"))
    root = logging.getLogger()
    for handler in list(root.handlers):  # ours from an earlier call; others' (pytest's) stay
        if getattr(handler, "_spotify_mds", False):
            root.removeHandler(handler)
            handler.close()
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(guard)
        handler._spotify_mds = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)


def secrets_of(settings) -> list[str]:
    """The values of every SecretStr setting (to mask them in log lines)."""
    values = []
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if type(value).__name__ == "SecretStr":
            values.append(value.get_secret_value())
    return values
