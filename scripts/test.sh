#!/usr/bin/env bash
# Install everything the tests need (the torch oracle, Chromium for the browser tests, Node for the
# JavaScript checks), then run the linters, the type checker and the whole test suite. Extra
# arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages, with sudo when not root.
install_debian() {
    local SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
if ! command -v chromium >/dev/null 2>&1; then
    echo "Installing Debian's chromium for the browser tests" >&2
    install_debian chromium fonts-noto-cjk
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "Installing Debian's nodejs and npm for the JavaScript checks" >&2
    install_debian nodejs npm
fi
# Biome, at the version package-lock.json pins; again only when the lock has changed since.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
fi
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
# static/js: lint (functions at most 80 lines: Biome counts the body, 78) and formatting, or fail.
npx biome ci static/js
.venv/bin/python -m pytest "$@"
