#!/usr/bin/env bash
# PostgreSQL helpers for ZlhGrind: install the server and run a throwaway cluster on loopback.
# The schema is applied by the silo's own migrator (`./zlh db migrate`), not here.
#
# As a command:
#   scripts/postgres.sh ensure-installed
#   scripts/postgres.sh start DIR PORT        # prints the ADO.NET connection string on stdout
#   scripts/postgres.sh stop DIR
#
# As a library (`source scripts/postgres.sh`): the same operations are the functions
# zlh_pg_ensure_installed, zlh_pg_start and zlh_pg_stop.
#
# Only stdout carries results (the connection string); progress and errors go to stderr,
# so `conn=$(scripts/postgres.sh start "$dir" 55432)` works. Sourcing also turns on
# `set -euo pipefail` in the caller, which the functions rely on.

set -euo pipefail

ZLH_PG_DATABASE="zlhgrind"
ZLH_PG_SUPERUSER="postgres"
# Seconds to wait for a started server to accept connections.
ZLH_PG_START_TIMEOUT="${ZLH_PG_START_TIMEOUT:-60}"

zlh_pg_log() { printf 'postgres: %s\n' "$*" >&2; }
zlh_pg_die() { printf 'postgres: error: %s\n' "$*" >&2; exit 1; }

# The bin directory of the newest PostgreSQL server installed the Debian way, else the one on PATH.
zlh_pg_bindir() {
    local dir best
    # Highest major version wins; sort -V because the glob sorts 10 before 9.
    best="$(for dir in /usr/lib/postgresql/*/bin; do if [[ -x "$dir/initdb" ]]; then echo "$dir"; fi; done | sort -V | tail -n 1)"
    if [[ -n "$best" ]]; then
        printf '%s\n' "$best"
    elif command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
    fi
}

# Path of a PostgreSQL program: the server's bin dir first, then PATH.
zlh_pg_tool() {
    local name="$1" bindir
    bindir="$(zlh_pg_bindir)"
    if [[ -n "$bindir" && -x "$bindir/$name" ]]; then
        printf '%s\n' "$bindir/$name"
    elif command -v "$name" >/dev/null 2>&1; then
        command -v "$name"
    else
        zlh_pg_die "'$name' not found on PATH or under /usr/lib/postgresql/*/bin; run: scripts/postgres.sh ensure-installed"
    fi
}

zlh_pg_psql() {
    local psql
    if command -v psql >/dev/null 2>&1; then
        psql="$(command -v psql)"
    else
        psql="$(zlh_pg_tool psql)"
    fi
    "$psql" "$@"
}

zlh_pg_is_root() { [[ "$(id -u)" -eq 0 ]]; }

# Runs a command as the cluster's owner: `postgres` when we are root (initdb and pg_ctl refuse
# to run as root), the current user otherwise.
zlh_pg_as_owner() {
    if ! zlh_pg_is_root; then
        "$@"
    elif command -v runuser >/dev/null 2>&1; then
        runuser -u "$ZLH_PG_SUPERUSER" -- "$@"
    else
        su "$ZLH_PG_SUPERUSER" -s /bin/bash -c "$(printf '%q ' "$@")"
    fi
}

