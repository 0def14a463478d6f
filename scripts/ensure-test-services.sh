#!/usr/bin/env bash
# Makes sure what the test command needs beyond npm is here: Debian's Chromium (the admin UI's
# browser tests) and the local Redis and PostgreSQL (the peers in the benchmark smoke run).
# Installs or starts what is missing when it can (as root on Debian); otherwise says what to do.
set -euo pipefail

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "ensure-test-services: installing Debian's chromium for the admin UI's browser tests"
    apt-get update -qq -o DPkg::Lock::Timeout=600 >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 chromium >/dev/null
  else
    echo "ensure-test-services: /usr/bin/chromium is missing; install Debian's chromium package" >&2
  fi
fi

if command -v redis-cli >/dev/null && ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && command -v redis-server >/dev/null; then
  echo "ensure-test-services: starting Redis on 127.0.0.1:6379"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
fi

if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 && command -v pg_ctlcluster >/dev/null; then
  echo "ensure-test-services: starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start || true
fi
