#!/usr/bin/env bash
# `make bench`: every heed/<app>/bench.py (`python -m heed.<app>.bench`) on a fresh SQLite file
# and on a throwaway PostgreSQL cluster (or BENCH_DATABASE_URL, an empty database you give).
# Benchmarks write real rows, so they never run on DATABASE_URL or the demo database.
# Arguments pick modules: `bash scripts/bench.sh heed.audit.bench`.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY="$ROOT/.venv/bin/python"
if [ ! -x "$PY" ]; then
    echo "No virtualenv at .venv: run 'make install' first." >&2
    exit 1
fi

# shellcheck source=scripts/pg.sh
source "$ROOT/scripts/pg.sh"
WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/heed-bench.XXXXXX")
cleanup() {
    pg_stop
    rm -rf "$WORK_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export DJANGO_SETTINGS_MODULE=config.settings
export HEED_DEBUG=1
export HEED_VAR_DIR="$WORK_DIR/var"
export HEED_TASKS_BACKEND=immediate
unset HEED_TESTING
unset DATABASE_URL

MODULES=("$@")
if [ "${#MODULES[@]}" -eq 0 ]; then
    for file in heed/*/bench.py; do
        [ -e "$file" ] || continue
        app=$(basename "$(dirname "$file")")
        MODULES+=("heed.$app.bench")
    done
fi
if [ "${#MODULES[@]}" -eq 0 ]; then
    echo "No heed/*/bench.py found." >&2
    exit 1
fi

run_all() {
    local label=$1
    echo "--- $label ---"
    "$PY" manage.py migrate --noinput >/dev/null
    for module in "${MODULES[@]}"; do
        echo "[$module]"
        "$PY" -m "$module" || status=1
    done
}

status=0
export HEED_SQLITE_PATH="$WORK_DIR/bench.sqlite3"
run_all "SQLite ($HEED_SQLITE_PATH)" || status=1
unset HEED_SQLITE_PATH

if [ -n "${BENCH_DATABASE_URL:-}" ]; then
    export DATABASE_URL="$BENCH_DATABASE_URL"
else
    pg_start || exit 1
fi
run_all "PostgreSQL" || status=1
exit "$status"
