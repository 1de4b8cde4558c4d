#!/usr/bin/env bash
# A real one-machine Slurm for the `scheduler: slurm` mode of the local provider and its tests: Debian's slurm-wlm
# (22.05) with munge, one controller and one node (this host, `hostname -s`, with its real CPUs and memory), and
# slurmdbd over a private MariaDB so that `sacct` answers (state, exit code, reason) after a job has left the queue.
#
# Idempotent: installs what is missing (apt-get, needs root), writes the config once, starts only the daemons that
# are not running, and ends when `sinfo` shows the node idle. State, config and logs: $SLURM_STATE
# (default .strawberry/slurm). Stop it with scripts/slurm-down.sh.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
state="${SLURM_STATE:-$root/.strawberry/slurm}"
host="$(hostname -s)"
dbport="${SLURM_DB_PORT:-3307}"
say() { echo "slurm-up: $*"; }

if [ "$(id -u)" != 0 ]; then echo "slurm-up: needs root (apt-get, munged, slurmd)" >&2; exit 1; fi

# 1. Packages.
missing=()
for p in slurm-wlm slurmdbd munge mariadb-server; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

mkdir -p "$state"/{spool,ctld,log,run,db}
state="$(cd "$state" && pwd -P)"
conf="$state/slurm.conf"
export SLURM_CONF="$conf"

# 2. munge: a key, then the daemon (it refuses to run as root, so as its own user).
if [ ! -s /etc/munge/munge.key ]; then
  say "creating the munge key"
  if command -v mungekey >/dev/null; then mungekey --create --force; else dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null; fi
  chown munge:munge /etc/munge/munge.key && chmod 0400 /etc/munge/munge.key
fi
mkdir -p /run/munge && chown munge:munge /run/munge
if ! munge -n >/dev/null 2>&1; then
  say "starting munged"
  runuser -u munge -- /usr/sbin/munged
  for _ in $(seq 50); do munge -n >/dev/null 2>&1 && break; sleep 0.1; done
fi

# 3. A private MariaDB for slurmdbd (TCP on 127.0.0.1:$dbport, data under $state/db).
if [ ! -d "$state/db/mysql" ]; then
  say "initialising MariaDB in $state/db"
  mariadb-install-db --datadir="$state/db" --user=root --auth-root-authentication-method=socket >/dev/null
fi
dbsock="$state/run/mysqld.sock"
if ! mariadb-admin --socket="$dbsock" ping >/dev/null 2>&1; then
  say "starting MariaDB on 127.0.0.1:$dbport"
  (setsid mariadbd --user=root --datadir="$state/db" --socket="$dbsock" --pid-file="$state/run/mysqld.pid" \
     --port="$dbport" --bind-address=127.0.0.1 --log-error="$state/log/mysqld.log" >/dev/null 2>&1 &)
  for _ in $(seq 100); do mariadb-admin --socket="$dbsock" ping >/dev/null 2>&1 && break; sleep 0.2; done
  mariadb --socket="$dbsock" -e "CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY 'slurm'; GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1'; FLUSH PRIVILEGES;"
fi

# 4. Config, written once (delete $state/slurm.conf to rewrite it). The node line is slurmd's own view of this host.
if [ ! -s "$conf" ]; then
  node="$(slurmd -C | head -1 | sed 's/ UpTime=.*//')"
  say "writing $conf ($node)"
  cat >"$state/slurmdbd.conf" <<EOF
AuthType=auth/munge
DbdHost=localhost
DbdPort=6819
SlurmUser=root
LogFile=$state/log/slurmdbd.log
PidFile=$state/run/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$dbport
StorageUser=slurm
StoragePass=slurm
StorageLoc=slurm_acct_db
EOF
  chmod 600 "$state/slurmdbd.conf"
  cat >"$conf.tmp" <<EOF
# Written by scripts/slurm-up.sh: one controller and one node on this host.
ClusterName=strawberry
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/run/slurmctld.pid
SlurmdPidFile=$state/run/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/linux
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort=6819
JobCompType=jobcomp/none
# A quick test cycle: short waits before a timed-out job is killed and before finished jobs leave memory.
KillWait=5
OverTimeLimit=0
MinJobAge=300
InactiveLimit=0
$node State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  mv "$conf.tmp" "$conf"
fi

running() { [ -s "$state/run/$1.pid" ] && kill -0 "$(cat "$state/run/$1.pid")" 2>/dev/null; }

# 5. Daemons: slurmdbd, then the cluster registered in it, then slurmctld and slurmd.
if ! running slurmdbd; then say "starting slurmdbd"; slurmdbd; fi  # reads slurmdbd.conf beside $SLURM_CONF
for _ in $(seq 100); do sacctmgr -i -n list cluster >/dev/null 2>&1 && break; sleep 0.2; done
sacctmgr -i -n list cluster format=cluster -P 2>/dev/null | grep -qx strawberry || sacctmgr -i add cluster strawberry >/dev/null
if ! running slurmctld; then say "starting slurmctld"; slurmctld -f "$conf"; fi
if ! running slurmd; then say "starting slurmd"; slurmd -f "$conf"; fi

for _ in $(seq 150); do
  st="$(sinfo -h -n "$host" -o %T 2>/dev/null || true)"
  case "$st" in
    idle*|mixed*|allocated*) say "ready: node $host $st (export SLURM_CONF=$conf)"; exit 0 ;;
    down*|drain*) scontrol update nodename="$host" state=resume >/dev/null 2>&1 || true ;;
  esac
  sleep 0.2
done
echo "slurm-up: the node $host did not become idle (sinfo: ${st:-no answer}); logs in $state/log" >&2
exit 1
