#!/usr/bin/env bash
# Every benchmark under bench/, each printing one JSON document. bench/compare.py (this
# checkout against an older commit) takes the commit: `bench/compare.py REV [NAMES...]`.
set -euo pipefail
cd "$(dirname "$0")/.."
for b in bench/*.py; do
  [ "$b" = bench/compare.py ] && continue
  echo "== $b" >&2
  xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python "$b"
done
