#!/usr/bin/env bash
# Stops what scripts/slurm-up.sh started (slurmd, slurmctld, slurmdbd, its MariaDB), by their PID files. Leaves munged
# (a system daemon others may use), the packages and the state in $SLURM_STATE; `--purge` removes the state too.
set -uo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
state="${SLURM_STATE:-$root/.strawberry/slurm}"
[ -d "$state" ] || { echo "slurm-down: nothing under $state"; exit 0; }

stop() {
  local pidfile="$state/run/$1.pid"
  [ -s "$pidfile" ] || return 0
  local pid; pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    echo "slurm-down: stopped $1 (pid $pid)"
  fi
  rm -f "$pidfile"
}
stop slurmd
stop slurmctld
stop slurmdbd
stop mysqld
if [ "${1:-}" = "--purge" ]; then rm -rf "$state"; echo "slurm-down: removed $state"; fi
