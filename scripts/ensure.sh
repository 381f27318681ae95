#!/bin/sh
# Installs dependencies when they are missing or stale, then compiles. Safe to run on a fresh clone.
set -e
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
npx --no-install tsc -p tsconfig.json
