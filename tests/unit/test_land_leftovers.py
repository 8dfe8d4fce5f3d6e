"""What a lander killed with SIGKILL leaves: no worker process, and temporary files the next writer removes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from spotify_mds.lake import LocalLake
from spotify_mds.pipelines.streams.landing import bronze_writer

HOST = socket.gethostname()


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid  # reaped: no process has it (until the kernel hands it out again, long after)


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def test_validation_workers_and_the_resource_tracker_die_with_a_killed_lander(tmp_path):
    script = textwrap.dedent(
        """
        from spotify_mds.lake import MemoryLake
        from spotify_mds.pipelines.streams.landing import bronze_writer

        if __name__ == "__main__":
            writer = bronze_writer(MemoryLake(), "t", validate_workers=2)
            [future.result() for future in writer.check_ahead([b"{}"] * 10_000)]  # both workers started
            print("ready", flush=True)
            import time
            time.sleep(120)
        """
    )
    (tmp_path / "lander.py").write_text(script)
    lander = subprocess.Popen(
        [sys.executable, str(tmp_path / "lander.py")], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert lander.stdout.readline().strip() == "ready"
        spawned = children(lander.pid)
        assert len(spawned) >= 3  # two workers and multiprocessing's resource tracker
    finally:
        lander.send_signal(signal.SIGKILL)
        lander.wait()
        lander.stdout.close()
    deadline = time.monotonic() + 10
    while any(map(alive, spawned)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [pid for pid in spawned if alive(pid)] == []


def test_a_new_writer_removes_only_the_temporary_files_of_writers_that_are_gone(tmp_path):
    lake = LocalLake(tmp_path / "lake")
    folder = tmp_path / "lake" / "bronze" / "t" / "date=2026-11-02" / "hour=00"
    folder.mkdir(parents=True)
    quarantine = tmp_path / "lake" / "quarantine" / "t" / "date=2026-11-02" / "hour=00"
    quarantine.mkdir(parents=True)
    files = {
        "dead here": folder / f".tmp-{dead_pid()}@{HOST}-aaaa.tmp",
        "dead here, quarantine": quarantine / f".tmp-{dead_pid()}@{HOST}-bbbb.tmp",
        "running here": folder / f".tmp-{os.getppid()}@{HOST}-cccc.tmp",
        "this process": folder / f".tmp-{os.getpid()}@{HOST}-dddd.tmp",
        "another host, recent": folder / ".tmp-1@elsewhere-eeee.tmp",
        "another host, old": folder / ".tmp-1@elsewhere-ffff.tmp",
        "unnamed, old": folder / ".tmp-gggg.tmp",
        "another topic": tmp_path / "lake" / "bronze" / "u" / f".tmp-{dead_pid()}@{HOST}-hhhh.tmp",
    }
    files["another topic"].parent.mkdir(parents=True)
    for path in files.values():
        path.write_bytes(b"half a file")
    for name in ("another host, old", "unnamed, old"):
        os.utime(files[name], (time.time() - 7200, time.time() - 7200))

    bronze_writer(lake, "t")
    gone = sorted(name for name, path in files.items() if not path.exists())
    assert gone == ["another host, old", "dead here", "dead here, quarantine", "unnamed, old"]


def test_the_lake_names_its_temporary_files_after_their_writer(tmp_path, monkeypatch):
    seen = []
    real_replace = os.replace

    def spy(src, dst):
        seen.append(Path(src).name)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    LocalLake(tmp_path).put("bronze/t/x.ndjson", b"{}\n")
    assert len(seen) == 1 and seen[0].startswith(f".tmp-{os.getpid()}@{HOST}-") and seen[0].endswith(".tmp")
