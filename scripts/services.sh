#!/usr/bin/env bash
# Starts a local service the tests need, if it is installed here and not running.
# Usage: bash scripts/services.sh postgres
set -uo pipefail

start_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    return 0
  fi
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    for _ in $(seq 1 30); do
      pg_isready -q -h 127.0.0.1 -p 5432 && return 0
      sleep 1
    done
  fi
  echo "PostgreSQL is not reachable on 127.0.0.1:5432; the PostgreSQL tests will fail." >&2
  return 0
}

case "${1:-}" in
  postgres) start_postgres ;;
  *) echo "usage: $0 postgres" >&2; exit 2 ;;
esac
