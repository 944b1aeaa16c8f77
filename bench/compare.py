"""Run benchmarks of this checkout and of an older commit side by side, in one run.

Prints one JSON document: for each benchmark script named, its JSON from the older
commit (a git worktree, its own code and its own copy of the script) and from this
checkout, run one after the other, alternating, `--rounds` times, so the shared
machine's noise falls on both alike. A script the older commit does not have is run
for this checkout only.

    xvfb-run -a python bench/compare.py REV [--rounds 1] [switch_latency responsiveness ...]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.checkout import checkout  # noqa: E402

DEFAULT = ["switch_latency", "responsiveness"]


def run(repo: Path, name: str) -> dict | str:
    script = repo / "bench" / f"{name}.py"
    if not script.exists():
        return "not in this commit"
    done = subprocess.run([sys.executable, str(script)], cwd=repo, capture_output=True,
                          text=True, timeout=3600)
    try:
        return json.loads(done.stdout)
    except ValueError:
        return f"failed ({done.returncode}): {done.stderr.strip()[-400:]}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("rev")
    parser.add_argument("benches", nargs="*", default=DEFAULT)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    report: dict = {"bench": "compare", "old": args.rev}
    with checkout(args.rev) as old:
        for name in args.benches:
            runs: dict[str, list] = {"old": [], "new": []}
            for _ in range(args.rounds):
                runs["old"].append(run(old, name))
                runs["new"].append(run(ROOT, name))
            report[name] = {k: v[0] if args.rounds == 1 else v for k, v in runs.items()}
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
