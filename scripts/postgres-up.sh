#!/usr/bin/env bash
# A throwaway PostgreSQL for the ledger and registry (tests, CI, benches, a user trying `storage.ledger: postgres://`):
# Debian's postgresql-15, one cluster under $STRAWBERRY_PG_STATE (default .strawberry/postgres), listening on
# 127.0.0.1:$STRAWBERRY_PG_PORT (default 54329) only, trust authentication on loopback (a test cluster: no password
# to hand around; a real deployment uses its own server and PGPASSWORD). PostgreSQL refuses to run as root: as root
# the cluster belongs to the system user strawberry-pg (created if missing), otherwise to the caller.
#
# Idempotent: installs what is missing (apt-get, as root), initialises the cluster once, starts it only if it is not
# running, and prints as its last line the URL of the `strawberry` database. Stop it with scripts/postgres-down.sh.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
state="${STRAWBERRY_PG_STATE:-$root/.strawberry/postgres}"
port="${STRAWBERRY_PG_PORT:-54329}"
bin=/usr/lib/postgresql/15/bin
user=strawberry
db=strawberry
url="postgres://$user@127.0.0.1:$port/$db"
say() { echo "postgres-up: $*" >&2; }

# 1. Packages.
if [ ! -x "$bin/pg_ctl" ]; then
  if [ "$(id -u)" != 0 ]; then say "$bin/pg_ctl is missing and installing postgresql-15 needs root (apt-get)"; exit 1; fi
  say "installing postgresql-15"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql-15 >/dev/null
fi

# 2. Who owns the cluster: never root.
if [ "$(id -u)" = 0 ]; then
  owner=strawberry-pg
  if ! id "$owner" >/dev/null 2>&1; then
    say "creating the system user $owner"
    useradd --system --no-create-home --shell /usr/sbin/nologin "$owner"
  fi
  as() { runuser -u "$owner" -- "$@"; }
else
  owner="$(id -un)"
  as() { "$@"; }
fi

mkdir -p "$state"
state="$(cd "$state" && pwd -P)"
data="$state/data"
[ "$(id -u)" = 0 ] && chown "$owner" "$state"
if ! as test -w "$state"; then
  say "$owner cannot write $state (a parent directory is not traversable for it); set STRAWBERRY_PG_STATE to a directory it can reach"
  exit 1
fi
# One start at a time (test files, CI steps and benches may call this at once).
exec 9>"$state/.up.lock"
flock 9

# 3. Already running on our port: done.
if as "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1 && "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -U "$user" -d postgres; then
  echo "$url"
  exit 0
fi

# 4. The cluster, once: trust on loopback TCP, no Unix socket (nothing to collide with a system server's).
if [ ! -s "$data/PG_VERSION" ]; then
  say "initialising a cluster in $data (owner $owner)"
  rm -rf "$data"
  as "$bin/initdb" -D "$data" -U "$user" --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  cat >>"$data/postgresql.conf" <<EOF
# scripts/postgres-up.sh
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 200
fsync = on
synchronous_commit = on
EOF
  cat >"$data/pg_hba.conf" <<EOF
# scripts/postgres-up.sh: a throwaway test cluster, loopback only
host all all 127.0.0.1/32 trust
EOF
fi

# 5. Start it. After a killed server its orphaned backends hold the data directory for a moment: retry a few times.
# fd 9 (the lock) is closed for the server, which would otherwise hold it for its lifetime.
say "starting PostgreSQL 15 on 127.0.0.1:$port"
for attempt in 1 2 3 4 5; do
  if as "$bin/pg_ctl" -D "$data" -l "$state/postgres.log" -o "-p $port" -w -t 60 start >/dev/null 2>&1 9>&-; then break; fi
  if [ "$attempt" = 5 ]; then
    say "pg_ctl start failed; the last lines of $state/postgres.log:"
    tail -5 "$state/postgres.log" >&2 || true
    if tail -5 "$state/postgres.log" 2>/dev/null | grep -q 'Address already in use'; then
      say "port $port is taken (another checkout's cluster? stop it with its scripts/postgres-down.sh, or set STRAWBERRY_PG_PORT)"
    fi
    exit 1
  fi
  sleep 2
done
if ! "$bin/psql" -h 127.0.0.1 -p "$port" -U "$user" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
  "$bin/createdb" -h 127.0.0.1 -p "$port" -U "$user" "$db"
fi
echo "$url"
