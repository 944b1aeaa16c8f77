#!/usr/bin/env bash
# Lint, then the suite under a virtual X screen (GUI tests need a real GL window).
#
# Without arguments, each test package runs in its own pytest process, one after the
# other: in one process, the real players, readers and buses earlier packages' tests
# leave running slowed later timing-sensitive tests (seen in a full run: `onair play`
# exits after SIGINT and mirror order under a busy task lane). Every package still runs;
# the run fails if any of them fails. With arguments, one pytest run with those.
set -uo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check . || exit 1
mkdir -p test-artifacts
run() { xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python -m pytest "$@"; }
if [ "$#" -gt 0 ]; then
    run "$@"
    exit $?
fi
status=0
for part in tests/desktop tests/infra tests/library tests/news tests/player tests/recording \
            tests/schedule tests/ui "tests/test_*.py"; do
    echo "== $part"
    # shellcheck disable=SC2086 - the last part is a glob
    run $part || status=1
done
exit $status
