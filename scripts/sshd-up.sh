#!/usr/bin/env bash
# sshd-up.sh [STATE_DIR]  (default: /tmp/drover-sshd)
#
# Brings up a REAL OpenSSH server on 127.0.0.1 (a free port) for drover's SSH
# tests, and prints the environment a caller needs:
#
#   eval "$(scripts/sshd-up.sh)"
#   ssh -F none -i "$DROVER_TEST_SSH_KEY" -o UserKnownHostsFile="$DROVER_TEST_SSH_KNOWN_HOSTS" \
#       -p "$DROVER_TEST_SSH_PORT" "$DROVER_TEST_SSH_USER@$DROVER_TEST_SSH_HOST" true
#
# What it does (idempotent: if the sshd from STATE_DIR is alive it only prints):
#   1. installs openssh-server and openssh-client from Debian if missing
#   2. makes an ed25519 host key and user key (no passphrase) in STATE_DIR and
#      authorizes the user key for root (~root/.ssh/authorized_keys, once; the
#      server also reads STATE_DIR/authorized_keys)
#   3. writes STATE_DIR/sshd_config: 127.0.0.1 only, key auth only, root allowed
#      (prohibit-password), no PAM, sftp subsystem, many parallel sessions; if a
#      Slurm config is known (SLURM_CONF, else /tmp/drover-slurm/slurm.conf if it
#      exists) sessions get SLURM_CONF set via SetEnv
#   4. starts /usr/sbin/sshd -f STATE_DIR/sshd_config (daemonized, log in
#      STATE_DIR/sshd.log), writes STATE_DIR/known_hosts for [127.0.0.1]:PORT and
#      checks a real login
#
# Only the export lines go to stdout; progress and errors go to stderr.
# Stop with scripts/cluster-down.sh.
set -euo pipefail

STATE_DIR=${1:-/tmp/drover-sshd}
HOST=127.0.0.1
USER_NAME=root

log() { printf 'sshd-up: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root"

mkdir -p "$STATE_DIR"
chmod 700 "$STATE_DIR"
STATE_DIR=$(cd "$STATE_DIR" && pwd -P)
CONFIG="$STATE_DIR/sshd_config"
PIDFILE="$STATE_DIR/sshd.pid"
PORTFILE="$STATE_DIR/port"
KEY="$STATE_DIR/id_ed25519"
HOSTKEY="$STATE_DIR/ssh_host_ed25519_key"
KNOWN="$STATE_DIR/known_hosts"

# Serialize concurrent callers on the same STATE_DIR.
exec 9>"$STATE_DIR/.lock"
flock -w 120 9 || die "could not lock $STATE_DIR/.lock"

print_exports() {
  printf 'export DROVER_TEST_SSH_HOST=%q\n' "$HOST"
  printf 'export DROVER_TEST_SSH_PORT=%q\n' "$(cat "$PORTFILE")"
  printf 'export DROVER_TEST_SSH_USER=%q\n' "$USER_NAME"
  printf 'export DROVER_TEST_SSH_KEY=%q\n' "$KEY"
  printf 'export DROVER_TEST_SSH_KNOWN_HOSTS=%q\n' "$KNOWN"
}

sshd_alive() {
  local pid
  [ -s "$PIDFILE" ] || return 1
  pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] && [ -d "/proc/$pid" ] || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sshd ] || return 1
  ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null || return 1 # zombie
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$CONFIG"
}

if sshd_alive && [ -s "$PORTFILE" ] && [ -s "$KEY" ] && [ -s "$KNOWN" ]; then
  log "sshd already running on $HOST:$(cat "$PORTFILE") (pid $(cat "$PIDFILE"))"
  print_exports
  exit 0
fi

