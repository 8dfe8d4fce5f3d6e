"""Fixtures shared by the integration tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    """A real single-node Kafka broker for one test module (its bootstrap address); stopped after."""
    from kafka_support import start_broker

    from spotify_mds.operations import kafka_local

    data = tmp_path_factory.mktemp("kafka")
    info = start_broker(data)
    try:
        yield info.bootstrap
    finally:
        kafka_local.stop(data)
