#!/usr/bin/env bash
# slurm-up.sh [STATE_DIR]  (default: /tmp/drover-slurm)
#
# Brings up a REAL, throwaway, single-node Slurm cluster on 127.0.0.1 for drover's
# tests and CI, and prints the environment a caller needs:
#
#   eval "$(scripts/slurm-up.sh)"      # -> export SLURM_CONF=/tmp/drover-slurm/slurm.conf
#   sbatch --wrap true
#
# What it does (idempotent; safe to call again while the cluster is up):
#   1. installs slurmctld, slurmd, slurm-client and munge from Debian if missing
#   2. creates /etc/munge/munge.key if none, starts munged as user munge (once)
#   3. writes STATE_DIR/slurm.conf (cluster "drover", node `hostname -s` at
#      127.0.0.1 with 8 CPUs, partition "debug", fast scheduler settings; all
#      state, spool, logs and pid files under STATE_DIR)
#   4. starts slurmctld and slurmd (daemonized, stdio to log files, so
#      `$(...)` returns at once) unless they already run from this STATE_DIR;
#      if slurm.conf changed since they started, restarts them (job state is
#      kept in STATE_DIR/state, so job ids keep counting up across restarts)
#   5. waits (max ~30 s) for the node to be idle, resuming it if DOWN/DRAINED
#
# Accounting: by default there is no database (AccountingStorageType=none), so
# `sacct` only says "Slurm accounting storage is disabled"; finished jobs are
# written one line each to STATE_DIR/log/jobcomp.txt (JobCompType=jobcomp/filetxt)
# and stay visible to `scontrol show job` / `squeue -t all` for MinJobAge=30 s.
# With DROVER_SLURM_ACCOUNTING=1 it also installs mariadb-server and slurmdbd,
# runs a private MariaDB (unix socket only, data in STATE_DIR/mysql) and slurmdbd
# on 127.0.0.1, and points slurmctld at it, so `sacct` works for real.
#
# Only the export lines go to stdout; progress and errors go to stderr.
# Environment knobs: DROVER_SLURMCTLD_PORT (6817), DROVER_SLURMD_PORT (6818),
# DROVER_SLURMDBD_PORT (6819), DROVER_SLURM_CPUS (8), DROVER_SLURM_MEM_MB (4096),
# DROVER_SLURM_ACCOUNTING (0). Stop with scripts/cluster-down.sh.
set -euo pipefail
# shellcheck source=scripts/_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"

STATE_DIR=${1:-/tmp/drover-slurm}
CTLD_PORT=${DROVER_SLURMCTLD_PORT:-6817}
SLURMD_PORT=${DROVER_SLURMD_PORT:-6818}
DBD_PORT=${DROVER_SLURMDBD_PORT:-6819}
NODE_CPUS=${DROVER_SLURM_CPUS:-8}
NODE_MEM=${DROVER_SLURM_MEM_MB:-4096}
ACCOUNTING=${DROVER_SLURM_ACCOUNTING:-0}
[ "$ACCOUNTING" = 1 ] || ACCOUNTING=0

log() { printf 'slurm-up: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (SlurmUser=root, munged, apt-get)"

mkdir -p "$STATE_DIR"
STATE_DIR=$(cd "$STATE_DIR" && pwd -P)
CONF="$STATE_DIR/slurm.conf"
DBD_CONF="$STATE_DIR/slurmdbd.conf"
RUN="$STATE_DIR/run"
LOGS="$STATE_DIR/log"
MYSQL_SOCK="$RUN/mysqld.sock"

# Serialize concurrent callers on the same STATE_DIR. Every daemon below is
# started with 9>&- so none of them inherits (and holds) this lock.
exec 9>"$STATE_DIR/.lock"
flock -w 120 9 || die "could not lock $STATE_DIR/.lock"

# --- helpers -------------------------------------------------------------------
# apt_install comes from scripts/_lib.sh

# alive NAME PIDFILE [ARG]: true if PIDFILE names a live (non-zombie) process
# called NAME whose command line contains ARG (default: this slurm.conf).
alive() {
  local pid
  [ -s "$2" ] || return 1
  pid=$(cat "$2" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] && [ -d "/proc/$pid" ] || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ] || return 1
  ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null || return 1
  [ "${3-$CONF}" = "" ] || tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "${3-$CONF}"
}

