"""The listener's settings (the settings view): notifications, the catch-up buffer, the
recordings folder, the theme and the font scale.

A small JSON file in the config dir (`settings.json`), an infra.state_file.StateFile:
written atomically under its lock; a missing file gives the defaults, one that is not a
settings object is moved aside (`settings.json.corrupt-<UTC time>`) and gives the defaults,
and a bad field gives the default for that field alone (said once in the log). Loading
never raises. Autoplay stays in the UI's prefs (ui.prefs),
where it has always been; the settings view edits both.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from infra.paths import Paths
from infra.state_file import StateFile

log = logging.getLogger(__name__)

FILE_NAME = "settings.json"
THEMES = ("system", "light", "dark")  # system: the XDG portal's color-scheme, dark otherwise
BUFFER_MINUTES = (15, 240)  # the allowed range of the catch-up buffer's span
BUFFER_MB = (20, 2000)  # the allowed range of its disk cap
FONT_SCALE = (0.8, 2.0)


@dataclass(frozen=True)
class Settings:
    notifications: bool = True  # a notification when the program changes while playing
    newscast_offer: bool = True  # before the top of the hour: "Play the newscast"
    buffer_minutes: int = 120  # catch-up keeps this much of the live station
    buffer_mb: int = 200  # and at most this much disk
    recordings_dir: str = ""  # "" = Paths.recordings_dir
    theme: str = "system"
    font_scale: float = 1.0

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)

    def recordings_folder(self, paths: Paths) -> Path:
        """Where recordings go: this setting, else the paths' default."""
        if self.recordings_dir:
            return Path(self.recordings_dir).expanduser()
        return paths.recordings_dir


def _valid(name: str, value: object) -> bool:
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if name in ("notifications", "newscast_offer"):
        return isinstance(value, bool)
    if name in ("buffer_minutes", "buffer_mb"):
        low, high = BUFFER_MINUTES if name == "buffer_minutes" else BUFFER_MB
        return number and float(value).is_integer() and low <= value <= high
    if name == "recordings_dir":
        return isinstance(value, str) and len(value) < 4096 and "\0" not in value
    if name == "theme":
        return value in THEMES
    if name == "font_scale":
        return number and FONT_SCALE[0] <= value <= FONT_SCALE[1]
    return False


def _parse(raw: object, path: Path) -> Settings:
    """The good fields of a settings object; the default for each bad one (logged)."""
    if not isinstance(raw, dict):
        raise ValueError("not a JSON object")
    good: dict[str, object] = {}
    for f in fields(Settings):
        if f.name not in raw:
            continue
        value = raw[f.name]
        if _valid(f.name, value):
            good[f.name] = int(value) if f.name in ("buffer_minutes", "buffer_mb") else value
        else:
            log.warning("%s: %s=%r is not valid; using the default", path, f.name, value)
    return Settings(**good)


def settings_file(config_dir: Path) -> StateFile[Settings]:
    path = config_dir / FILE_NAME
    return StateFile(path, parse=lambda raw: _parse(raw, path), default=Settings,
                     serialize=asdict, indent=2, ascii_only=True, log=log)


def load_settings(config_dir: Path) -> Settings:
    """The settings in `config_dir`, defaults for anything missing or bad."""
    return settings_file(config_dir).load()


def save_settings(config_dir: Path, settings: Settings) -> None:
    """Write `settings` atomically (raises OSError when the folder can't be written)."""
    settings_file(config_dir).save(settings)
