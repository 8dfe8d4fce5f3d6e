"""Which S3 server the stack runs, and how: SeaweedFS when a `weed` is found, else moto's server."""

from __future__ import annotations

import os
import sys

from spotify_mds.operations.stack.servers import s3_command, weed_binary


def test_weed_when_found_with_every_port_explicit(tmp_path):
    weed = tmp_path / "weed"
    weed.write_text("#!/bin/sh\n")
    os.chmod(weed, 0o755)
    kind, argv = s3_command({"WEED_BIN": str(weed)}, tmp_path / "data", "127.0.0.1", 60227)
    assert kind == "seaweedfs" and argv[:2] == [str(weed), "server"]
    assert "-s3.port=60227" in argv and f"-dir={tmp_path / 'data'}" in argv
    ports = [int(arg.split("=")[1]) for arg in argv if ".port" in arg]
    assert len(ports) == 8 and len(set(ports)) == 8  # gRPC ports too: never HTTP + 10000 (70227 is no port)
    assert "-master.telemetry=false" in argv


def test_moto_without_weed(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no weed on PATH
    environ = {"SPOTIFY_MDS_CACHE": str(tmp_path / "cache")}
    assert weed_binary(environ) is None
    kind, argv = s3_command(environ, tmp_path / "data", "127.0.0.1", 9000)
    assert kind == "moto"
    assert argv == [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", "9000"]
