#!/usr/bin/env bash
# Installs what the project needs to build and run: npm packages (and the build), and Debian's
# busybox-static for the locally built images (unless a busybox image can be pulled instead).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> npm ci"
  npm ci --no-audit --no-fund
elif [ ! -f dist/ecsctl/src/main.js ]; then
  npm run build
fi

if ! command -v busybox >/dev/null 2>&1 && [ ! -x /bin/busybox ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> apt-get install busybox-static"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends busybox-static >/dev/null
  else
    echo "note: busybox is not installed; images will be built from a pulled 'busybox' image instead" >&2
  fi
fi

if ! docker info >/dev/null 2>&1; then
  echo "error: no Docker engine is reachable (is dockerd running, and may this user use /var/run/docker.sock?)" >&2
  exit 1
fi
