"""Fault injection: late, duplicate and malformed deliveries match the ground truth exactly."""

from __future__ import annotations

import pytest

from spotify_mds.errors import ConfigError, InvalidEvent
from spotify_mds.pipelines.streams.events import decode
from spotify_mds.pipelines.streams.simulate import GroundTruth, SimConfig, ground_truth, simulate
from spotify_mds.pipelines.streams.simulate.faults import MALFORMED_KINDS

FAULTY = SimConfig(seed=5, users=1500, days=2, late_rate=0.01, duplicate_rate=0.01, malformed_rate=0.005)


@pytest.fixture(scope="module")
def faulty():
    truth = GroundTruth()
    values = [v for b in simulate(FAULTY, truth=truth) for v in b.values]
    return values, truth


def test_ground_truth_counts(faulty):
    """Records = distinct valid events + duplicate copies + malformed records; each fault appears at its
    configured rate (± 25%); `ground_truth(config)` gives the same truth without encoding."""
    values, truth = faulty
    assert truth.records == len(values)
    assert truth.records == truth.events + len(truth.duplicates) + len(truth.malformed)
    assert sum(truth.events_by_type.values()) == truth.events
    for found, rate in ((len(truth.late), FAULTY.late_rate), (len(truth.duplicates), FAULTY.duplicate_rate),
                        (len(truth.malformed), FAULTY.malformed_rate)):  # fmt: skip
        assert abs(found / truth.events / rate - 1) <= 0.25, (found, rate)
    assert ground_truth(FAULTY) == truth


def test_malformed_records_fail_with_the_recorded_reason(faulty):
    """Each malformed record fails `events.decode`, naming the broken field where there is one; every
    kind occurs; every other record decodes."""
    values, truth = faulty
    malformed = {m.offset: m for m in truth.malformed}
    assert {m.kind for m in truth.malformed} == set(MALFORMED_KINDS)
    reasons = {"bad_json": "malformed JSON", "non_utf8": "not UTF-8", "oversize": "byte limit"}
    for offset, value in enumerate(values):
        if offset not in malformed:
            decode(value)
            continue
        m = malformed[offset]
        with pytest.raises(InvalidEvent) as error:
            decode(value)
        if m.field is not None:
            assert error.value.field == m.field or m.field in error.value.reason, (m, error.value.reason)
        else:
            assert reasons[m.kind] in error.value.reason
        assert b"\n" not in value


def test_duplicates_are_the_same_bytes_later(faulty):
    """A duplicate delivery repeats the exact bytes of an earlier record with the same event_id."""
    values, truth = faulty
    first_seen: dict[bytes, int] = {}
    for offset, value in enumerate(values):
        first_seen.setdefault(value, offset)
    for dup in truth.duplicates:
        value = values[dup.offset]
        assert str(decode(value).event_id) == dup.event_id
        assert first_seen[value] < dup.offset


def test_late_events_arrive_after_later_events(faulty):
    """A late event is delivered 1 minute to `late_max_minutes` after its timestamp: in all but quiet
    moments (≥ 95%), after an event with a later timestamp. Apart from late events and duplicate
    copies, a faulty run is delivered in timestamp order."""
    values, truth = faulty
    late = {entry.offset: entry for entry in truth.late}
    copies = {d.offset for d in truth.duplicates}
    malformed = {m.offset for m in truth.malformed}
    newest = None
    overtaken = 0
    for offset, value in enumerate(values):
        if offset in malformed:
            continue
        event = decode(value)
        if offset in late:
            assert str(event.event_id) == late[offset].event_id
            assert int(event.timestamp.timestamp() * 1000) == late[offset].event_ms
            assert 60_000 <= late[offset].delay_ms <= FAULTY.late_max_minutes * 60_000
            overtaken += newest is not None and newest > event.timestamp
            continue
        if offset not in copies:
            assert newest is None or event.timestamp >= newest
        newest = max(newest, event.timestamp) if newest else event.timestamp
    assert overtaken >= 0.95 * len(late)


def test_faults_do_not_change_the_valid_events(faulty):
    """Faults only change delivery: the distinct valid events of a faulty run are exactly those of the
    clean run with the same seed."""
    values, truth = faulty
    clean = SimConfig(seed=5, users=1500, days=2)
    clean_values = {v for b in simulate(clean) for v in b.values}
    malformed = {m.offset for m in truth.malformed}
    valid = {v for offset, v in enumerate(values) if offset not in malformed}
    assert valid == clean_values
    assert len(valid) == truth.events


def test_bad_rates_are_refused():
    """A rate outside [0, 1] is a configuration error that names the knob."""
    with pytest.raises(ConfigError, match="late_rate"):
        SimConfig(late_rate=1.5)


def test_ndjson_of_a_faulty_run_is_the_same_records(faulty, tmp_path):
    """`write_ndjson` writes exactly the records `simulate` yields, malformed ones included, one per line."""
    from spotify_mds.pipelines.streams.simulate import write_ndjson

    values, _ = faulty
    path = tmp_path / "faulty.ndjson"
    with path.open("wb") as sink:
        assert write_ndjson(FAULTY, sink) == len(values)
    assert path.read_bytes() == b"".join(v + b"\n" for v in values)
