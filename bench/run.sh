#!/bin/sh
# Seed the benchmark database if it has no bench tenant yet, then run the benchmark and write bench/RESULTS.md.
# Usage: bench/run.sh [bench.run options…]   (DATABASE_URL defaults to the local samaki_bench database)
set -e
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
{ [ -x .venv/bin/gunicorn ] && .venv/bin/python -c "import requests" 2>/dev/null; } ||
    .venv/bin/pip install --quiet -e ".[prod,bench]"
# wrk drives the load; installed here like dev.py installs what the app needs from the system.
if ! command -v wrk >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq && apt-get install -y -qq wrk
    else
        echo "bench needs wrk: sudo apt-get install -y wrk" >&2; exit 1
    fi
fi
URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/samaki_bench}"
DB="${URL##*/}"
createdb -h 127.0.0.1 -U postgres "$DB" 2>/dev/null || true
if ! psql "$URL" -Atc "SELECT 1 FROM core_tenant WHERE slug = 'bench-large'" 2>/dev/null | grep -q 1; then
    .venv/bin/python -m bench.seed --database-url "$URL" --drop
fi
exec .venv/bin/python -m bench.run --database-url "$URL" "$@"
