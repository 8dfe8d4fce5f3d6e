"""Process bookkeeping for the local stack: start detached, remember, find again, stop cleanly.

Each service runs in its own session (its own process group), so a Ctrl-C in the terminal that ran
`stack up` reaches none of them and a stop reaches the service with every child it forked (Airflow's
task workers). Its pid file holds the pid and the process's start time from /proc, so a pid the
kernel reused for another program is never signalled. Output (stdout and stderr) is appended to
`<state>/logs/<service>.log`.

Stop: SIGTERM to the service (each handles it: the lander flushes its buffers and commits, the
producer flushes its queue, Airflow drains), wait, a second SIGTERM, wait, SIGKILL its children (what
a service still exiting may be waiting for), wait, then SIGKILL the whole group.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from spotify_mds.operations.kafka_local import pid_running, proc_stat

# Popen objects of processes this Python started, so they are reaped (a zombie still has a pid).
_children: dict[int, subprocess.Popen] = {}


@dataclass(frozen=True)
class Layout:
    """Where the stack keeps its pid files and logs."""

    state: Path

    @property
    def run_dir(self) -> Path:
        return self.state / "run"

    @property
    def log_dir(self) -> Path:
        return self.state / "logs"

    def pid_file(self, name: str) -> Path:
        return self.run_dir / f"{name}.pid"

    def log_file(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"


def start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (/proc/<pid>/stat field 22), or None."""
    fields = proc_stat(pid)
    return fields[19] if fields is not None and len(fields) > 19 else None


def is_alive(pid: int) -> bool:
    child = _children.get(pid)
    if child is not None:  # ours: poll() also reaps it
        return child.poll() is None
    return pid_running(pid)


def spawn(layout: Layout, name: str, argv: Sequence[str], env: Mapping[str, str], cwd: Path | None) -> int:
    """Start `argv` detached (own session), output appended to its log; write its pid file."""
    layout.run_dir.mkdir(parents=True, exist_ok=True)
    layout.log_dir.mkdir(parents=True, exist_ok=True)
    if cwd is not None:
        cwd.mkdir(parents=True, exist_ok=True)
    with open(layout.log_file(name), "ab") as log:
        log.write(f"\n==== {time.strftime('%Y-%m-%dT%H:%M:%S')} start: {' '.join(argv)}\n".encode())
        log.flush()
        proc = subprocess.Popen(
            list(argv), env=dict(env), cwd=cwd, stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
    _children[proc.pid] = proc
    layout.pid_file(name).write_text(f"{proc.pid} {start_time(proc.pid) or ''}\n")
    return proc.pid


def run_once(layout: Layout, name: str, argv: Sequence[str], env: Mapping[str, str], cwd: Path | None,
             timeout: float) -> int:
    """Run a one-shot service to its end (its output in its log); its exit status."""
    pid = spawn(layout, name, argv, env, cwd)
    try:
        code = _children[pid].wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop(layout, name, timeout=5)
        code = -1
    _children.pop(pid, None)
    layout.pid_file(name).unlink(missing_ok=True)
    return code


def running_pid(layout: Layout, name: str) -> int | None:
    """The pid of `name` if its pid file names a live process that is still the one started."""
    try:
        words = layout.pid_file(name).read_text().split()
        pid = int(words[0])
    except (OSError, ValueError, IndexError):
        return None
    if not is_alive(pid):
        return None
    recorded = words[1] if len(words) > 1 else None
    current = start_time(pid)
    if recorded and current and recorded != current:
        return None  # the pid was reused
    return pid


def exit_code(pid: int) -> int | None:
    child = _children.get(pid)
    return None if child is None else child.poll()


SECOND_SIGNAL_WAIT = 10.0
STOPPED_ON_SECOND_SIGNAL = "stopped on a second SIGTERM"
STOPPED_ONCE_CHILDREN_KILLED = "stopped once its child processes were killed"
CHILDREN_KILLED_WAIT = 5.0


def stop(layout: Layout, name: str, *, timeout: float = 30.0, second_wait: float = SECOND_SIGNAL_WAIT) -> str:
    """SIGTERM and wait up to `timeout`; then a second SIGTERM and up to `second_wait` more; then
    SIGKILL its group's other processes and wait `CHILDREN_KILLED_WAIT`; then SIGKILL the group.
    `stopped`, `stopped on a second SIGTERM`, `stopped once its child processes were killed`,
    `killed` or `not running`.

    The second signal is the documented "do not wait" of servers that drain on the first one: Airflow's
    scheduler logs "Signal again if you don't want to wait", uvicorn stops waiting for open
    connections. (Airflow 3.3.2's scheduler can still hang, waiting for a LocalExecutor worker that
    never takes its shutdown message, and that worker ignores SIGTERM: killing the worker lets it end.)
    It exits through
    the process's own handlers (its database sessions closed, its logs flushed), which SIGKILL skips."""
    pid = running_pid(layout, name)
    layout_pid = layout.pid_file(name)
    if pid is None:
        layout_pid.unlink(missing_ok=True)
        return "not running"
    outcome = "killed"
    for wait, gone in ((timeout, "stopped"), (second_wait, STOPPED_ON_SECOND_SIGNAL)):
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        if _wait_gone(pid, wait):
            outcome = gone
            break
    else:
        # Still there after both signals: most likely exiting already but joining a child that will
        # never end (the scheduler's LocalExecutor worker, which ignores SIGTERM). Its children go
        # first, so it finishes its own exit; SIGKILL is for a service that still does not.
        if _kill_members(pid) and _wait_gone(pid, CHILDREN_KILLED_WAIT):
            outcome = STOPPED_ONCE_CHILDREN_KILLED
    _kill_group(pid, graceful=outcome != "killed")
    child = _children.pop(pid, None)
    if child is not None:
        child.wait()
    layout_pid.unlink(missing_ok=True)
    return outcome


def kill(layout: Layout, name: str) -> bool:
    """SIGKILL the service and its group at once (a crash, for tests of recovery). True if it ran."""
    pid = running_pid(layout, name)
    if pid is None:
        return False
    _kill_group(pid, graceful=False)
    child = _children.pop(pid, None)
    if child is not None:
        child.wait()
    else:
        _wait_gone(pid, 10)
    return True


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while is_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _group_members(pgid: int) -> list[int]:
    """Processes of the process group `pgid`, its leader included (Linux /proc; none elsewhere, and
    `stop` goes straight to the group's SIGKILL)."""
    try:
        entries = [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]
    except OSError:
        return []
    return [pid for pid in entries if (fields := proc_stat(pid)) is not None and fields[2] == str(pgid)]


def _kill_members(pid: int) -> bool:
    """SIGKILL every process of `pid`'s group but `pid` itself; True if there was one."""
    others = [member for member in _group_members(pid) if member != pid]
    for member in others:
        try:
            os.kill(member, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    return bool(others)


def _kill_group(pid: int, *, graceful: bool) -> None:
    """What is left of the service's process group: SIGTERM and a short wait first when it stopped
    cleanly (children it left behind), SIGKILL otherwise."""
    try:
        if graceful:
            os.killpg(pid, signal.SIGTERM)
            time.sleep(0.5)
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if pid in _children:
        _children[pid].poll()


def tail(path: Path, lines: int) -> str:
    """The last `lines` lines of a log (read from the end: logs grow)."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 200 * max(lines, 1) - 4096))
            text = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])
