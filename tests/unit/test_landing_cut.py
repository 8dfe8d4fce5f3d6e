"""The one cut function: where a partition's buffer becomes a file (count, bytes, event-time span)."""

from __future__ import annotations

import random

import pytest

from spotify_mds.landing.cut import CutRules, first_cut


def naive_cut(rules: CutRules, count, size, first_ms, last_ms, sizes, millis) -> int:
    """The rule stated record by record: the first record after which a limit is reached."""
    for i, record_size in enumerate(sizes):
        count, size = count + 1, size + record_size
        if millis is not None:
            ms = millis[i]
            first_ms = ms if first_ms is None else min(first_ms, ms)
            last_ms = ms if last_ms is None else max(last_ms, ms)
        span = last_ms - first_ms if first_ms is not None else 0
        if count >= rules.max_records or size >= rules.max_bytes or span >= rules.max_span_ms:
            return i
    return len(sizes)


def test_the_record_that_reaches_max_records_completes_the_file():
    rules = CutRules(max_records=3)
    assert first_cut(rules, 0, 0, None, None, [10] * 5, [0] * 5) == 2
    assert first_cut(rules, 2, 20, 0, 0, [10] * 5, [0] * 5) == 0
    assert first_cut(rules, 0, 0, None, None, [10, 10], [0, 0]) == 2  # no cut: all of them fit


def test_the_record_that_reaches_max_bytes_completes_the_file():
    rules = CutRules(max_bytes=10)
    assert first_cut(rules, 1, 4, 0, 0, [3, 3, 3], [0, 0, 0]) == 1  # 7, then 10
    assert first_cut(rules, 0, 0, None, None, [50], [0]) == 0  # one record alone over the limit


def test_the_span_counts_late_records_too():
    rules = CutRules(max_span_ms=1_000)
    assert first_cut(rules, 0, 0, None, None, [1] * 4, [100, 500, 1_100, 200]) == 2
    assert first_cut(rules, 2, 2, 1_000, 1_500, [1], [600]) == 1  # spans 900 ms: no cut
    assert first_cut(rules, 2, 2, 1_000, 1_500, [1], [400]) == 0  # a late record stretches it to 1,100


def test_quarantined_records_count_and_weigh_but_span_nothing():
    rules = CutRules(max_records=100, max_bytes=10, max_span_ms=1_000)
    assert first_cut(rules, 0, 0, 0, 999, [4, 4], None) == 2
    assert first_cut(rules, 0, 4, 0, 999, [4, 4], None) == 1
    assert first_cut(CutRules(max_records=2), 1, 0, None, None, [0], None) == 0


@pytest.mark.parametrize("seed", range(200))
def test_a_run_is_cut_where_records_one_by_one_would_be(seed):
    """The run path (many records at once) and the record path (one at a time) share this function;
    whatever the run, it answers what the rule says record by record."""
    rng = random.Random(seed)
    rules = CutRules(max_records=rng.choice([1, 2, 5, 50]), max_bytes=rng.choice([1, 50, 400, 10**9]),
                     max_span_ms=rng.choice([1, 1_000, 3_600_000]))  # fmt: skip
    n = rng.randrange(1, 60)
    sizes = [rng.randrange(0, 40) for _ in range(n)]
    millis = None if rng.random() < 0.2 else [rng.randrange(0, 5_000) for _ in range(n)]
    count = rng.randrange(0, rules.max_records)
    size = rng.randrange(0, max(1, min(rules.max_bytes, 10**6)))
    if rng.random() < 0.5 or size >= rules.max_bytes:
        first_ms = last_ms = None
        size = 0 if size >= rules.max_bytes else size
    else:
        first_ms = rng.randrange(0, 5_000)
        last_ms = first_ms + rng.randrange(0, rules.max_span_ms)
    expected = naive_cut(rules, count, size, first_ms, last_ms, sizes, millis)
    assert first_cut(rules, count, size, first_ms, last_ms, sizes, millis) == expected
    one_by_one = next(
        (i for i in range(n) if first_cut(rules, count + i, size + sum(sizes[:i]), *_span(first_ms, last_ms, millis, i),
                                          sizes[i : i + 1], millis[i : i + 1] if millis else None) == 0),
        n,
    )  # fmt: skip
    assert one_by_one == expected


def _span(first_ms, last_ms, millis, i):
    seen = ([first_ms] if first_ms is not None else []) + (millis[:i] if millis else [])
    ends = ([last_ms] if last_ms is not None else []) + (millis[:i] if millis else [])
    return (min(seen) if seen else None, max(ends) if ends else None)
