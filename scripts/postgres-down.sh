#!/usr/bin/env bash
# Stops the cluster scripts/postgres-up.sh started (pg_ctl stop, fast: open connections are closed). Leaves the
# package and the data in $STRAWBERRY_PG_STATE; `--purge` removes the data too.
set -uo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
state="${STRAWBERRY_PG_STATE:-$root/.strawberry/postgres}"
bin=/usr/lib/postgresql/15/bin
[ -d "$state/data" ] || { echo "postgres-down: nothing under $state"; exit 0; }

if [ "$(id -u)" = 0 ]; then as() { runuser -u strawberry-pg -- "$@"; }; else as() { "$@"; }; fi
if as "$bin/pg_ctl" -D "$state/data" status >/dev/null 2>&1; then
  as "$bin/pg_ctl" -D "$state/data" -m fast -w stop >/dev/null && echo "postgres-down: stopped the cluster in $state/data"
fi
if [ "${1:-}" = "--purge" ]; then rm -rf "$state"; echo "postgres-down: removed $state"; fi
