#!/usr/bin/env bash
# Set up everything the tests need on a fresh Debian/Ubuntu machine with Python 3.11+:
# a virtualenv in .venv with the pinned packages, the project installed in editable mode,
# and Debian's Chromium for the browser tests (Playwright's own download is not used).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -r requirements-dev.txt
.venv/bin/python -m pip install --quiet --no-deps -e .

if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
echo "setup done: $(.venv/bin/python --version), chromium at $(command -v chromium || echo /usr/bin/chromium)"