zlh_pg_ensure_installed() {
    local initdb
    for initdb in /usr/lib/postgresql/*/bin/initdb; do
        if [[ -x "$initdb" ]]; then
            zlh_pg_log "server present: ${initdb%/initdb}"
            return 0
        fi
    done

    command -v apt-get >/dev/null 2>&1 \
        || zlh_pg_die "PostgreSQL is not installed and apt-get is not available; install the PostgreSQL server (initdb, pg_ctl, psql) by hand"
    local -a sudo=()
    if ! zlh_pg_is_root; then
        if ! { command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; }; then
            zlh_pg_die "PostgreSQL is not installed; installing it needs root: sudo apt-get install -y postgresql"
        fi
        sudo=(sudo -n)
    fi

    # We run our own clusters; keep the package from creating (and starting) the system one
    # on port 5432. Only written when postgresql-common has not been configured yet.
    if [[ ! -e /etc/postgresql-common/createcluster.conf ]]; then
        "${sudo[@]}" mkdir -p /etc/postgresql-common
        printf 'create_main_cluster = false\n' | "${sudo[@]}" tee /etc/postgresql-common/createcluster.conf >/dev/null
    fi

    zlh_pg_log "installing the postgresql package (apt-get)"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        -o Dpkg::Options::=--force-confold postgresql >&2

    for initdb in /usr/lib/postgresql/*/bin/initdb; do
        if [[ -x "$initdb" ]]; then
            zlh_pg_log "installed: ${initdb%/initdb}"
            return 0
        fi
    done
    zlh_pg_die "apt-get install postgresql finished but no /usr/lib/postgresql/*/bin/initdb exists"
}

zlh_pg_check_port() {
    local port="$1"
    if ! [[ "$port" =~ ^[0-9]+$ ]] || (( port < 1 || port > 65535 )); then
        zlh_pg_die "port must be a number between 1 and 65535, got '$port'"
    fi
}

zlh_pg_conn_string() { printf 'Host=127.0.0.1;Port=%s;Username=%s;Database=%s\n' "$1" "$ZLH_PG_SUPERUSER" "$ZLH_PG_DATABASE"; }

