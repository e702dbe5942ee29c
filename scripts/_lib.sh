#!/usr/bin/env bash
# Shared helpers of scripts/*-up.sh (sourced, not run).

# apt_install PKG...: installs Debian packages quietly, updating the lists once if needed,
# without letting their postinst scripts start system-wide services.
apt_install() {
  local pkgs=("$@") made_policy=0 rc=0
  export DEBIAN_FRONTEND=noninteractive
  # Keep package postinst scripts from starting system-wide daemons (sshd on port 22, slurmctld...).
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
