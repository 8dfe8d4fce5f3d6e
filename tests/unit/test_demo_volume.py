"""The demo's default volume: enough weeks for retention and weekly/monthly actives to mean something."""

from __future__ import annotations

from datetime import timedelta

from spotify_mds.runner import sim_config
from spotify_mds.settings import Settings


def test_the_demo_simulates_four_whole_weeks_at_about_a_million_events() -> None:
    config = sim_config(Settings(_env_file=None))
    assert config.start.weekday() == 0, "cohorts are ISO weeks: start on a Monday"
    assert config.days == 28, "four weekly cohorts, so retention is a triangle, not one 100% cell"
    end = config.start + timedelta(days=config.days)
    assert end.weekday() == 0 and config.start.month == (end - timedelta(seconds=1)).month  # one whole month
    # About 1M events (a user produces ~23 a day): the demo's time budget stays where it was.
    assert 0.8e6 <= config.users * config.days * 23 <= 1.2e6
