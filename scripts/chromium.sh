#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests if it is missing (needs root).
# The tests drive /usr/bin/chromium through Playwright; no browser is ever downloaded.
# Usage: bash scripts/chromium.sh
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "chromium is missing and this is not root: install Debian's chromium package" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
/usr/bin/chromium --version
