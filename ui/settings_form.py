"""The settings view's form as plain values: what it shows for the settings, and the settings
it gives back, or a one-line error naming the field (pure, no toolkit).

Text fields arrive as typed; a bad value is refused whole (`FormError`): nothing is saved
and nothing the listener typed is lost, so they can correct it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from infra.settings import BUFFER_MB, BUFFER_MINUTES, FONT_SCALE, THEMES, Settings

FONT_SCALES = (0.8, 1.0, 1.25, 1.5, 1.75, 2.0)  # the view's choices, within FONT_SCALE
assert all(FONT_SCALE[0] <= s <= FONT_SCALE[1] for s in FONT_SCALES)


class FormError(ValueError):
    """A value the settings cannot take: the message says which field and why."""


@dataclass(frozen=True)
class Form:
    """What the view shows and edits."""

    notifications: bool
    autoplay: bool
    buffer_minutes: str
    buffer_mb: str
    recordings_dir: str
    theme: str
    font_scale: float


def form_for(settings: Settings, autoplay: bool, default_recordings: Path) -> Form:
    """The form for these settings (an empty folder shows the default one)."""
    return Form(notifications=settings.notifications, autoplay=autoplay,
                buffer_minutes=str(settings.buffer_minutes), buffer_mb=str(settings.buffer_mb),
                recordings_dir=settings.recordings_dir or str(default_recordings),
                theme=settings.theme, font_scale=settings.font_scale)


def _whole(text: str, label: str, bounds: tuple[int, int]) -> int:
    low, high = bounds
    text = text.strip()
    if not text.isdigit() or not low <= int(text) <= high:
        raise FormError(f"{label}: {text or 'nothing'!r} is not a whole number "
                        f"from {low} to {high}")
    return int(text)


def _folder(text: str, default: Path) -> str:
    """"" for the default folder, else the folder as typed (~ allowed)."""
    text = text.strip()
    if not text or Path(text).expanduser() == default:
        return ""
    if "\0" in text or len(text) >= 4096:
        raise FormError("Recordings folder: not a usable path")
    path = Path(text).expanduser()
    if not path.is_absolute():
        raise FormError(f"Recordings folder: {text!r} is not a full path (start with / or ~)")
    if path.exists() and not path.is_dir():
        raise FormError(f"Recordings folder: {text!r} is a file, not a folder")
    return text


def settings_from(form: Form, base: Settings, default_recordings: Path) -> Settings:
    """The settings the form says (fields it does not show kept from `base`); FormError
    for the first bad field."""
    if form.theme not in THEMES:
        raise FormError(f"Theme: {form.theme!r} is not one of {', '.join(THEMES)}")
    if not FONT_SCALE[0] <= form.font_scale <= FONT_SCALE[1]:
        raise FormError(f"Font size: {form.font_scale:g} is outside "
                        f"{FONT_SCALE[0]:g} to {FONT_SCALE[1]:g}")
    return base.with_(
        notifications=form.notifications,
        buffer_minutes=_whole(form.buffer_minutes, "Catch-up buffer (minutes)", BUFFER_MINUTES),
        buffer_mb=_whole(form.buffer_mb, "Catch-up buffer (MB on disk)", BUFFER_MB),
        recordings_dir=_folder(form.recordings_dir, default_recordings),
        theme=form.theme, font_scale=float(form.font_scale))