# Cluster layout inside DIR: data/ (PGDATA), socket/ (unix socket), postgres.log.
zlh_pg_start() {
    [[ $# -eq 2 ]] || zlh_pg_die "usage: postgres.sh start DIR PORT"
    local dir="$1" port="$2"
    zlh_pg_check_port "$port"

    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    local data="$dir/data" socket="$dir/socket" log="$dir/postgres.log"
    # DIR is handed to the cluster's owner below (chown -R): refuse anything that is not ours.
    if [[ ! -d "$data" && -n "$(ls -A "$dir")" ]]; then
        zlh_pg_die "$dir is not empty and holds no cluster made by this script; give an empty or new directory"
    fi
    local bindir
    bindir="$(zlh_pg_bindir)"
    [[ -n "$bindir" ]] || zlh_pg_die "PostgreSQL server not found; run: scripts/postgres.sh ensure-installed"

    if zlh_pg_is_root; then
        id "$ZLH_PG_SUPERUSER" >/dev/null 2>&1 \
            || zlh_pg_die "running as root but there is no '$ZLH_PG_SUPERUSER' user to own the cluster (install the postgresql package)"
        chown -R "$ZLH_PG_SUPERUSER:" "$dir"
        zlh_pg_as_owner test -w "$dir" \
            || zlh_pg_die "user '$ZLH_PG_SUPERUSER' cannot reach $dir (a parent directory is not searchable by it); choose a DIR under a world-searchable path such as /tmp"
    fi
    mkdir -p "$socket"
    if zlh_pg_is_root; then chown "$ZLH_PG_SUPERUSER:" "$socket"; fi

    if [[ ! -s "$data/PG_VERSION" ]]; then
        zlh_pg_log "initdb $data"
        zlh_pg_as_owner "$bindir/initdb" --pgdata="$data" --username="$ZLH_PG_SUPERUSER" \
            --auth=trust --encoding=UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1 \
            || { cat "$dir/initdb.log" >&2; zlh_pg_die "initdb failed (log above)"; }
        # Our settings live in a file of their own, rewritten at every start.
        printf "\ninclude_if_exists = 'zlh.conf'\n" | zlh_pg_as_owner tee -a "$data/postgresql.conf" >/dev/null
    fi

    # The unix socket path (dir + /.s.PGSQL.PORT) must fit in sockaddr_un (107 bytes).
    local socket_dirs="$socket"
    if (( ${#socket} + 20 > 107 )); then
        zlh_pg_log "note: $socket is too long for a unix socket; listening on TCP only"
        socket_dirs=""
    fi
    zlh_pg_as_owner tee "$data/zlh.conf" >/dev/null <<EOF
# Written by scripts/postgres.sh at every start: a throwaway cluster for development and tests.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '${socket_dirs//\'/\'\'}'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF

    if zlh_pg_as_owner "$bindir/pg_ctl" status --pgdata="$data" >/dev/null 2>&1; then
        zlh_pg_log "a server is already running on $data; restarting it with port $port"
        zlh_pg_as_owner "$bindir/pg_ctl" stop --pgdata="$data" --mode=fast --wait >/dev/null
    fi

    zlh_pg_log "starting on 127.0.0.1:$port"
    if ! zlh_pg_as_owner "$bindir/pg_ctl" start --pgdata="$data" --log="$log" \
            --wait --timeout="$ZLH_PG_START_TIMEOUT" >/dev/null; then
        tail -n 20 "$log" >&2 || true
        zlh_pg_die "the server in $data did not start (log above; is port $port already in use?)"
    fi

    local pg_isready
    pg_isready="$(zlh_pg_tool pg_isready)"
    local waited=0
    until "$pg_isready" -q -h 127.0.0.1 -p "$port" -U "$ZLH_PG_SUPERUSER" -d postgres; do
        (( waited++ < ZLH_PG_START_TIMEOUT * 10 )) \
            || zlh_pg_die "the server in $data does not accept connections on 127.0.0.1:$port"
        sleep 0.1
    done

    local exists
    exists="$(zlh_pg_psql -X -q -t -A -h 127.0.0.1 -p "$port" -U "$ZLH_PG_SUPERUSER" -d postgres \
        -c "SELECT 1 FROM pg_database WHERE datname = '$ZLH_PG_DATABASE'")"
    if [[ "$exists" != "1" ]]; then
        zlh_pg_psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U "$ZLH_PG_SUPERUSER" -d postgres \
            -c "CREATE DATABASE $ZLH_PG_DATABASE" >&2 \
            || zlh_pg_die "could not create database $ZLH_PG_DATABASE"
    fi

    zlh_pg_conn_string "$port"
}

zlh_pg_stop() {
    [[ $# -eq 1 ]] || zlh_pg_die "usage: postgres.sh stop DIR"
    local dir="$1"
    [[ -d "$dir" ]] || { zlh_pg_log "nothing to stop: $dir does not exist"; return 0; }
    local data
    data="$(cd "$dir" && pwd)/data"
    if [[ ! -f "$data/postmaster.pid" ]]; then
        zlh_pg_log "no server running on $data"
        return 0
    fi
    local bindir
    bindir="$(zlh_pg_bindir)"
    [[ -n "$bindir" ]] || zlh_pg_die "PostgreSQL server programs not found; cannot stop $data"
    zlh_pg_as_owner "$bindir/pg_ctl" stop --pgdata="$data" --mode=fast --wait >/dev/null \
        || zlh_pg_die "pg_ctl stop failed for $data (see $dir/postgres.log)"
    zlh_pg_log "stopped $data"
}

zlh_pg_usage() {
    cat >&2 <<'EOF'
usage: scripts/postgres.sh COMMAND
  ensure-installed              install the PostgreSQL server with apt-get if it is missing
  start DIR PORT                start a throwaway cluster in DIR on 127.0.0.1:PORT, print its connection string
  stop DIR                      stop the cluster in DIR
EOF
}

zlh_pg_main() {
    local cmd="${1:-}"
    [[ $# -gt 0 ]] && shift
    case "$cmd" in
        ensure-installed) [[ $# -eq 0 ]] || zlh_pg_die "usage: postgres.sh ensure-installed"; zlh_pg_ensure_installed ;;
        start) zlh_pg_start "$@" ;;
        stop) zlh_pg_stop "$@" ;;
        -h|--help|help) zlh_pg_usage ;;
        "") zlh_pg_usage; exit 2 ;;
        *) zlh_pg_usage; zlh_pg_die "unknown command '$cmd'" ;;
    esac
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    zlh_pg_main "$@"
fi
