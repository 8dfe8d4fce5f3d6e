"""The file source: NDJSON lines as positions, a file's partition from its bytes, any validator."""

from __future__ import annotations

import json

import pytest

from spotify_mds.errors import ConfigError, InvalidEvent
from spotify_mds.lake import MemoryLake
from spotify_mds.landing.file_source import file_partition, land_file, ndjson_batches
from spotify_mds.landing.keys import FILE_PARTITIONS


class Ticks:
    """A schema-free validator: `{"t": <ms>}` lands as received; anything else is quarantined."""

    max_record_bytes = 1_000

    def __call__(self, value: bytes) -> tuple[int, bytes]:
        return self.event_ms(value), value

    @staticmethod
    def event_ms(value: bytes) -> int:
        try:
            return int(json.loads(value)["t"])
        except (ValueError, KeyError, TypeError):
            raise InvalidEvent("no t", field="t") from None


def records(path, **options) -> list[tuple[int, bytes]]:
    return [(b.first_offset + i, v) for b in ndjson_batches(path, **options) for i, v in enumerate(b.values)]


@pytest.mark.parametrize("chunk_bytes", [1, 2, 3, 7, 1 << 20])
def test_line_i_is_record_i_crlf_and_blank_lines_included(tmp_path, chunk_bytes):
    path = tmp_path / "in.ndjson"
    path.write_bytes(b'{"t":1}\r\n\n{"t":2}\n{"t":3}')  # CRLF, a blank line, no final newline
    assert records(path, chunk_bytes=chunk_bytes) == [
        (0, b'{"t":1}'),
        (1, b""),
        (2, b'{"t":2}'),
        (3, b'{"t":3}'),
    ]


def test_a_files_partition_comes_from_its_bytes_not_its_name(tmp_path):
    (tmp_path / "a").write_bytes(b"same\n")
    (tmp_path / "b").write_bytes(b"same\n")
    (tmp_path / "c").write_bytes(b"other\n")
    assert file_partition(tmp_path / "a") == file_partition(tmp_path / "b") != file_partition(tmp_path / "c")
    assert file_partition(tmp_path / "a") >= FILE_PARTITIONS


def test_a_file_lands_through_any_validator_and_again_to_the_same_keys(tmp_path):
    path = tmp_path / "in.ndjson"
    path.write_bytes(b'{"t":1000}\n{"t":2000}\nnot json\n')
    lake = MemoryLake()
    stats = land_file(path, lake, "ticks", Ticks())
    assert (stats.landed, stats.quarantined) == (2, 1)
    partition = file_partition(path)
    bronze = f"bronze/ticks/date=1970-01-01/hour=00/ticks+{partition}+{0:020d}.ndjson"
    assert lake.objects[bronze] == b'{"t":1000}\n{"t":2000}\n'
    quarantine = (
        f"quarantine/ticks/date=1970-01-01/hour=00/ticks+{partition}+{2:020d}.ndjson"  # its first offset
    )
    quarantined = [json.loads(line) for line in lake.objects[quarantine].splitlines()]
    assert [(q["offset"], q["field"], q["value"]) for q in quarantined] == [(2, "t", "not json")]
    before = dict(lake.objects)
    assert land_file(path, lake, "ticks", Ticks()).unchanged_files == 2 and lake.objects == before


def test_a_file_that_cannot_be_read_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        land_file(tmp_path / "missing.ndjson", MemoryLake(), "ticks", Ticks())
    with pytest.raises(ConfigError, match="cannot read"):
        land_file(tmp_path, MemoryLake(), "ticks", Ticks())


def test_the_landing_core_imports_no_pipeline_schema_or_simulator():
    import subprocess
    import sys

    code = (
        "import sys, spotify_mds.landing, spotify_mds.landing.file_source, spotify_mds.landing.kafka_source;"
        "print(sorted(m for m in sys.modules if m.startswith(('spotify_mds.pipelines', 'spotify_mds.pipelines.streams.simulate'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
