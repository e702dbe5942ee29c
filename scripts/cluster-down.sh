#!/usr/bin/env bash
# cluster-down.sh [SLURM_STATE_DIR] [SSHD_STATE_DIR] [SGE_STATE_DIR]
#   (defaults: /tmp/drover-slurm /tmp/drover-sshd /tmp/drover-sge)
#
# Stops, quietly, what scripts/slurm-up.sh, scripts/sshd-up.sh and scripts/sge-up.sh
# started, using only the pid files in their state dirs: slurmd, slurmctld (after
# cancelling any jobs still queued), slurmdbd and mariadbd (DROVER_SLURM_ACCOUNTING=1),
# munged (only if slurm-up.sh started it and no other slurm daemon still runs), sshd,
# sge_execd and sge_qmaster (after deleting any jobs still queued). Each
# process gets SIGTERM, then SIGKILL after ~5 s. Keys, configs and logs stay in
# the state dirs so the next *-up.sh call reuses them. Always exits 0.
set -euo pipefail

SLURM_DIR=${1:-/tmp/drover-slurm}
SSHD_DIR=${2:-/tmp/drover-sshd}
SGE_DIR=${3:-/tmp/drover-sge}

# pid_of NAME PIDFILE: print the pid if PIDFILE names a live process called NAME.
pid_of() {
  local pid
  [ -s "$2" ] || return 1
  pid=$(cat "$2" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] && [ -d "/proc/$pid" ] || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ] || return 1
  ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null || return 1 # zombie
  printf '%s\n' "$pid"
}

# gone PID...: true when none of the pids is a live (non-zombie) process.
gone() {
  local pid
  for pid in "$@"; do
    [ -d "/proc/$pid" ] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null && return 1
  done
  return 0
}

# stop NAME PIDFILE...: TERM the live ones, wait up to 5 s, KILL leftovers.
stop() {
  local name=$1 pid pids=() f
  shift
  for f in "$@"; do
    if pid=$(pid_of "$name" "$f"); then pids+=("$pid"); fi
  done
  [ "${#pids[@]}" -gt 0 ] || return 0
  kill -TERM "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 1 50); do
    gone "${pids[@]}" && return 0
    sleep 0.1
  done
  kill -KILL "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 1 20); do
    gone "${pids[@]}" && return 0
    sleep 0.1
  done
}

if [ -d "$SLURM_DIR" ]; then
  if [ -f "$SLURM_DIR/slurm.conf" ] && pid_of slurmctld "$SLURM_DIR/run/slurmctld.pid" >/dev/null &&
    command -v squeue >/dev/null; then
    jobs=$(SLURM_CONF="$SLURM_DIR/slurm.conf" timeout 5 squeue -h -o '%A' 2>/dev/null || true)
    if [ -n "$jobs" ]; then
      # shellcheck disable=SC2086
      SLURM_CONF="$SLURM_DIR/slurm.conf" timeout 5 scancel $jobs >/dev/null 2>&1 || true
      sleep 1
    fi
  fi
  stop slurmd "$SLURM_DIR/run/slurmd.pid"
  stop slurmctld "$SLURM_DIR/run/slurmctld.pid"
  stop slurmdbd "$SLURM_DIR/run/slurmdbd.pid"
  stop mariadbd "$SLURM_DIR/run/mysqld.pid"
  # munged is machine-wide: leave it up while another cluster still uses it.
  if ! ps -eo stat=,comm= | awk '$1 !~ /Z/ && $2 ~ /^(slurmctld|slurmd|slurmdbd)$/ {f=1} END {exit !f}'; then
    stop munged "$SLURM_DIR/munged.pid"
    rm -f "$SLURM_DIR/munged.pid"
  fi
fi

if [ -d "$SSHD_DIR" ]; then
  stop sshd "$SSHD_DIR/sshd.pid"
fi

if [ -d "$SGE_DIR" ]; then
  if pid_of sge_qmaster "$SGE_DIR/qmaster/qmaster.pid" >/dev/null && command -v qdel >/dev/null; then
    # Ask the daemons to stop (qmaster takes seconds after a SIGTERM); stop() then kills leftovers.
    SGE_ROOT=/var/lib/gridengine SGE_CELL=default timeout 5 qdel -f -u '*' >/dev/null 2>&1 || true
    SGE_ROOT=/var/lib/gridengine SGE_CELL=default timeout 5 qconf -ke all >/dev/null 2>&1 || true
    SGE_ROOT=/var/lib/gridengine SGE_CELL=default timeout 5 qconf -km >/dev/null 2>&1 || true
  fi
  stop sge_execd "$SGE_DIR"/execd/*/execd.pid
  stop sge_qmaster "$SGE_DIR/qmaster/qmaster.pid"
fi
exit 0
