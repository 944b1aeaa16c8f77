"""An older commit of this repository checked out beside it, for benchmarks that run the
old code and the new side by side (a git worktree: its code only; it runs in this venv)."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def checkout(rev: str) -> Iterator[Path]:
    """The tree of `rev` in a temporary worktree, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="onair-rev-") as folder:
        path = Path(folder) / rev
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-f", str(path),
                        rev], check=True, capture_output=True)
        try:
            yield path
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(path)],
                           capture_output=True)
