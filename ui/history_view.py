"""History: what was listened to (programs, from-to) and the stream titles heard, newest
first, each row with a Copy button that puts the row's text on the clipboard.

Built with the HistoryRecorder (desktop.history_recorder): the view binds to its `history`
and shows `History.rows()` as a RecycleView of plain dicts. Rows are plain text (no markup:
stream titles are remote text). Copy goes through Kivy's Clipboard (xclip or xsel on X11);
the line under the list says what was copied. Esc or Close closes it.
"""

from __future__ import annotations

from importlib.resources import files

from kivy.core.clipboard import Clipboard
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView
from kivy.uix.recycleview.views import RecycleDataViewBehavior

from desktop.history import History
from ui.clipping import ClippedRecycleView

_KV = str(files("ui") / "history_view.kv")
ESC = 27
MAX_ROWS = 500  # the newest; the file keeps more (`onair history` lists them all)
NOTICE_LIMIT = 80


def history_rows(history: History, limit: int = MAX_ROWS) -> list[dict]:
    """The RecycleView rows: the row's text and its index."""
    return [{"index": i, "text": row.text} for i, row in enumerate(history.rows()[:limit])]


class HistoryRow(RecycleDataViewBehavior, BoxLayout):
    """One line of the history and its Copy button."""

    index = NumericProperty(-1)
    text = StringProperty("")
    _list = None

    def refresh_view_attrs(self, rv, index: int, data: dict) -> None:
        self._list = rv
        super().refresh_view_attrs(rv, index, data)

    def copy(self) -> None:
        if self._list is not None:
            self._list.dispatch("on_copy", self.index)


class HistoryList(ClippedRecycleView):
    """The rows; `on_copy(index)` when a row's Copy is pressed."""

    __events__ = ("on_copy",)

    def on_copy(self, index: int) -> None:
        pass


class HistoryView(ModalView):
    """`history`: the HistoryRecorder (its `history` property is listed)."""

    history = ObjectProperty(None)
    is_open = BooleanProperty(False)
    notice = StringProperty("")
    empty = BooleanProperty(True)

    def __init__(self, *, history, **kwargs) -> None:
        if _KV not in Builder.files:
            Builder.load_file(_KV)
        super().__init__(history=history, **kwargs)
        history.bind(history=self._refresh)
        self.ids.rows.bind(on_copy=lambda _rv, i: self.copy(i))
        self._refresh()

    def open_history(self) -> None:
        if not self.is_open:
            self.notice = ""
            self.open(animation=False)

    def on_open(self) -> None:
        self.is_open = True

    def on_dismiss(self) -> None:
        self.is_open = False

    def copy(self, index: int) -> None:
        """The row's text to the clipboard."""
        rows = self.ids.rows.data
        if 0 <= index < len(rows):
            text = rows[index]["text"]
            Clipboard.copy(text)
            short = text if len(text) <= NOTICE_LIMIT else text[:NOTICE_LIMIT - 1] + "…"
            self.notice = f"Copied: {short}"

    def key(self, key: int) -> bool:
        """The view's own keys; True when taken (every key while it is open)."""
        if key == ESC:
            self.dismiss(animation=False)
        return True

    def _refresh(self, *_args) -> None:
        rows = history_rows(self.history.history)
        if rows != self.ids.rows.data:
            self.ids.rows.data = rows
        self.empty = not rows
