"""The tests' event factory makes what the schema accepts, so tests built on it test the lander, not
a stale copy of the event."""

from __future__ import annotations

import json

import pytest

import factories
from spotify_mds.errors import InvalidEvent
from spotify_mds.pipelines.streams.events import COLUMNS, decode, landable


def test_a_default_event_is_a_full_version_2_event_that_lands_as_it_is():
    value = factories.event(3, factories.at(11, 5, 0, 250))
    event, landed = landable(value)
    assert landed is value and event.schema_version == 2
    assert list(json.loads(value)) == list(COLUMNS)  # the schema's fields, in its order
    assert str(event.event_id) == factories.event_id(3) and event.timestamp == factories.at(11, 5, 0, 250)
    assert factories.event(3, factories.at(11, 5, 0, 250)) == value  # deterministic


def test_version_1_is_the_seeds_required_fields_only():
    event = decode(factories.event(0, version=1))
    assert event.schema_version == 1 and event.session_id is None and event.ms_played is None


def test_changes_override_in_place_drop_fields_and_extra_appends_unknown_ones():
    record = json.loads(factories.event(1, country="SE", level=factories.DROP, extra={"source": "test"}))
    assert record["country"] == "SE" and "level" not in record and list(record)[-1] == "source"
    with pytest.raises(InvalidEvent) as caught:
        decode(factories.event(1, event_type="rewind"))  # invalid values pass through: bad records
    assert caught.value.field == "event_type"
    with pytest.raises(ValueError, match="no event version 3"):
        factories.event(1, version=3)
