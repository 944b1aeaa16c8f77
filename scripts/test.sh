#!/usr/bin/env bash
# Lint, then the whole suite under a virtual X screen (GUI tests need a real GL window).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check .
mkdir -p test-artifacts
exec xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python -m pytest "$@"
