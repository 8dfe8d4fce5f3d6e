"""Writing a flush's files: compression, and the rule for a key that already holds bytes.

A file never silently replaces different bytes. A replay writes identical bytes (skipped). The one
legitimate difference is a replay whose cut moved (an idle flush written, then a crash before its
commit): the stored file and the new one start at the same offset and hold the hour's records of
the same positions, so one is a prefix of the other. Such a replacement is allowed, logged as a
warning and counted; any other difference is two streams claiming one position: `LakeConflict`.
"""

from __future__ import annotations

import gzip
import logging
import threading
from dataclasses import dataclass, field

from spotify_mds.errors import LakeConflict

logger = logging.getLogger(__name__)


@dataclass
class LandStats:
    records: int = 0
    landed: int = 0
    quarantined: int = 0
    files: int = 0
    bytes: int = 0
    unchanged_files: int = 0
    """Files whose identical bytes were already in the lake (a replay)."""
    failed_writes: int = 0
    """Flushes that failed (storage outage); their records stayed buffered and were retried."""
    replaced_files: int = 0
    """Files that replaced a shorter or longer cut of the same positions (a replay after an idle flush)."""
    quarantine_reasons: dict[str, int] = field(default_factory=dict)
    """Quarantined records by kind of reason (`validation.reason_kind`), counted when durable."""

    def count_reasons(self, reasons: dict[str, int]) -> None:
        for kind, n in reasons.items():
            self.quarantine_reasons[kind] = self.quarantine_reasons.get(kind, 0) + n


File = tuple[str, bytes, bool]
"""(key, uncompressed bytes, whether the writer's compression applies)."""


def compress(data: bytes, compression: str) -> bytes:
    if compression == "gzip":
        return gzip.compress(data, compresslevel=5, mtime=0)  # mtime=0: same bytes on replay
    if compression == "zstd":
        import zstandard  # optional dependency

        return zstandard.ZstdCompressor(level=3).compress(data)
    return data


def decompress(key: str, data: bytes) -> bytes:
    """A stored file's plain bytes, by its key's suffix."""
    if key.endswith(".gz"):
        return gzip.decompress(data)
    if key.endswith(".zst"):
        import zstandard

        return zstandard.ZstdDecompressor().decompressobj().decompress(data)
    return data


class FileWriter:
    """Writes files to the lake (in parallel when the lake can) and counts them in `stats`.

    Thread-safe: background writes call it from several threads.
    """

    def __init__(self, lake, compression: str, stats: LandStats) -> None:
        self.lake = lake
        self.compression = compression
        self.stats = stats
        self._lock = threading.Lock()

    def write_all(self, files: list[File]) -> None:
        """Write a flush's files; every one is durable on return (LakeError, LakeConflict otherwise)."""
        items = [(key, compress(data, self.compression) if packed else data) for key, data, packed in files]
        put_many = getattr(self.lake, "put_many", None)
        check = self._may_replace
        try:
            if put_many is not None and len(items) > 1:
                written = put_many(items, may_replace=check)
            else:
                written = [self.lake.put(k, d, may_replace=check) for k, d in items]
        except LakeConflict as exc:
            raise LakeConflict(
                f"{exc}: they are not a cut of the same records (a topic recreated with its offsets "
                "back at 0? two sources landed as one partition?); nothing was committed. Move that "
                "file away to land these records, or land them into another lake.",
                key=exc.key,
            ) from None
        with self._lock:
            for (_key, data), changed in zip(items, written, strict=True):
                if changed:
                    self.stats.files += 1
                    self.stats.bytes += len(data)
                else:
                    self.stats.unchanged_files += 1

    def _may_replace(self, key: str, stored: bytes, new: bytes) -> bool:
        """The replay rule (module docstring): stored and new records, one a prefix of the other."""
        old, new = decompress(key, stored), decompress(key, new)
        if not (old.startswith(new) or new.startswith(old)):
            return False
        logger.warning(
            "replacing %s: it held %d records, the replay's cut holds %d (an idle flush was written, "
            "then not committed)",
            key, old.count(b"\n"), new.count(b"\n"),
        )  # fmt: skip
        with self._lock:
            self.stats.replaced_files += 1
        return True
