"""Where On Air keeps files: config, cache and state dirs, and atomic writes.

Every path comes from platformdirs, overridable by ONAIR_CONFIG_DIR and
ONAIR_CACHE_DIR (ONAIR_STATE_DIR for the state dir; it defaults to the config
dir when ONAIR_CONFIG_DIR is set, so tests stay inside one temp folder).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP = "onair"
REPO_ROOT = Path(__file__).resolve().parent.parent
ASSETS_DIR = REPO_ROOT / "assets"


@dataclass(frozen=True)
class Paths:
    config_dir: Path
    cache_dir: Path
    state_dir: Path

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Paths:
        env = os.environ if env is None else env
        config = env.get("ONAIR_CONFIG_DIR") or platformdirs.user_config_dir(APP)
        cache = env.get("ONAIR_CACHE_DIR") or platformdirs.user_cache_dir(APP)
        state = env.get("ONAIR_STATE_DIR") or (
            env.get("ONAIR_CONFIG_DIR") or platformdirs.user_state_dir(APP)
        )
        return cls(Path(config), Path(cache), Path(state))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that a crash leaves either the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))
