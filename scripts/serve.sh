#!/usr/bin/env bash
# Start ConvScope on http://localhost:8000, installing its runtime dependencies on first use.
# ./scripts/serve.sh --production [--port P]: the production server (app/production.py).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e .
if [ "${1:-}" = "--production" ]; then
    # CONVSCOPE_WORKERS processes, proxy headers, connection limits: see app/production.py.
    shift
    exec .venv/bin/python -m app.production "$@"
fi
exec .venv/bin/python -m uvicorn app.main:app --host "${HOST:-0.0.0.0}" --port "${PORT:-8000}" "$@"
