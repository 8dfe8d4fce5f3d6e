"""Telling people: Airflow's failure and deadline-miss callbacks POST a JSON message to a webhook.

ALERT_WEBHOOK_URL names the webhook (a chat's incoming webhook, an alert router, anything that takes
a JSON POST); empty, nothing is sent. The message has a `text` line (what chat webhooks show) and
the structured fields (`event`, `dag_id`, `task_id`, `run_id`, `logical_date`, `try_number`,
`error`, `log_url`). The URL is a secret (such URLs carry a token): it is never logged, only its host.

Airflow 3 has no task SLAs any more; their successor is the DAG's *deadline alert*
(`DeadlineAlert(reference, interval, callback)`), whose callback runs in the triggerer and must be
awaitable: `deadline_missed`. Task and DAG failures call `task_failed` / `dag_failed` (plain
functions: `on_failure_callback`). Callbacks never raise: a webhook that is down is a warning in
Airflow's log, not a second failure.

Standard library only at import time: the DAG files name these by their dotted path, which Airflow
imports while it parses them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

logger = logging.getLogger(__name__)


def post_webhook(url: str, payload: Mapping[str, Any], *, timeout_s: float = 10.0) -> bool:
    """POST `payload` as JSON to `url`; True when it answered 2xx. Never raises."""
    host = urllib.parse.urlsplit(url).hostname or "?"
    request = urllib.request.Request(
        url, data=json.dumps(payload, default=str).encode(), method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "spotify-mds"},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as answer:
            return 200 <= answer.status < 300
    except (urllib.error.URLError, OSError, ValueError) as exc:
        logger.warning("alert webhook on %s did not take the message: %s", host, getattr(exc, "reason", exc))
        return False


def webhook_url() -> str:
    """ALERT_WEBHOOK_URL from the settings (environment, `.env`), read when a callback runs."""
    from spotify_mds.settings import load_settings

    return load_settings().alert_webhook_url.get_secret_value()


def _get(thing: Any, name: str) -> Any:
    if thing is None:
        return None
    return thing.get(name) if isinstance(thing, Mapping) else getattr(thing, name, None)


def describe(event: str, context: Mapping[str, Any]) -> dict[str, Any]:
    """The message for `event` from an Airflow context (task instance, DAG run, exception)."""
    ti = _get(context, "ti") or _get(context, "task_instance")
    dag_run = _get(context, "dag_run")
    error = _get(context, "exception") or _get(context, "reason")
    message = {
        "event": event,
        "dag_id": _get(ti, "dag_id") or _get(dag_run, "dag_id") or _get(context, "dag_id"),
        "task_id": _get(ti, "task_id"),
        "run_id": _get(ti, "run_id") or _get(dag_run, "run_id") or _get(context, "run_id"),
        "logical_date": str(_get(context, "logical_date") or _get(dag_run, "logical_date") or "") or None,
        "try_number": _get(ti, "try_number"),
        "error": None if error is None else f"{type(error).__name__}: {error}" if isinstance(error, BaseException) else str(error),
        "log_url": _get(ti, "log_url"),
    }  # fmt: skip
    where = message["dag_id"] + (f".{message['task_id']}" if message["task_id"] else "") if message["dag_id"] else "?"
    what = {"task_failed": "failed", "dag_failed": "failed", "deadline_missed": "missed its deadline"}.get(event, event)
    message["text"] = f"spotify-mds: {where} {what} (run {message['run_id']})" + (
        f": {message['error']}" if message["error"] else ""
    )
    return message


def notify(event: str, context: Mapping[str, Any], url: str | None = None) -> bool:
    """Send `event`'s message to `url` (default: ALERT_WEBHOOK_URL); False when none is set or it failed."""
    try:
        url = url if url is not None else webhook_url()
    except Exception as exc:  # noqa: BLE001 - bad settings must not turn a callback into a crash
        logger.warning("no alert sent: settings unreadable (%s)", exc)
        return False
    if not url:
        return False
    return post_webhook(url, describe(event, context))


def task_failed(context: Mapping[str, Any]) -> None:
    """`on_failure_callback` for tasks (the DAGs' default_args)."""
    notify("task_failed", context)


def dag_failed(context: Mapping[str, Any]) -> None:
    """`on_failure_callback` for a DAG run."""
    notify("dag_failed", context)


async def deadline_missed(context: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
    """A `DeadlineAlert`'s callback (`AsyncCallback`, run by the triggerer) with the run's context."""
    await asyncio.to_thread(notify, "deadline_missed", {**kwargs, **(context or {})})
