#!/usr/bin/env bash
# `make test`: the whole suite on SQLite, then again on PostgreSQL (everything but the browser
# test). Without DATABASE_URL a throwaway PostgreSQL cluster is started and removed afterwards.
# Extra arguments go to both pytest runs, e.g. `bash scripts/test.sh heed/audit -x`.
set -uo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
PYTEST="$ROOT/.venv/bin/pytest"
if [ ! -x "$PYTEST" ]; then
    echo "No virtualenv at .venv: run 'make install' first." >&2
    exit 1
fi

# shellcheck source=scripts/pg.sh
source "$ROOT/scripts/pg.sh"

WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/heed-test.XXXXXX")
cleanup() {
    pg_stop
    rm -rf "$WORK_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The browser test drives Debian's chromium.
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "[test] chromium not found: installing Debian's chromium" >&2
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || exit 1
    else
        cat >&2 <<'MSG'
The browser test needs Debian's chromium at /usr/bin/chromium. Install it, then run this again:
    sudo apt-get install -y chromium
MSG
        exit 1
    fi
fi

export HEED_TESTING=1
export HEED_DEBUG=1
export HEED_TASKS_BACKEND=immediate
# Generated secrets and the SQLite test database live in a folder of this run only.
export HEED_VAR_DIR="$WORK_DIR/var"
# A given DATABASE_URL is for the PostgreSQL pass; the SQLite pass never uses it.
GIVEN_DATABASE_URL="${DATABASE_URL:-}"
unset DATABASE_URL

echo "=== pytest on SQLite (all but -m postgres) ==="
"$PYTEST" -m "not postgres" -q "$@"
SQLITE_RC=$?

echo "=== pytest on PostgreSQL (all but -m browser) ==="
if [ -n "$GIVEN_DATABASE_URL" ]; then
    export DATABASE_URL="$GIVEN_DATABASE_URL"
fi
if pg_ensure_database_url; then
    "$PYTEST" -m "not browser" -q "$@"
    PG_RC=$?
else
    echo "Could not start PostgreSQL; the PostgreSQL pass did not run." >&2
    PG_RC=1
fi

echo "=== SQLite pass: exit $SQLITE_RC; PostgreSQL pass: exit $PG_RC ==="
# pytest exits 5 when nothing was collected: that is a failure here too.
if [ "$SQLITE_RC" -ne 0 ] || [ "$PG_RC" -ne 0 ]; then
    exit 1
fi
