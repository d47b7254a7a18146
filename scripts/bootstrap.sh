#!/usr/bin/env bash
# Installs everything vconsole and its lab need on a fresh Debian machine: system packages
# (Go and govmomi for vcsim, OpenSSH, ping, iproute2, Chromium) and the Python package in .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v go >/dev/null 2>&1 || need_apt+=(golang-go)
[ -d /usr/share/gocode/src/github.com/vmware/govmomi ] || need_apt+=(golang-github-vmware-govmomi-dev)
[ -x /usr/sbin/sshd ] || need_apt+=(openssh-server)
command -v ping >/dev/null 2>&1 || need_apt+=(iputils-ping)
command -v ip >/dev/null 2>&1 || need_apt+=(iproute2)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v tmux >/dev/null 2>&1 || need_apt+=(tmux)
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev]'
