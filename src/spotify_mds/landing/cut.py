"""Where a partition's buffer is cut into files: one pure function for every path.

A buffer is cut (flushed) after the first record that makes it hold `max_records` records,
`max_bytes` bytes of values, or records spanning `max_span_ms` of event time. All three depend only
on the records, never on the clock, so a restart from the last committed offset cuts the same files.
The writer asks `first_cut` both for one record (`add`) and for a validated run (`add_many`): the
two paths cannot disagree on a cut.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate


@dataclass(frozen=True)
class CutRules:
    """The three deterministic limits of one file."""

    max_records: int = 50_000
    max_bytes: int = 64 * 1024 * 1024
    max_span_ms: int = 3_600_000


def first_cut(
    rules: CutRules,
    count: int,
    size: int,
    first_ms: int | None,
    last_ms: int | None,
    sizes: Sequence[int],
    millis: Sequence[int] | None,
    totals: tuple[int, int, int] | None = None,
) -> int:
    """The index of the first of these records that completes a file, or len(sizes) if none does.

    The buffer holds `count` records of `size` bytes whose event times span first_ms..last_ms (None:
    no valid record yet); the new records have `sizes` and event times `millis` (None: records with
    no event time, i.e. quarantined ones, which count and weigh but span nothing). `totals`, when
    the caller has them: (sum of `sizes`, min and max of `millis`), so a run is summed only once.
    """
    n = len(sizes)
    total, low, high = totals if totals is not None else (sum(sizes), None, None)
    room = rules.max_records - count
    cut = max(room - 1, 0) if room <= n else n
    if size + total >= rules.max_bytes:
        cut = min(cut, bisect_left(list(accumulate(sizes, initial=size))[1:], rules.max_bytes))
    if millis:
        first = first_ms if first_ms is not None else millis[0]
        last = last_ms if last_ms is not None else first
        low, high = (min(millis), max(millis)) if low is None else (low, high)
        if max(last, high) - min(first, low) >= rules.max_span_ms:
            cut = min(cut, span_cut(millis, first, last, rules.max_span_ms))
    return cut


def span_cut(millis: Sequence[int], first_ms: int, last_ms: int, max_span_ms: int) -> int:
    """The first index at which a buffer spanning first_ms..last_ms, then taking `millis` one by
    one, spans `max_span_ms` or more (len(millis) if none): running minimum and maximum."""
    if len(millis) == 1:
        return 0 if max(last_ms, millis[0]) - min(first_ms, millis[0]) >= max_span_ms else 1
    import numpy as np  # only a run that crosses the span limit pays for it

    ms = np.array(millis, dtype=np.int64)
    span = np.maximum(np.maximum.accumulate(ms), last_ms) - np.minimum(np.minimum.accumulate(ms), first_ms)
    hits = np.flatnonzero(span >= max_span_ms)
    return int(hits[0]) if hits.size else len(millis)
