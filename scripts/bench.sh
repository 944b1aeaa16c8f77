#!/usr/bin/env bash
# Every benchmark under bench/, each printing one JSON document.
set -euo pipefail
cd "$(dirname "$0")/.."
for b in bench/*.py; do
  echo "== $b" >&2
  xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python "$b"
done
