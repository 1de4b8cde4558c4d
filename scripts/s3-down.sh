#!/usr/bin/env bash
# Stops the S3-compatible server scripts/s3-up.sh started (its data stays; `--purge` removes it too).
# Idempotent: nothing running is not an error.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
state="${STRAWBERRY_S3_DATA:-$root/.strawberry/s3}"
pidfile="$state/s3proxy.pid"

if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  pid="$(cat "$pidfile")"
  echo "s3-down: stopping s3proxy (pid $pid)" >&2
  kill "$pid"
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
fi
rm -f "$pidfile"
if [ "${1:-}" = "--purge" ]; then
  echo "s3-down: removing $state" >&2
  rm -rf "$state"
fi
