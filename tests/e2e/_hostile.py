"""A seeded generator of hostile NDJSON: valid simulated events, some mutated in every way we know.

Shared by the DuckDB (e2e) and PostgreSQL (integration) tests of issue 15's done-when: `land
--from-file` over any bytes, then `load` and `transform`, never fails, never hangs, and
landed = loaded, landed + quarantined = records.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from spotify_mds.pipelines.streams.simulate import SimConfig, simulate


def _valid(n: int) -> list[bytes]:
    config = SimConfig(seed=15, users=200, days=1, max_events=n, tracks=300, artists=80)
    return [value for batch in simulate(config) for value in batch.values][:n]


def _mutations(rng: random.Random, value: bytes) -> bytes:
    record = json.loads(value)
    body = value[:-1]
    kinds = [
        lambda: body + b',"x":' + b"[" * rng.choice([40, 1_000, 3_000]) + b"]" * 3_000 + b"}",  # deep (unbalanced too)
        lambda: body + b',"x":' + b'{"a":' * 1_000 + b"1" + b"}" * 1_000 + b"}",
        lambda: body + b',"song_name":"again","level":null}',  # repeated keys
        lambda: body + b',"song\\u005fname":"escaped key"}',
        lambda: value.replace(b"T", b"t", 1).replace(b'Z"', b'z"'),  # RFC 3339, lower case
        lambda: value.replace(b'Z"', b'+05:30"'),
        lambda: value.replace(b'Z"', b'123456789Z"'),  # nanoseconds
        lambda: value.replace(b'"song_name":"', b'"song_name":"\\u0000', 1),  # NUL
        lambda: value.replace(b'"artist_name":"', b'"artist_name":"\\u0001\\u001f\\u007f\\u2028', 1),
        lambda: value.replace(b'"song_name":"', b'"song_name":"\\ud800', 1),  # lone surrogate
        lambda: value.replace(b'"song_name":"', b'"song_name":"\\ud83d\\ude00', 1),  # a pair: valid
        lambda: body + b',"x":"\xff\xfe"}',  # invalid UTF-8 in an unknown field
        lambda: value.replace(b'"song_name":"', b'"song_name":"\xc3', 1),
        lambda: body + b',"x":' + b"9" * 5_000 + b"}",  # huge numbers
        lambda: body + b',"y":1e999999}',
        lambda: body + b',\r"x":\r' + b"9" * 500 + b"}",  # a bare CR (a line break inside the record)
        lambda: value.replace(b'"ms_played":', b'"ms_played":99999999999999999999999999', 1),
        lambda: json.dumps({**record, "song_name": "x" * rng.choice([600, 20_000])}).encode(),  # huge strings
        lambda: json.dumps({**record, "user_id": 12}).encode(),  # wrong types
        lambda: json.dumps({**record, "duration_ms": "12"}).encode(),
        lambda: json.dumps({**record, "schema_version": True}).encode(),
        lambda: b"\xef\xbb\xbf" + value,  # BOM
        lambda: value + b"\r",  # CRLF
        lambda: b"",  # empty line
        lambda: b"   \t ",
        lambda: value[: rng.randrange(1, len(value))],  # truncated
        lambda: rng.choice([b"[1,2]", b"null", b"42", b'"text"', b"true", b"{}"]),  # not an object
        lambda: json.dumps(record, indent=2).encode().replace(b"\n", b" "),
        lambda: json.dumps({k: v for k, v in record.items() if k not in ("session_id", "level", "ms_played", "duration_ms", "schema_version")}).encode(),  # the seed's shape
        lambda: bytes(rng.randrange(256) for _ in range(rng.randrange(1, 80))),  # noise
        lambda: body + b"}}",
        lambda: value.replace(b'"', b"'"),
    ]
    return rng.choice(kinds)()


def hostile_file(path: Path, *, events: int = 3_000, share: float = 0.2, seed: int = 15) -> int:
    """Write the file; return its number of records (lines, as `ndjson_batches` counts them)."""
    rng = random.Random(seed)
    lines = [_mutations(rng, value) if rng.random() < share else value for value in _valid(events)]
    lines = [part for value in lines for part in value.split(b"\n")]  # a mutation may hold a newline
    path.write_bytes(b"\n".join(lines) + b"\n")
    return len(lines)
