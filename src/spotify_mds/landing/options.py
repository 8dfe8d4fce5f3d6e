"""The landing options, built from settings in this one place for every edge (CLI, runner, DAGs)."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class LandingOptions:
    """How a `BronzeWriter` cuts, compresses, validates and writes (see `BronzeWriter.__init__`)."""

    max_records: int = 50_000
    max_span_ms: int = 3_600_000
    max_bytes: int = 64 * 1024 * 1024
    compression: str = "none"
    max_inflight: int = 0
    validate_workers: int = 0

    @classmethod
    def from_settings(cls, settings) -> LandingOptions:
        return cls(
            max_records=settings.land_max_records,
            max_span_ms=settings.land_max_span_seconds * 1000,
            max_bytes=settings.land_max_bytes,
            compression=settings.land_compression,
            max_inflight=settings.land_max_inflight,
            validate_workers=settings.land_validate_workers,
        )

    def writer_kwargs(self) -> dict:
        """The keyword arguments of `BronzeWriter` (and, without `max_inflight`, of `land_batches`)."""
        return asdict(self)

    def batch_kwargs(self) -> dict:
        """The keyword arguments of `land_batches` and `land_file`, which write synchronously."""
        options = asdict(self)
        del options["max_inflight"]
        return options

    def writer(self, lake, topic: str, validator, **extra):
        """A `BronzeWriter` with these options (`extra`: `on_flush`, or an override)."""
        from spotify_mds.landing.writer import BronzeWriter

        return BronzeWriter(lake, topic, validator, **{**self.writer_kwargs(), **extra})
