"""`stack down` against a real Airflow scheduler that hangs at shutdown.

Airflow 3.3.2's scheduler, on SIGTERM, joins its LocalExecutor workers without a timeout
(apache/airflow#67870); a worker that never takes its shutdown message keeps it there through the
second SIGTERM too (then in the interpreter's exit-time join), and the workers ignore SIGTERM. CI met
this at random. Here one idle worker is frozen (SIGSTOP) to make it certain: `procs.stop` must end
the scheduler by killing its workers, letting it finish its own exit, not by SIGKILLing it.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from spotify_mds.operations.stack import procs
from tests.integration.test_airflow_dag import _python, _run
from tests.stack_support import free_port


def _workers(pid: int) -> list[int]:
    found = []
    for member in procs._group_members(pid):
        try:
            title = Path(f"/proc/{member}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if member != pid and "LocalExecutor" in title:
            found.append(member)
    return found


def test_a_scheduler_stuck_on_a_worker_ends_through_its_own_exit_once_the_workers_are_killed(tmp_path):
    python = _python()
    home, dags = tmp_path / "airflow", tmp_path / "dags"
    dags.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AIRFLOW_", "AIRFLOW__"))}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__EXECUTOR="LocalExecutor",
        AIRFLOW__CORE__PARALLELISM="4",
        AIRFLOW__CORE__DAGS_FOLDER=str(dags),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home}/airflow.db",
        AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=str(free_port()),
        PYTHONWARNINGS="ignore",
    )
    home.mkdir()
    _run([python, "-m", "airflow", "db", "migrate"], env, home)
    layout = procs.Layout(tmp_path / "stack")
    pid = procs.spawn(layout, "airflow-scheduler", [python, "-m", "airflow", "scheduler"], env, home)
    try:
        deadline = time.monotonic() + 180
        while not (workers := _workers(pid)):
            assert procs.running_pid(layout, "airflow-scheduler"), procs.tail(layout.log_file("airflow-scheduler"), 40)
            assert time.monotonic() < deadline, "the scheduler started no LocalExecutor worker in 180 s"
            time.sleep(1)
        os.kill(workers[0], signal.SIGSTOP)  # it will never read its shutdown message

        outcome = procs.stop(layout, "airflow-scheduler", timeout=5, second_wait=3)
    finally:
        procs.stop(layout, "airflow-scheduler", timeout=1, second_wait=1)
    log = layout.log_file("airflow-scheduler").read_text()
    assert outcome == procs.STOPPED_ONCE_CHILDREN_KILLED, f"{outcome}:\n{log[-3000:]}"
    # It saw both signals and shut down its own log server: its exit, not a SIGKILL.
    assert log.count("Exiting gracefully upon receiving signal 15") == 2
    assert "Finished server process" in log
    assert procs._group_members(pid) == []
