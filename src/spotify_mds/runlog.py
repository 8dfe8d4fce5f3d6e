"""Run records in the lake: what ran, on what, with which counts, how long, and how it ended.

Seed 004 keeps each layer's logs in the bucket; every pipeline here does the same, through this
module, so a run leaves a trace that outlives the process (and a failed one says where it failed).

Layout (JSON objects, one per key; keys sort in time order because run ids do):

    <layer>/logs/pipeline=<name>/date=<YYYY-MM-DD>/<run_id>/<NN>-<step>.json   one per step
    runs/pipeline=<name>/date=<YYYY-MM-DD>/<run_id>.json                       one per run

A step record holds `run_id, pipeline, layer, step, status ("ok" | "failed"), started_at,
finished_at, seconds, inputs, counts, error, error_type`. The run record holds the same fields for
the whole run plus `steps` (each step's layer, name, status and seconds); it is written as
"running" when the run starts and rewritten when it ends, so a run killed outright stays visible as
"running" with the steps it finished.

Writing a record never breaks the work it describes: when the lake refuses it (the lake is the
thing that failed, say), the record goes to the logger as a warning instead. Values recorded are
made JSON-safe; a `SecretStr` (or anything whose name says secret, password, token or key) is
written as "***".

    with RunLog(lake, "breweries", params={"date": "2026-12-01"}) as run:
        with run.step("bronze", "extract", source=url) as step:
            step.count(pages=60, records=11_822)
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from spotify_mds.lake import Lake

logger = logging.getLogger(__name__)

_SECRET_WORDS = ("secret", "password", "token", "key")


def new_run_id(now: datetime | None = None) -> str:
    """`20261202T094501Z-3f9a1c`: sorts by start time; the suffix tells apart runs of one second."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{moment:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def _safe(name: str, value: Any) -> Any:
    """A JSON-safe copy of `value`; secrets (by type or by name) become "***"."""
    if type(value).__name__ == "SecretStr" or (
        isinstance(value, str) and value and any(word in name.lower() for word in _SECRET_WORDS)
    ):
        return "***"
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Mapping):
        return {str(k): _safe(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_safe(name, v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Step:
    """One step in progress: `count()` what it read and wrote; the record is written when it ends."""

    layer: str
    name: str
    inputs: dict[str, Any]
    counts: dict[str, Any] = field(default_factory=dict)

    def count(self, **counts: Any) -> None:
        """Record counts (rows in, rows out, files, bytes…); later calls add or overwrite keys."""
        self.counts.update(counts)


class RunLog:
    """The records of one run of one pipeline (see the module docstring)."""

    def __init__(
        self,
        lake: Lake,
        pipeline: str,
        *,
        run_id: str | None = None,
        params: Mapping[str, Any] | None = None,
        now: Any = None,
    ) -> None:
        self._now = now or (lambda: datetime.now(UTC))
        self.lake = lake
        self.pipeline = pipeline
        self.started_at: datetime = self._now()
        self.run_id = run_id or new_run_id(self.started_at)
        self.params = {k: _safe(k, v) for k, v in (params or {}).items()}
        self.steps: list[dict[str, Any]] = []
        self.status = "running"
        self.error: str | None = None
        self._clock = time.perf_counter()
        self._write_run(None)

    @property
    def date(self) -> str:
        return f"{self.started_at.astimezone(UTC):%Y-%m-%d}"

    def run_key(self) -> str:
        return f"runs/pipeline={self.pipeline}/date={self.date}/{self.run_id}.json"

    def step_key(self, layer: str, name: str) -> str:
        number = len(self.steps) + 1
        return f"{layer}/logs/pipeline={self.pipeline}/date={self.date}/{self.run_id}/{number:02d}-{name}.json"

    @contextmanager
    def step(self, layer: str, name: str, **inputs: Any) -> Iterator[Step]:
        """Time a step; write its record (ok, or failed with the error) and re-raise any error."""
        step = Step(layer, name, {k: _safe(k, v) for k, v in inputs.items()})
        started_at, clock = self._now(), time.perf_counter()
        error: BaseException | None = None
        try:
            yield step
        except BaseException as exc:
            error = exc
            raise
        finally:
            record = {
                "run_id": self.run_id,
                "pipeline": self.pipeline,
                "layer": layer,
                "step": name,
                "status": "ok" if error is None else "failed",
                "started_at": _iso(started_at),
                "finished_at": _iso(self._now()),
                "seconds": round(time.perf_counter() - clock, 3),
                "inputs": step.inputs,
                "counts": {k: _safe(k, v) for k, v in step.counts.items()},
                "error": None if error is None else str(error) or type(error).__name__,
                "error_type": None if error is None else type(error).__name__,
            }
            self._put(self.step_key(layer, name), record)
            self.steps.append(
                {k: record[k] for k in ("layer", "step", "status", "seconds", "counts", "error")}
            )
            self._write_run(None)

    def close(self, error: BaseException | None = None) -> dict[str, Any]:
        """End the run: "ok", or "failed" with the error and the step it failed in."""
        self.status = "ok" if error is None else "failed"
        self.error = None if error is None else str(error) or type(error).__name__
        return self._write_run(error)

    def __enter__(self) -> RunLog:
        return self

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        self.close(exc)

    def _write_run(self, error: BaseException | None) -> dict[str, Any]:
        failed = [s for s in self.steps if s["status"] == "failed"]
        record = {
            "run_id": self.run_id,
            "pipeline": self.pipeline,
            "status": self.status,
            "started_at": _iso(self.started_at),
            "finished_at": None if self.status == "running" else _iso(self._now()),
            "seconds": round(time.perf_counter() - self._clock, 3),
            "params": self.params,
            "steps": self.steps,
            "failed_step": f"{failed[-1]['layer']}/{failed[-1]['step']}" if failed else None,
            "error": self.error,
            "error_type": None if error is None else type(error).__name__,
        }
        self._put(self.run_key(), record)
        return record

    def _put(self, key: str, record: dict[str, Any]) -> None:
        data = json.dumps(record, ensure_ascii=False, sort_keys=True).encode()
        try:
            self.lake.put(key, data)
        except Exception as exc:  # the record must never be what breaks the run
            logger.warning("run record %s not written to the lake (%s): %s", key, exc, data.decode())


def recent_runs(lake: Lake, *, pipeline: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """The newest `limit` run records, newest first (of one pipeline, or of all)."""
    prefix = f"runs/pipeline={pipeline}/" if pipeline else "runs/"
    keys = [info.key for info in lake.list(prefix) if info.key.endswith(".json")]
    keys.sort(key=lambda key: key.rsplit("/", 1)[-1], reverse=True)
    return [json.loads(lake.get(key)) for key in keys[:limit]]


def step_records(lake: Lake, run: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every step record of a run (as `recent_runs` returns it), in the order the steps ran."""
    date = str(run["started_at"])[:10]
    keys = []
    for layer in dict.fromkeys(step["layer"] for step in run["steps"]):
        keys += [info.key for info in lake.list(f"{layer}/logs/pipeline={run['pipeline']}/date={date}/{run['run_id']}/")]
    keys.sort(key=lambda key: key.rsplit("/", 1)[-1])  # `NN-step.json`: numbered across layers
    return [json.loads(lake.get(key)) for key in keys]


__all__ = ["RunLog", "Step", "new_run_id", "recent_runs", "step_records"]
