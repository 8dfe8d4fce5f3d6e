#!/usr/bin/env python3
"""Report the status of every component of the stack in a table; exit 1 if a required one is down.

The same as `spotify-mds health` (options: --only kafka,lake  --require airflow,metabase  --timeout 3).
Settings come from the environment and `.env` in the current folder; the optional components are
checked when AIRFLOW_API_URL, METABASE_URL or DASHBOARD_URL is set.

Run by a Python without spotify-mds installed (`python scripts/health_check.py` outside the venv),
it re-runs itself with the project's `.venv/bin/python`, or says in one line how to install it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_REEXEC = "SPOTIFY_MDS_HEALTH_REEXEC"  # set on the re-run, so a broken venv cannot loop


def _venv_python() -> Path | None:
    candidate = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "python"
    return candidate if candidate.is_file() and os.access(candidate, os.X_OK) else None


if __name__ == "__main__":
    try:
        from spotify_mds.cli import main
    except ImportError as exc:
        venv = _venv_python()
        if venv is not None and not os.environ.get(_REEXEC):
            os.environ[_REEXEC] = "1"
            os.execv(str(venv), [str(venv), str(Path(__file__).resolve()), *sys.argv[1:]])
        sys.stderr.write(
            f"ComponentUnavailable: spotify-mds is not installed for {sys.executable} ({exc}): "
            "run `make install`, then `.venv/bin/python scripts/health_check.py` (or `.venv/bin/spotify-mds health`)\n"
        )
        sys.exit(1)
    sys.argv = ["spotify-mds", "health", *sys.argv[1:]]
    main()
