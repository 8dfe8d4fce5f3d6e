"""What each stage of a run returns, and `RunSummary`, which adds them up.

Small records, printed by `spotify_mds.console` and recorded by `RunLog` (`step_counts`): the runner,
`run --follow` and the CLI's stage commands produce them; nothing here touches a component.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from spotify_mds import console as show
from spotify_mds.errors import LoadIncomplete


@dataclass
class LandResult:
    generated: int = 0
    landed: int = 0
    quarantined: int = 0
    files_written: int = 0
    files_unchanged: int = 0
    """Bronze files already in the lake with the same bytes (a run repeated): nothing new in them."""
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class LoadResult:
    files_seen: int = 0
    files_loaded: int = 0
    rows_loaded: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    """(key, error) of the bronze files the warehouse refused (tried again next load)."""
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, int]:
        return {"files_seen": self.files_seen, "files_loaded": self.files_loaded, "rows_loaded": self.rows_loaded}

    def step_counts(self) -> dict[str, int]:
        """What its run step records (`RunLog`), for `run` and each micro-batch of `run --follow`."""
        return {"rows": self.rows_loaded, "files_loaded": self.files_loaded, "files_failed": len(self.failures)}


@dataclass
class TransformResult:
    pipelines: list[str] = field(default_factory=list)
    """The pipelines built (those with data); none: dbt was not started."""
    counts: dict[str, int] = field(default_factory=dict)
    nodes: dict[str, dict[str, int]] = field(default_factory=dict)
    """dbt's results by resource type, then status (`transform.describe` says them in words)."""
    seconds: dict[str, float] = field(default_factory=dict)

    def step_counts(self) -> dict[str, Any]:
        return {"pipelines": self.pipelines, **{f"dbt_{k}": v for k, v in self.counts.items()}}


@dataclass
class QualityResult:
    checks: list = field(default_factory=list)
    as_of: datetime | None = None
    clock_source: str = ""
    """Where `as_of` came from when it was not given ("" when it was)."""
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class ExportResult:
    marts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def step_counts(self) -> dict[str, int]:
        return {"rows": sum(self.marts.values()), "marts": len(self.marts)}


@dataclass
class RunSummary:
    generated: int = 0
    landed: int = 0
    quarantined: int = 0
    files_written: int = 0
    files_unchanged: int = 0
    loaded: int = 0
    files_seen: int = 0
    files_loaded: int = 0
    files_failed: int = 0
    """Bronze files the warehouse refused this load (each printed with its error)."""
    failed_files: list[str] = field(default_factory=list)
    marts: dict[str, int] = field(default_factory=dict)
    """Rows of each exported mart: only the marts of the pipelines that have data."""
    pipelines: list[str] = field(default_factory=list)
    """The pipelines the transform built (those with data)."""
    dbt: dict[str, dict[str, int]] = field(default_factory=dict)
    """dbt's results by resource type, then status."""
    quality: list = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def raise_if_incomplete(self) -> None:
        """LoadIncomplete when the load set files aside: called by the edges once every stage ran."""
        if self.failed_files:
            raise LoadIncomplete(
                f"{len(self.failed_files):,} bronze file(s) not loaded (listed above), first {self.failed_files[0]};"
                " the rest loaded; they are tried again on the next load",
                files=self.failed_files,
            )

    def add(self, result: Any) -> Any:
        """Take a stage's result into the run's figures; returns it."""
        if isinstance(result, LandResult):
            self.generated, self.landed, self.quarantined = result.generated, result.landed, result.quarantined
            self.files_written, self.files_unchanged = result.files_written, result.files_unchanged
        elif isinstance(result, LoadResult):
            self.loaded, self.files_loaded, self.files_failed = result.rows_loaded, result.files_loaded, len(result.failures)
            self.files_seen = result.files_seen
            self.failed_files = [key for key, _ in result.failures]
        elif isinstance(result, TransformResult):
            self.pipelines, self.dbt = result.pipelines, result.nodes
        elif isinstance(result, QualityResult):
            self.quality = result.checks
        elif isinstance(result, ExportResult):
            self.marts = result.marts
        self.seconds.update(result.seconds)
        return result

    def table(self, title: str = "spotify-mds run"):
        return show.summary_table(self, title)
