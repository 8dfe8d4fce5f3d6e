"""Measuring: each case runs in a fresh Python process, so its peak memory is its own.

A case is a function `name(volume, workdir) -> int` (the number of events it handled) in one of the
bench modules; `measure()` runs it `repeats` times in subprocesses and keeps the medians and the
spread. Timing happens inside the child around the work only (start-up and imports excluded, data
preparation excluded when the case says so by calling `started()`).
"""

from __future__ import annotations

import importlib
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

_CLOCK: list[float] = []


def started() -> None:
    """Called by a case after its preparation: the timed part starts here."""
    _CLOCK.append(time.perf_counter())


@dataclass
class Result:
    stage: str
    impl: str
    volume: int
    events: int
    seconds: list[float] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)
    baseline: bool = False
    note: str = ""
    metrics: list[dict] = field(default_factory=list)
    """Figures other than speed a case reports per run (freshness percentiles, say)."""

    @property
    def median_seconds(self) -> float:
        return statistics.median(self.seconds)

    @property
    def rate(self) -> float:
        return self.events / self.median_seconds if self.median_seconds else float("nan")

    @property
    def spread(self) -> str:
        if len(self.seconds) < 2:
            return "1 run"
        rates = sorted(self.events / s for s in self.seconds)
        return f"{rates[0]:,.0f}–{rates[-1]:,.0f}"

    def as_dict(self) -> dict:
        return {**asdict(self), "median_seconds": self.median_seconds, "rate": self.rate}


def measure(stage: str, impl: str, target: str, volume: int, workdir: Path, *, repeats: int = 3,
            baseline: bool = False, note: str = "", timeout: float = 900) -> Result:
    """Run `module:function` `repeats` times, each in its own process."""
    result = Result(stage, impl, volume, 0, baseline=baseline, note=note)
    for _ in range(repeats):
        workdir.mkdir(parents=True, exist_ok=True)
        out = subprocess.run(
            [sys.executable, "-m", "bench.harness", target, str(volume), str(workdir)],
            capture_output=True, text=True, timeout=timeout, cwd=Path(__file__).parents[1],
            env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).parents[1]),
                                                                         os.environ.get("PYTHONPATH")]))},
        )  # fmt: skip
        if out.returncode != 0:
            raise RuntimeError(f"{target} at {volume:,} failed:\n{out.stderr[-3000:]}")
        report = json.loads(out.stdout.strip().splitlines()[-1])
        result.events = report["events"]
        result.seconds.append(report["seconds"])
        result.peak_mb.append(report["peak_mb"])
        if report.get("metrics"):
            result.metrics.append(report["metrics"])
    return result


def _child(target: str, volume: int, workdir: Path) -> None:
    import resource

    module, function = target.split(":")
    case = getattr(importlib.import_module(module), function)
    begin = time.perf_counter()
    handled = case(volume, workdir)
    end = time.perf_counter()
    start = _CLOCK[-1] if _CLOCK else begin
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # A case returns the events it handled, or {"events": n, "metrics": {...}} to report more, or
    # {"events": n, "seconds": s} when it times the work itself (a peer in a process of its own),
    # or a "peak_mb" of its own when it reset the process's peak to measure its phases.
    report = handled if isinstance(handled, dict) else {"events": handled}
    seconds = report.get("seconds", end - start)
    print(json.dumps({"events": report["events"], "seconds": seconds,
                      "peak_mb": max(report.get("peak_mb", 0), peak_kb / 1024),
                      "metrics": report.get("metrics")}))  # fmt: skip


if __name__ == "__main__":
    # Run as `python -m bench.harness`, this file is `__main__`, while the cases import
    # `bench.harness`: a second copy with a clock of its own. Use that copy, whose clock `started()` sets.
    from bench.harness import _child as child

    child(sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]))
