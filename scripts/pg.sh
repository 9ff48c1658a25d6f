# Throwaway PostgreSQL cluster for tests and benchmarks. Sourced by scripts/test.sh and
# scripts/bench.sh (bash). Usage:
#
#     source scripts/pg.sh
#     pg_ensure_database_url      # starts a cluster unless DATABASE_URL is already set
#     trap pg_stop EXIT           # the caller owns the trap (pg_stop is idempotent)
#
# The cluster lives in a temporary folder, listens on 127.0.0.1 on a free port (unix socket in
# the same folder), and is fast but not durable (fsync off): it exists only for one run.

PG_TMP=""
PG_BIN=""
PG_STARTED_BY_US=0

_pg_log() { echo "[pg] $*" >&2; }

# Run a command as the cluster's owner: the `postgres` system user when we are root (initdb and
# postgres refuse to run as root), else ourselves.
_pg_as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        if command -v runuser >/dev/null 2>&1; then
            runuser -u postgres -- "$@"
        else
            su -s /bin/sh postgres -c "$(printf '%q ' "$@")"
        fi
    else
        "$@"
    fi
}

# Sets PG_BIN to the newest installed server's bin folder; installs Debian's `postgresql` when
# missing and root; otherwise says what to install and fails.
pg_find_binaries() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -z "$dir" ] || [ ! -x "$dir/initdb" ]; then
        if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
            _pg_log "PostgreSQL server not found: installing Debian's postgresql"
            DEBIAN_FRONTEND=noninteractive apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
            dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
        fi
    fi
    if [ -z "$dir" ] || [ ! -x "$dir/initdb" ]; then
        cat >&2 <<'EOF'
PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin).
Install them, then run this again:
    sudo apt-get install -y postgresql        # Debian/Ubuntu
or point the tests at an existing server:
    DATABASE_URL=postgres://USER:PASSWORD@HOST:PORT/DBNAME make test
(the role needs CREATEDB: the tests create and drop their own database)
EOF
        return 1
    fi
    if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
        echo "Running as root but there is no 'postgres' system user to own the cluster." >&2
        return 1
    fi
    PG_BIN="$dir"
}

_pg_free_port() {
    python3 - <<'EOF'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

# pg_start [DIR]: start a cluster in DIR (default: a new temporary folder) and export
# DATABASE_URL for a fresh role and database with a password.
pg_start() {
    pg_find_binaries || return 1
    PG_TMP="${1:-$(mktemp -d "${TMPDIR:-/tmp}/heed-pg.XXXXXX")}"
    mkdir -p "$PG_TMP"
    chmod 755 "$PG_TMP"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$PG_TMP"
    fi
    local port password
    port=$(_pg_free_port)
    password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
    _pg_as_owner "$PG_BIN/initdb" -D "$PG_TMP/data" -U postgres --auth-local=trust \
        --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$PG_TMP/initdb.log" 2>&1 || {
        cat "$PG_TMP/initdb.log" >&2
        return 1
    }
    PG_STARTED_BY_US=1
    _pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/server.log" -w -t 60 start \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_TMP -c fsync=off \
            -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
        >/dev/null || {
        cat "$PG_TMP/server.log" >&2
        return 1
    }
    "$PG_BIN/psql" -q -h "$PG_TMP" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
        -c "CREATE ROLE heed LOGIN CREATEDB PASSWORD '$password'" \
        -c "CREATE DATABASE heed OWNER heed" >/dev/null || return 1
    export DATABASE_URL="postgres://heed:$password@127.0.0.1:$port/heed"
    _pg_log "throwaway PostgreSQL $(basename "$(dirname "$PG_BIN")") on 127.0.0.1:$port ($PG_TMP)"
}

# Start a cluster only when the caller did not give DATABASE_URL.
pg_ensure_database_url() {
    if [ -n "${DATABASE_URL:-}" ]; then
        _pg_log "using the given DATABASE_URL"
        return 0
    fi
    pg_start
}

# Stop the cluster we started and remove its folder (safe to call twice or when none started).
pg_stop() {
    if [ "$PG_STARTED_BY_US" = 1 ] && [ -n "$PG_TMP" ] && [ -d "$PG_TMP/data" ]; then
        _pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    if [ -n "$PG_TMP" ] && [ -d "$PG_TMP" ]; then
        rm -rf "$PG_TMP"
    fi
    PG_STARTED_BY_US=0
    PG_TMP=""
}
