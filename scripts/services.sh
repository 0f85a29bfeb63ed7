#!/usr/bin/env bash
# Starts the local PostgreSQL and Redis the tests use, when they are not running yet.
set -uo pipefail
pg_up() { (echo > /dev/tcp/127.0.0.1/5432) 2>/dev/null; }
redis_up() { (echo > /dev/tcp/127.0.0.1/6379) 2>/dev/null; }
if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "Starting PostgreSQL ..."
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  fi
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  pg_up || echo "warning: PostgreSQL is not reachable on 127.0.0.1:5432; its tests will fail" >&2
fi
if ! redis_up; then
  if command -v redis-server >/dev/null 2>&1; then
    echo "Starting Redis ..."
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no || true
  fi
  for _ in $(seq 1 10); do redis_up && break; sleep 1; done
  redis_up || echo "warning: Redis is not reachable on 127.0.0.1:6379; its tests will fail" >&2
fi
exit 0
