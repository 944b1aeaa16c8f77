"""Where On Air keeps files: config, cache and state dirs, and atomic, locked writes.

Every path comes from platformdirs, overridable by ONAIR_CONFIG_DIR and
ONAIR_CACHE_DIR (ONAIR_STATE_DIR for the state dir; it defaults to the config
dir when ONAIR_CONFIG_DIR is set, so tests stay inside one temp folder). Recordings go
to the music dir's "On Air" folder, or ONAIR_RECORDINGS_DIR (config dir/recordings when
only ONAIR_CONFIG_DIR is set); the listener's setting (infra.settings) overrides both.

The shipped data (the repo's assets/ folder) is the package `onair_assets`: pyproject's
package-dir maps it to assets/, so a wheel carries it into site-packages and an editable
install's finder points it at the repo. `asset()` finds a file in it by importlib.resources.

Every atomic write holds the file's lock (infra.file_lock), so a write never lands in the
middle of another process's read-modify-write of the same file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import platformdirs

from infra.file_lock import locked

APP = "onair"
ASSETS_PACKAGE = "onair_assets"
_SOURCE_ASSETS = Path(__file__).resolve().parent.parent / "assets"


def asset(relative: str) -> Path:
    """The shipped file at `relative` ("stations.json", "logos/kcur.png"; "/"-separated),
    from the installed `onair_assets` package; from the source tree's assets/ when that
    package is not installed (`python main.py` in a checkout never pip-installed)."""
    try:
        root = resources.files(ASSETS_PACKAGE)
    except (ModuleNotFoundError, NotADirectoryError):
        # NotADirectoryError: Python 3.11 under the editable install, whose finder puts a
        # placeholder that is no folder in the namespace package's __path__; that install
        # maps the package to this same source assets/ folder.
        return _SOURCE_ASSETS / relative
    # assets/ has no __init__.py, so `root` is a MultiplexedPath; a file in it is a Path.
    return Path(str(root.joinpath(relative)))


@dataclass(frozen=True)
class Paths:
    config_dir: Path
    cache_dir: Path
    state_dir: Path
    recordings_dir: Path | None = None  # None: config_dir / "recordings"

    def __post_init__(self) -> None:
        if self.recordings_dir is None:
            object.__setattr__(self, "recordings_dir", self.config_dir / "recordings")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Paths:
        env = os.environ if env is None else env
        config = env.get("ONAIR_CONFIG_DIR") or platformdirs.user_config_dir(APP)
        cache = env.get("ONAIR_CACHE_DIR") or platformdirs.user_cache_dir(APP)
        state = env.get("ONAIR_STATE_DIR") or (
            env.get("ONAIR_CONFIG_DIR") or platformdirs.user_state_dir(APP)
        )
        recordings = env.get("ONAIR_RECORDINGS_DIR") or (
            None if env.get("ONAIR_CONFIG_DIR")
            else Path(platformdirs.user_music_dir()) / "On Air"
        )
        return cls(Path(config), Path(cache), Path(state),
                   Path(recordings) if recordings else None)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that a crash leaves either the old or the new file, under
    the file's lock (infra.file_lock; re-entrant: a caller may hold it around a change)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with locked(path):
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
