#!/usr/bin/env python3
"""Report the status of every component of the stack in a table; exit 1 if a required one is down.

The same as `spotify-mds health` (options: --only kafka,lake  --require airflow,metabase  --timeout 3).
Settings come from the environment and `.env` in the current folder; the optional components are
checked when AIRFLOW_API_URL, METABASE_URL or DASHBOARD_URL is set.
"""

from __future__ import annotations

import sys

from spotify_mds.cli import main

if __name__ == "__main__":
    sys.argv = ["spotify-mds", "health", *sys.argv[1:]]
    main()
