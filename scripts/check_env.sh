#!/usr/bin/env bash
# Check the local environment, then the health of the stack's components.
#   scripts/check_env.sh [health_check options, e.g. --only kafka,lake --require airflow,metabase]
# Exit status: non-zero when a prerequisite is missing or a required component is down.
set -uo pipefail

cd "$(dirname "$0")/.."
status=0
say() { printf '%-28s %s\n' "$1" "$2"; }

PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
  if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
if "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  say "python" "ok ($("$PYTHON" -c 'import sys; print(sys.version.split()[0])'), $PYTHON)"
else
  say "python" "MISSING: Python >= 3.11 is needed"; status=1
fi
if "$PYTHON" -c 'import spotify_mds' 2>/dev/null; then
  say "spotify-mds package" "ok"
else
  say "spotify-mds package" "MISSING: run make dev (or pip install -e '.[dev]')"; status=1
fi
if [ -f .env ]; then
  say ".env" "ok"
else
  say ".env" "absent: embedded defaults (cp .env.sample .env for the docker stack)"
fi
for tool in docker docker-compose java; do
  if command -v "$tool" >/dev/null 2>&1; then say "$tool" "found"; else say "$tool" "not found (optional)"; fi
done
if command -v docker >/dev/null 2>&1 && ! docker info >/dev/null 2>&1; then
  say "docker engine" "not reachable: the compose stack cannot start here"
fi

[ "$status" -eq 0 ] || exit "$status"
echo
exec "$PYTHON" scripts/health_check.py "$@"
