"""Process bookkeeping of the local stack: detached start, pid files that survive pid reuse, logs,
SIGTERM-then-SIGKILL stops of the whole process group."""

from __future__ import annotations

import sys
import time

from spotify_mds.operations.stack import procs

GRACEFUL = "import signal,sys,time\nsignal.signal(signal.SIGTERM, lambda *a: (print('FLUSH'+'ED', flush=True), sys.exit(0)))\nprint('REA'+'DY', flush=True)\nwhile True: time.sleep(0.05)"
DRAINING = "import signal,sys,time\nseen = []\ndef on_term(*a):\n    seen.append(1)\n    if len(seen) > 1: print('GAVE'+' UP', flush=True); sys.exit(0)\nsignal.signal(signal.SIGTERM, on_term)\nprint('REA'+'DY', flush=True)\nwhile True: time.sleep(0.05)"
STUBBORN = "import signal,time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint('REA'+'DY', flush=True)\nwhile True: time.sleep(0.05)"


def _wait_for(path, text, timeout=10.0):
    deadline = time.monotonic() + timeout
    while text not in (path.read_text() if path.exists() else ""):
        assert time.monotonic() < deadline, f"{text!r} never appeared in {path}"
        time.sleep(0.02)


def test_spawn_writes_pid_and_log_and_stop_is_graceful(tmp_path):
    layout = procs.Layout(tmp_path)
    pid = procs.spawn(layout, "svc", [sys.executable, "-c", GRACEFUL], {"PATH": "/usr/bin"}, tmp_path / "cwd")
    _wait_for(layout.log_file("svc"), "READY")
    assert procs.running_pid(layout, "svc") == pid
    assert layout.pid_file("svc").read_text().split()[0] == str(pid)
    assert procs.stop(layout, "svc", timeout=10) == "stopped"
    assert "FLUSHED" in layout.log_file("svc").read_text()  # it saw SIGTERM and cleaned up
    assert procs.running_pid(layout, "svc") is None and not layout.pid_file("svc").exists()
    assert procs.stop(layout, "svc") == "not running"


def test_a_process_ignoring_sigterm_is_killed(tmp_path):
    layout = procs.Layout(tmp_path)
    procs.spawn(layout, "stubborn", [sys.executable, "-c", STUBBORN], {}, None)
    _wait_for(layout.log_file("stubborn"), "READY")
    assert procs.stop(layout, "stubborn", timeout=0.5, second_wait=0.5) == "killed"
    assert procs.running_pid(layout, "stubborn") is None


def test_a_process_still_draining_gets_the_second_signal_it_asks_for_before_sigkill(tmp_path):
    """Airflow's scheduler waits for its executor on the first SIGTERM ("Signal again if you don't want
    to wait"); a second one lets it exit through its own handlers rather than being SIGKILLed."""
    layout = procs.Layout(tmp_path)
    procs.spawn(layout, "drains", [sys.executable, "-c", DRAINING], {}, None)
    _wait_for(layout.log_file("drains"), "READY")
    assert procs.stop(layout, "drains", timeout=0.5, second_wait=10) == procs.STOPPED_ON_SECOND_SIGNAL
    assert "GAVE UP" in layout.log_file("drains").read_text()
    assert procs.running_pid(layout, "drains") is None


def test_kill_is_immediate_and_a_restart_appends_to_the_log(tmp_path):
    layout = procs.Layout(tmp_path)
    procs.spawn(layout, "svc", [sys.executable, "-c", GRACEFUL], {}, None)
    _wait_for(layout.log_file("svc"), "READY")
    assert procs.kill(layout, "svc") is True
    assert "FLUSHED" not in layout.log_file("svc").read_text()  # SIGKILL: no chance to clean up
    assert procs.running_pid(layout, "svc") is None
    procs.spawn(layout, "svc", [sys.executable, "-c", GRACEFUL], {}, None)
    deadline = time.monotonic() + 10
    while layout.log_file("svc").read_text().count("READY") < 2:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert layout.log_file("svc").read_text().count(" start: ") == 2
    procs.stop(layout, "svc", timeout=10)


def test_a_reused_pid_is_not_ours(tmp_path):
    layout = procs.Layout(tmp_path)
    layout.run_dir.mkdir(parents=True)
    # our own pid is alive, but started at another time than the file says: not the service
    import os

    layout.pid_file("ghost").write_text(f"{os.getpid()} 1\n")
    assert procs.running_pid(layout, "ghost") is None
    layout.pid_file("ghost").write_text("not a pid\n")
    assert procs.running_pid(layout, "ghost") is None


def test_run_once_returns_the_exit_status(tmp_path):
    layout = procs.Layout(tmp_path)
    assert procs.run_once(layout, "ok", [sys.executable, "-c", "print('done')"], {}, None, timeout=30) == 0
    assert procs.run_once(layout, "bad", [sys.executable, "-c", "raise SystemExit(3)"], {}, None, timeout=30) == 3
    assert "done" in layout.log_file("ok").read_text()
    assert not layout.pid_file("ok").exists()


def test_tail_reads_the_last_lines(tmp_path):
    log = tmp_path / "x.log"
    log.write_text("".join(f"line {i}\n" for i in range(5000)))
    assert procs.tail(log, 2) == "line 4998\nline 4999"
    assert procs.tail(tmp_path / "missing.log", 5) == ""


# Airflow 3.3.2's scheduler at its worst: on SIGTERM it joins a worker that ignores SIGTERM and never
# ends, and a second SIGTERM only moves the wait (to the interpreter's exit-time join of children).
JOINS_A_STUCK_CHILD = """import signal, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import signal,time\\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\\nwhile True: time.sleep(0.05)"])
stop = []
signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
print('REA'+'DY', child.pid, flush=True)
while not stop: time.sleep(0.05)
child.wait()  # joins the worker; later SIGTERMs change nothing
print('EXITED'+' CLEANLY', child.returncode, flush=True)
"""


def test_a_service_joining_a_stuck_child_ends_by_itself_once_the_child_is_killed(tmp_path):
    layout = procs.Layout(tmp_path)
    procs.spawn(layout, "joins", [sys.executable, "-c", JOINS_A_STUCK_CHILD], {}, None)
    _wait_for(layout.log_file("joins"), "READY")
    child = int(layout.log_file("joins").read_text().split("READY")[1].split()[0])
    outcome = procs.stop(layout, "joins", timeout=0.5, second_wait=0.5)
    assert outcome == procs.STOPPED_ONCE_CHILDREN_KILLED
    assert "EXITED CLEANLY -9" in layout.log_file("joins").read_text()  # its own exit, after the child's SIGKILL
    assert procs.running_pid(layout, "joins") is None and not procs.pid_running(child)


def test_a_stubborn_service_without_children_is_still_killed(tmp_path):
    layout = procs.Layout(tmp_path)
    procs.spawn(layout, "alone", [sys.executable, "-c", STUBBORN], {}, None)
    _wait_for(layout.log_file("alone"), "READY")
    pid = procs.running_pid(layout, "alone")
    assert procs._group_members(pid) == [pid]
    assert procs.stop(layout, "alone", timeout=0.3, second_wait=0.3) == "killed"
