"""Temporary files that killed writers left behind."""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def remove_stale_temporaries(lake, topic: str) -> int:
    """Delete what killed writers left of their files in `topic`'s bronze and quarantine folders.

    A writer calls this when it starts. Only a folder lake has temporary files (an object store's
    PUT is atomic), so another lake is left alone. Returns how many files were removed.
    """
    remove = getattr(lake, "remove_stale_temporaries", None)
    if remove is None:
        return 0
    removed = remove(f"bronze/{topic}/") + remove(f"quarantine/{topic}/")
    if removed:
        logger.warning("removed %d temporary files left by killed writers", removed)
    return removed