# --- 1. packages ---------------------------------------------------------------
apt_install() {
  local pkgs=("$@") made_policy=0 rc=0
  export DEBIAN_FRONTEND=noninteractive
  # Keep package postinst scripts from starting a system-wide sshd on port 22.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
  fi
  local apt=(apt-get -y -q -o DPkg::Lock::Timeout=300 --no-install-recommends)
  if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
    apt-get -q -o DPkg::Lock::Timeout=300 update >&2 || rc=$?
  fi
  if ! "${apt[@]}" install "${pkgs[@]}" >&2; then
    apt-get -q -o DPkg::Lock::Timeout=300 update >&2 && "${apt[@]}" install "${pkgs[@]}" >&2 || rc=$?
  fi
  if [ "$made_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
  return "$rc"
}

if [ ! -x /usr/sbin/sshd ] || ! command -v ssh >/dev/null || ! command -v ssh-keygen >/dev/null; then
  log "installing openssh-server openssh-client"
  apt_install openssh-server openssh-client || die "apt-get install failed"
fi

# --- 2. keys -------------------------------------------------------------------
if [ ! -s "$HOSTKEY" ]; then
  rm -f "$HOSTKEY" "$HOSTKEY.pub"
  ssh-keygen -q -t ed25519 -N '' -C "drover-test-host" -f "$HOSTKEY" </dev/null >&2
fi
if [ ! -s "$KEY" ]; then
  rm -f "$KEY" "$KEY.pub"
  ssh-keygen -q -t ed25519 -N '' -C "drover-test-user" -f "$KEY" </dev/null >&2
fi
chmod 600 "$HOSTKEY" "$KEY"
cp "$KEY.pub" "$STATE_DIR/authorized_keys"
chmod 600 "$STATE_DIR/authorized_keys"

home=$(getent passwd "$USER_NAME" | cut -d: -f6)
[ -n "$home" ] || die "no home directory for $USER_NAME"
install -d -m 700 "$home/.ssh"
touch "$home/.ssh/authorized_keys"
chmod 600 "$home/.ssh/authorized_keys"
pub=$(cat "$KEY.pub")
if ! grep -qxF -- "$pub" "$home/.ssh/authorized_keys"; then
  # Make sure we start on a new line, then append once.
  if [ -s "$home/.ssh/authorized_keys" ] && [ -n "$(tail -c1 "$home/.ssh/authorized_keys")" ]; then
    echo >>"$home/.ssh/authorized_keys"
  fi
  printf '%s\n' "$pub" >>"$home/.ssh/authorized_keys"
fi

# --- 3. config -----------------------------------------------------------------
slurm_conf=${SLURM_CONF:-}
if [ -z "$slurm_conf" ] && [ -f /tmp/drover-slurm/slurm.conf ]; then
  slurm_conf=/tmp/drover-slurm/slurm.conf
fi

port_free() { ! (: <"/dev/tcp/$HOST/$1") 2>/dev/null; }

pick_port() {
  local p
  for _ in $(seq 1 100); do
    p=$((20000 + RANDOM % 30000))
    if port_free "$p"; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

write_config() {
  cat >"$CONFIG" <<EOF
# Generated by drover scripts/sshd-up.sh -- throwaway test sshd on loopback.
ListenAddress $HOST
Port $1
AddressFamily inet
HostKey $HOSTKEY
PidFile $PIDFILE
AuthorizedKeysFile .ssh/authorized_keys $STATE_DIR/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
AllowTcpForwarding yes
AllowAgentForwarding no
PermitUserEnvironment no
AcceptEnv LANG LC_* SLURM_* DROVER_*
MaxSessions 100
MaxStartups 100:30:200
MaxAuthTries 10
LoginGraceTime 30
ClientAliveInterval 0
LogLevel INFO
Subsystem sftp internal-sftp
EOF
  if [ -n "$slurm_conf" ]; then
    printf 'SetEnv SLURM_CONF=%s\n' "$slurm_conf" >>"$CONFIG"
  fi
}

# --- 4. start and verify -------------------------------------------------------
install -d -m 755 /run/sshd
# An sshd of ours that is alive but whose state files went missing: replace it.
if sshd_alive; then
  kill -TERM "$(cat "$PIDFILE")" 2>/dev/null || true
  for _ in $(seq 1 30); do sshd_alive || break; sleep 0.1; done
fi
started=0
for attempt in 1 2 3 4 5; do
  port=$(pick_port) || die "no free port found"
  write_config "$port"
  /usr/sbin/sshd -t -f "$CONFIG" || die "sshd -t rejected $CONFIG"
  rm -f "$PIDFILE"
  if /usr/sbin/sshd -f "$CONFIG" -E "$STATE_DIR/sshd.log" </dev/null >>"$STATE_DIR/sshd.out" 2>&1 9>&-; then
    for _ in $(seq 1 50); do
      [ -s "$PIDFILE" ] && ! port_free "$port" && break
      sleep 0.1
    done
    if sshd_alive && ! port_free "$port"; then
      started=1
      break
    fi
  fi
  log "sshd did not come up on port $port (attempt $attempt); retrying"
done
[ "$started" = 1 ] || die "sshd failed to start (see $STATE_DIR/sshd.log)"
echo "$port" >"$PORTFILE"

printf '[%s]:%s %s\n' "$HOST" "$port" "$(cut -d' ' -f1,2 "$HOSTKEY.pub")" >"$KNOWN"

if ! ssh -F none -i "$KEY" -o UserKnownHostsFile="$KNOWN" -o GlobalKnownHostsFile=/dev/null \
  -o StrictHostKeyChecking=yes -o BatchMode=yes -o IdentitiesOnly=yes -o ConnectTimeout=5 \
  -p "$port" "$USER_NAME@$HOST" true </dev/null >&2; then
  tail -n 20 "$STATE_DIR/sshd.log" >&2 || true
  die "ssh login check failed"
fi
log "sshd running on $HOST:$port (pid $(cat "$PIDFILE"))"
print_exports
