#!/usr/bin/env bash
# Installs Dovecot's IMAP server (Debian's dovecot-imapd) for the IMAP tests and benchmark, if it
# is missing. The tests start their own private Dovecot on a loopback port from a temporary
# configuration; this script only installs the binaries and leaves the system service stopped.
# Usage: bash scripts/dovecot.sh
set -euo pipefail

if command -v dovecot >/dev/null 2>&1 && command -v doveadm >/dev/null 2>&1; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "dovecot.sh: apt-get not found; install Dovecot (imapd) with your package manager." >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq dovecot-imapd >/dev/null
# The package may start the system service; the tests do not need it.
if command -v service >/dev/null 2>&1; then
  $SUDO service dovecot stop >/dev/null 2>&1 || true
fi
dovecot --version