# stop_pid NAME PIDFILE [ARG]: TERM it, wait up to 5 s, then KILL.
stop_pid() {
  local pid
  alive "$@" || return 0
  pid=$(cat "$2")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    alive "$@" || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  sleep 0.1
}

port_busy() { (: <"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
wait_for() {
  local end=$((SECONDS + $1))
  shift
  until "$@"; do
    [ "$SECONDS" -lt "$end" ] || return 1
    sleep 0.1
  done
}

# --- 1. packages ---------------------------------------------------------------
pkgs=()
command -v slurmctld >/dev/null || pkgs+=(slurmctld)
command -v slurmd >/dev/null || pkgs+=(slurmd)
command -v sbatch >/dev/null || pkgs+=(slurm-client)
command -v munged >/dev/null || pkgs+=(munge)
if [ "$ACCOUNTING" = 1 ]; then
  command -v slurmdbd >/dev/null || pkgs+=(slurmdbd)
  command -v mariadbd >/dev/null || pkgs+=(mariadb-server)
fi
if [ "${#pkgs[@]}" -gt 0 ]; then
  log "installing ${pkgs[*]}"
  apt_install "${pkgs[@]}" || die "apt-get install failed"
fi

# --- 2. munge ------------------------------------------------------------------
getent passwd munge >/dev/null || die "user munge missing (munge package broken?)"
install -d -m 0700 -o munge -g munge /etc/munge
if [ ! -s /etc/munge/munge.key ]; then
  log "creating /etc/munge/munge.key"
  if command -v mungekey >/dev/null; then
    rm -f /etc/munge/munge.key
    mungekey --create --keyfile=/etc/munge/munge.key >&2
  else
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  fi
fi
chown munge:munge /etc/munge/munge.key
chmod 0400 /etc/munge/munge.key
install -d -m 0755 -o munge -g munge /run/munge
install -d -m 0700 -o munge -g munge /var/lib/munge /var/log/munge

munge_ok() { munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; }

if ! munge_ok; then
  log "starting munged"
  # munged daemonizes itself; keep its stdio off the caller's pipes.
  runuser -u munge -- /usr/sbin/munged --force --num-threads=4 \
    </dev/null >>"$STATE_DIR/munged.out" 2>&1 9>&- ||
    die "munged failed to start (see $STATE_DIR/munged.out, /var/log/munge/munged.log)"
  wait_for 5 munge_ok || die "munged not answering"
  # Remember that we started it, so cluster-down.sh stops it.
  if [ -s /run/munge/munged.pid ]; then
    cp /run/munge/munged.pid "$STATE_DIR/munged.pid"
  else
    pgrep -u munge -n -x munged >"$STATE_DIR/munged.pid" || true
  fi
fi

# --- 3. slurm.conf (and slurmdbd.conf) -----------------------------------------
NODE=$(hostname -s)
mkdir -p "$STATE_DIR/state" "$STATE_DIR/spool" "$LOGS" "$RUN"

if [ "$ACCOUNTING" = 1 ]; then
  accounting="# Accounting through a private slurmdbd + MariaDB (DROVER_SLURM_ACCOUNTING=1).
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort=$DBD_PORT
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=30"
else
  accounting="# No accounting database (sacct answers \"accounting storage is disabled\").
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none"
fi

cat >"$CONF.new" <<EOF
# Generated by drover scripts/slurm-up.sh -- throwaway single-node test cluster.
ClusterName=drover
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
PropagateResourceLimits=NONE
# The node claims more CPUs than the machine has; don't drain it for that.
SlurmdParameters=config_overrides
ReturnToService=2

# State, spool, logs and pids all live in the state dir.
StateSaveLocation=$STATE_DIR/state
SlurmdSpoolDir=$STATE_DIR/spool
SlurmctldPidFile=$RUN/slurmctld.pid
SlurmdPidFile=$RUN/slurmd.pid
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info

# Scheduling: the main and backfill schedulers both run every second (the
# minimum). Measured on 22.05: a batch job starts on the next tick, not at
# submit time, so it waits 0-1 s; an array starts up to CPUs tasks per tick.
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1,sched_min_interval=0,batch_sched_delay=0,default_queue_depth=10000,bf_interval=1,bf_resolution=1,bf_continue
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
DefMemPerCPU=100
MinJobAge=30
MaxArraySize=1001
MaxJobCount=10000
MessageTimeout=5
TCPTimeout=2
KillWait=2
CompleteWait=0
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
Waittime=0
UnkillableStepTimeout=30

$accounting
# One line per finished job (JobId, JobState, ExitCode, ArrayJobId/TaskId, ...).
JobCompType=jobcomp/filetxt
JobCompLoc=$LOGS/jobcomp.txt

NodeName=$NODE NodeAddr=127.0.0.1 NodeHostname=$NODE CPUs=$NODE_CPUS RealMemory=$NODE_MEM State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF

if [ "$ACCOUNTING" = 1 ]; then
  # slurmdbd reads slurmdbd.conf from the directory of $SLURM_CONF; it must be
  # 0600 and owned by SlurmUser. MYSQL_UNIX_PORT (set when starting slurmdbd)
  # points libmariadb at our private socket, where root logs in by unix_socket.
  (
    umask 077
    cat >"$DBD_CONF" <<EOF
# Generated by drover scripts/slurm-up.sh (DROVER_SLURM_ACCOUNTING=1).
AuthType=auth/munge
DbdAddr=127.0.0.1
DbdHost=$NODE
DbdPort=$DBD_PORT
SlurmUser=root
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=root
StorageLoc=slurm_acct_db
PidFile=$RUN/slurmdbd.pid
LogFile=$LOGS/slurmdbd.log
DebugLevel=info
EOF
  )
fi

conf_changed=0
if ! [ -f "$CONF" ] || ! cmp -s "$CONF" "$CONF.new"; then
  conf_changed=1
fi
mv -f "$CONF.new" "$CONF"
export SLURM_CONF="$CONF"

# --- 4. daemons ----------------------------------------------------------------
CTLD_PID="$RUN/slurmctld.pid"
SLURMD_PID="$RUN/slurmd.pid"
DBD_PID="$RUN/slurmdbd.pid"
MYSQL_PID="$RUN/mysqld.pid"

if [ "$conf_changed" = 1 ] && { alive slurmctld "$CTLD_PID" || alive slurmd "$SLURMD_PID"; }; then
  log "slurm.conf changed; restarting slurmctld and slurmd"
  stop_pid slurmd "$SLURMD_PID"
  stop_pid slurmctld "$CTLD_PID"
fi

if [ "$ACCOUNTING" = 1 ]; then
  mysql_ok() { mariadb --no-defaults -S "$MYSQL_SOCK" -u root -e 'SELECT 1' >/dev/null 2>&1; }
  if ! alive mariadbd "$MYSQL_PID" "$STATE_DIR/mysql"; then
    if [ ! -d "$STATE_DIR/mysql/mysql" ]; then
      log "initializing MariaDB in $STATE_DIR/mysql"
      rm -rf "$STATE_DIR/mysql"
      mariadb-install-db --no-defaults --datadir="$STATE_DIR/mysql" --user=root \
        --auth-root-authentication-method=socket --skip-test-db \
        </dev/null >"$LOGS/mysql-install.log" 2>&1 9>&- ||
        die "mariadb-install-db failed (see $LOGS/mysql-install.log)"
    fi
    log "starting mariadbd (socket $MYSQL_SOCK, no TCP)"
    # mariadbd does not daemonize: detach it ourselves.
    setsid mariadbd --no-defaults --datadir="$STATE_DIR/mysql" --socket="$MYSQL_SOCK" \
      --pid-file="$MYSQL_PID" --skip-networking --user=root --log-error="$LOGS/mysqld.log" \
      --skip-log-bin --innodb-buffer-pool-size=64M --innodb-log-file-size=16M \
      --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 \
      </dev/null >>"$LOGS/mysqld.out" 2>&1 9>&- &
    wait_for 30 mysql_ok || die "mariadbd did not come up (see $LOGS/mysqld.log)"
  fi
  if ! alive slurmdbd "$DBD_PID" ""; then
    port_busy "$DBD_PORT" && die "port $DBD_PORT already in use (set DROVER_SLURMDBD_PORT)"
    log "starting slurmdbd"
    MYSQL_UNIX_PORT="$MYSQL_SOCK" slurmdbd </dev/null >>"$LOGS/slurmdbd.out" 2>&1 9>&- ||
      die "slurmdbd failed (see $LOGS/slurmdbd.log)"
    # A fresh database takes a few seconds to get its tables.
    wait_for 60 port_busy "$DBD_PORT" || die "slurmdbd not listening (see $LOGS/slurmdbd.log)"
  fi
fi

if ! alive slurmctld "$CTLD_PID"; then
  if port_busy "$CTLD_PORT"; then
    die "port $CTLD_PORT already in use (another slurmctld? set DROVER_SLURMCTLD_PORT)"
  fi
  log "starting slurmctld"
  slurmctld -f "$CONF" </dev/null >>"$LOGS/slurmctld.out" 2>&1 9>&- ||
    die "slurmctld failed (see $LOGS/slurmctld.log)"
fi
slurmd_started=0
if ! alive slurmd "$SLURMD_PID"; then
  port_busy "$SLURMD_PORT" && die "port $SLURMD_PORT already in use (another slurmd? set DROVER_SLURMD_PORT)"
  log "starting slurmd"
  slurmd_started=$(date +%s)
  slurmd -f "$CONF" </dev/null >>"$LOGS/slurmd.out" 2>&1 9>&- ||
    die "slurmd failed (see $LOGS/slurmd.log)"
fi

# --- 5. wait for an idle node --------------------------------------------------
state=""
deadline=$((SECONDS + 30))
resumed=0
while [ "$SECONDS" -lt "$deadline" ]; do
  state=$(sinfo -h -n "$NODE" -o '%T' 2>/dev/null | head -n1 || true)
  case "$state" in
  idle | mixed | allocated | completing)
    # slurmctld restores the node's last state from STATE_DIR; only trust it
    # once the slurmd we just started has registered.
    [ "$slurmd_started" = 0 ] && break
    reg=$(scontrol show node "$NODE" -o 2>/dev/null | sed -n 's/.*SlurmdStartTime=\([^ ]*\).*/\1/p')
    reg=$(date -d "$reg" +%s 2>/dev/null || echo 0)
    [ "$reg" -ge "$((slurmd_started - 1))" ] && break
    ;;
  *drain* | down | *fail*)
    # "down*" / "idle*" (no answer from slurmd yet) just need more time; a
    # plain DOWN or DRAIN needs a resume.
    if [ "$resumed" -lt 3 ]; then
      log "node $NODE is '$state'; resuming"
      scontrol update NodeName="$NODE" State=RESUME >&2 || true
      resumed=$((resumed + 1))
    fi
    ;;
  esac
  sleep 0.1
done
case "$state" in
idle | mixed | allocated | completing) ;;
*)
  log "node $NODE not idle after 30 s (state '${state:-none}')"
  tail -n 20 "$LOGS/slurmctld.log" "$LOGS/slurmd.log" >&2 2>/dev/null || true
  exit 1
  ;;
esac

if [ "$ACCOUNTING" = 1 ]; then
  # slurmctld registers the cluster in slurmdbd by itself; wait until sacct answers.
  wait_for 20 sh -c 'sacct -n -X -S now-1minutes >/dev/null 2>&1' ||
    log "warning: sacct not answering yet (see $LOGS/slurmdbd.log)"
fi
log "node $NODE is $state (SLURM_CONF=$CONF)"

printf 'export SLURM_CONF=%q\n' "$CONF"
