"""The settings view: notifications, autoplay, theme, font size, the catch-up buffer and the
recordings folder, in a dialog (the gear button at the bottom right, or Ctrl+,).

It shows the settings (infra.settings) and the autoplay pref (ui.prefs) as a form
(ui.settings_form), and Save hands the form's settings to `save(settings, autoplay)` (the
app: it writes both atomically and applies the theme and font size at once), which answers
"" or what went wrong. A bad value is refused with a one-line message under the form, and
nothing is saved; what was typed stays for the listener to correct. Cancel or Esc close
without saving. Tab moves through every control (ui.focus), Enter activates.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.modalview import ModalView

from infra.settings import Settings
from ui.settings_form import Form, FormError, form_for, settings_from

_KV = str(files("ui") / "settings_view.kv")


def percent(scale: float) -> str:
    return f"{round(scale * 100)}%"


class SettingsView(ModalView):
    """`save(settings, autoplay) -> error` ("" when saved); `open_with(settings, autoplay)`."""

    notifications = BooleanProperty(True)
    autoplay = BooleanProperty(False)
    theme_choice = StringProperty("system")
    font_scale = NumericProperty(1.0)
    message = StringProperty("")  # the last refusal, "" when none
    is_open = BooleanProperty(False)

    def __init__(self, *, save: Callable[[Settings, bool], str], default_recordings: Path,
                 **kwargs) -> None:
        if _KV not in Builder.files:
            Builder.load_file(_KV)
        self._save = save
        self._default_recordings = default_recordings
        self._settings = Settings()
        super().__init__(**kwargs)

    def open_with(self, settings: Settings, autoplay: bool) -> None:
        """Show these settings (anything typed before and not saved is dropped)."""
        self._settings = settings
        form = form_for(settings, autoplay, self._default_recordings)
        self.notifications, self.autoplay = form.notifications, form.autoplay
        self.theme_choice, self.font_scale = form.theme, form.font_scale
        self.ids.buffer_minutes.text = form.buffer_minutes
        self.ids.buffer_mb.text = form.buffer_mb
        self.ids.recordings_dir.text = form.recordings_dir
        self.message = ""
        self.open(animation=False)

    def on_open(self) -> None:
        self.is_open = True

    def on_dismiss(self) -> None:
        self.is_open = False

    def typing(self) -> bool:
        """A text field has the caret (its keys are its own)."""
        return any(self.ids[name].focus for name in ("buffer_minutes", "buffer_mb",
                                                     "recordings_dir"))

    def form(self) -> Form:
        ids = self.ids
        return Form(notifications=self.notifications, autoplay=self.autoplay,
                    buffer_minutes=ids.buffer_minutes.text, buffer_mb=ids.buffer_mb.text,
                    recordings_dir=ids.recordings_dir.text, theme=self.theme_choice,
                    font_scale=self.font_scale)

    def save(self) -> None:
        """Save and close, or say what is wrong and stay open."""
        try:
            settings = settings_from(self.form(), self._settings, self._default_recordings)
        except FormError as err:
            self.message = str(err)
            return
        problem = self._save(settings, self.autoplay)
        if problem:
            self.message = problem
            return
        self._settings = settings
        self.message = ""
        self.dismiss(animation=False)
