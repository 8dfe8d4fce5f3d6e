#!/usr/bin/env bash
# Provision a PostgreSQL server for the integration tests, idempotently (safe to run twice).
#   - installs the Debian `postgresql` package when no server binaries are present (needs root);
#   - starts the cluster `<version> main` with pg_ctlcluster (port POSTGRES_PORT, default 5432);
#   - creates the login role and the database the tests use, with the password given.
# Then export the variables it prints (the tests read POSTGRES_*; CI=true turns a skip into a failure).
set -euo pipefail
PGUSER_NAME="${POSTGRES_USER:-spotify}"
PGPASS="${POSTGRES_PASSWORD:-spotify}"
PGDB="${POSTGRES_DB:-spotify_mds}"
PGPORT="${POSTGRES_PORT:-5432}"

# Only the exports may reach stdout, which the caller evals: everything the tools print (apt,
# pg_ctlcluster's "Removed stale pid file", psql) goes to stderr. A function redirected as a whole
# rather than `exec 3>&1`: the server started here must not inherit the caller's pipe, or the
# caller's $(...) would wait for the server to exit.
provision() {
    if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
    VERSION="$(ls /usr/lib/postgresql | sort -V | tail -1)"

    if ! pg_lsclusters -h | awk -v v="$VERSION" '$1 == v && $2 == "main"' | grep -q .; then
        pg_createcluster "$VERSION" main --port "$PGPORT" >/dev/null
    fi
    # A server killed without a shutdown (a machine snapshot, kill -9) leaves its pid and socket lock
    # files behind, and a new postmaster refuses to start over a lock whose PID looks alive; clear
    # the ones whose process is gone before starting.
    clear_stale_locks() {
        local lock pid
        for lock in /var/run/postgresql/.s.PGSQL.*.lock "/var/lib/postgresql/$VERSION/main/postmaster.pid"; do
            [ -f "$lock" ] || continue
            pid="$(head -1 "$lock" | tr -d '[:space:]')"
            # A killed server whose parent never reaps it stays a zombie: gone, though kill -0 works.
            if [ -z "$pid" ] || ! ps -p "$pid" -o stat=,comm= 2>/dev/null | grep -qv '^ *Z' \
                || ! ps -p "$pid" -o comm= | grep -q postgres; then
                echo "removing stale $lock (pid ${pid:-none} is not a live postgres)"
                rm -f "$lock"
            fi
        done
    }
    if ! pg_lsclusters -h | awk -v v="$VERSION" '$1 == v && $2 == "main" && $4 == "online"' | grep -q .; then
        clear_stale_locks
        pg_ctlcluster "$VERSION" main start
    fi
    PORT_USED="$(pg_lsclusters -h | awk -v v="$VERSION" '$1 == v && $2 == "main" {print $3}')"

    psql_as_postgres() { runuser -u postgres -- psql -p "$PORT_USED" -v ON_ERROR_STOP=1 -qAt "$@"; }
    for _ in $(seq 1 30); do psql_as_postgres -c 'select 1' >/dev/null 2>&1 && break; sleep 1; done

    if [ -z "$(psql_as_postgres -c "select 1 from pg_roles where rolname = '$PGUSER_NAME'")" ]; then
        psql_as_postgres -c "create role \"$PGUSER_NAME\" login password '$PGPASS'"
    else
        psql_as_postgres -c "alter role \"$PGUSER_NAME\" login password '$PGPASS'"
    fi
    if [ -z "$(psql_as_postgres -c "select 1 from pg_database where datname = '$PGDB'")" ]; then
        psql_as_postgres -c "create database \"$PGDB\" owner \"$PGUSER_NAME\""
    fi
}
provision >&2

cat <<VARS
export POSTGRES_HOST=127.0.0.1
export POSTGRES_PORT=$PORT_USED
export POSTGRES_USER=$PGUSER_NAME
export POSTGRES_PASSWORD=$PGPASS
export POSTGRES_DB=$PGDB
VARS
