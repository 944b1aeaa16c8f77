"""What the window shows, as a small JSON file, for end-to-end tests (opt-in, tiny).

When `ONAIR_DEBUG_STATE_FILE` names a path, the app writes there (atomically,
at most once a second and only when something changed):
`{"station": id|null, "state": player state, "mode": "live"|"ondemand",
"drawn": bool (a frame is on screen), "window": {"visible": bool (not minimized,
unmapped or covered), "frames": frames drawn so far, "loop_fps": the event loop's rate},
"sections": {name: [visible label texts]}, "controls": {name: [x, y]}}` where controls
are a few enabled, visible buttons and their centres in window pixels from the top-left
corner (for `xdotool mousemove`). "window" comes from ui.visibility.WindowVisibility.
Sections (OnAirApp.visible_state): player_bar, stations, up_next, news, reader (while a
story is open), search (while the search dialog is open: its texts and result rows) and
notice (the help line, or the library's last edit and its Undo button).
The texts are read from the widgets' labels (what a listener can see: opacity > 0),
so a test checks the screen's words, not the controllers' fields. Off when unset.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from kivy.uix.label import Label
from kivy.uix.widget import Widget

from infra.paths import atomic_write_text

ENV = "ONAIR_DEBUG_STATE_FILE"


_TAG = re.compile(r"\[/?[a-z_]+(?:=[^\]]*)?\]")


def plain(markup: str) -> str:
    """What a markup label shows: tags dropped, entities back to characters."""
    text = _TAG.sub("", markup)
    return text.replace("&bl;", "[").replace("&br;", "]").replace("&amp;", "&")


def visible_texts(widget: Widget) -> list[str]:
    """Texts of the labels shown inside `widget`, top to bottom, skipping hidden ones."""
    out: list[str] = []

    def walk(w: Widget) -> None:
        if w.opacity <= 0 or getattr(w, "disabled", False) and w.opacity < 1:
            return
        if isinstance(w, Label) and w.text.strip():
            out.append(plain(w.text) if w.markup else w.text)
        for child in reversed(w.children):  # Kivy keeps children last-added first
            walk(child)

    walk(widget)
    return out


def centre_from_top_left(widget: Widget) -> list[int]:
    """The widget's centre in window pixels, measured from the top-left corner."""
    x, y = widget.to_window(*widget.center)
    window = widget.get_root_window()
    return [round(x), round(window.height - y)]


class DebugStateWriter:
    """Writes the visible state to `path` when it changed since the last write."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._last = ""

    @classmethod
    def from_env(cls) -> DebugStateWriter | None:
        value = os.environ.get(ENV)
        return cls(Path(value)) if value else None

    def write(self, state: dict) -> None:
        text = json.dumps(state, ensure_ascii=False, sort_keys=True)
        if text != self._last:
            atomic_write_text(self.path, text + "\n")
            self._last = text


def app_state(app) -> dict:
    """What OnAirApp shows (the JSON above): its sections' words and its controls."""
    station = app.player.station
    sections = {"player_bar": app.bar, "stations": app.stations,
                "up_next": app.up_next, "news": app.news_panel}
    texts = {name: visible_texts(w) for name, w in sections.items()}
    texts["reader"] = visible_texts(app.reader) if app.reader.is_open else []
    searching = app.search is not None and app.search.is_open
    texts["search"] = visible_texts(app.search) if searching else []
    history = app.history_view if app.history_view and app.history_view.is_open else None
    texts["history"] = visible_texts(history) if history is not None else []
    texts["notice"] = visible_texts(app.root.ids.help_line)
    dialog = app.sleep_alarm if app.sleep_alarm is not None and app.sleep_alarm.is_open \
        else None
    texts["sleep_alarm"] = visible_texts(dialog) if dialog is not None else []
    controls = {"play": app.bar.ids.play, "back_to_live": app.bar.ids.back_to_live,
                "seek": app.bar.ids.seek, "support": app.bar.ids.support,
                "to_live": app.bar.ids.to_live, "timeline": app.bar.ids.program_progress,
                "newscast_play": app.news_panel.ids.get("newscast_play"),
                "add_station": app.root.ids.add_station, "undo": app.root.ids.undo,
                "history": app.root.ids.get("history"),
                "sleep_alarm_open": app.bar.ids.get("sleep_alarm_open")}
    if dialog is not None:
        controls.update({f"sleep_alarm.{name}": w for name, w in dialog.ids.items()
                         if name.startswith(("sleep_", "alarm_")) or name == "close"})
    if history is not None:  # the newest row's Copy
        row = history.ids.rows.view_adapter.get_visible_view(0)
        controls["history_copy"] = row.ids.copy_row if row is not None else None
    return {"station": station.id if station is not None else None,
            "state": app.player.state, "mode": app.player.mode, "drawn": app._drawn,
            "window": app._visibility.state(),
            "look": app.look.state(),
            "sections": texts,
            "controls": {name: centre_from_top_left(w) for name, w in controls.items()
                         if w is not None and w.get_root_window() is not None
                         and w.opacity > 0 and not w.disabled}}
