"""Add a station: a dialog that searches the directory as the listener types.

Built with the LibraryController. The text field hands every change to
`library.search(text)` (the controller waits for a pause in the typing and searches off
the UI thread); the results come back in `library.results` and show as a RecycleView
of plain dicts (`result_rows`): the name, then country, state, codec and bitrate, and
tags, all escaped (directory text is untrusted), after the station's icon (its favicon,
fetched by `library.favicons`) or, while it has none or it does not load, its initials.
Up/Down choose a result, Enter adds it (as does its Add button), Esc closes. A result
already in On Air Stations reads "Added".
"""

from __future__ import annotations

from importlib.resources import files

from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView
from kivy.uix.recycleview.views import RecycleDataViewBehavior
from kivy.uix.textinput import TextInput

from library.model import DirectoryStation
from ui.clipping import ClippedRecycleView
from ui.markup import escape

_KV = str(files("ui") / "search_dialog.kv")
ESC, ENTER, KP_ENTER, UP, DOWN = 27, 13, 271, 273, 274
MAX_QUERY_CHARS = 200


def result_detail(record: DirectoryStation) -> str:
    """'US · Missouri · MP3 128 kbps · news, talk' (plain text)."""
    sound = " ".join(p for p in (record.codec.upper(),
                                 f"{record.bitrate} kbps" if record.bitrate else "") if p)
    parts = (record.country, record.state, sound, ", ".join(record.tags))
    return " · ".join(p for p in parts if p)


def result_rows(records: list[DirectoryStation], selected: int, added: list[bool],
                icons: dict[str, str] | None = None) -> list[dict]:
    """The RecycleView rows of the results (escaped text, the icon's local file or "",
    selection and added flags)."""
    icons = icons or {}
    return [{"index": i, "name": escape(r.name), "detail": escape(result_detail(r)),
             "initials": escape(r.name[:4]), "icon": icons.get(r.id, ""),
             "selected": i == selected, "added": added[i]} for i, r in enumerate(records)]


class ResultRow(RecycleDataViewBehavior, ButtonBehavior, BoxLayout):
    """One result; a click chooses it, its button adds it."""

    index = NumericProperty(-1)
    name = StringProperty("")
    detail = StringProperty("")
    initials = StringProperty("")
    icon = StringProperty("")  # a local image file, "" for the initials
    selected = BooleanProperty(False)
    added = BooleanProperty(False)
    _list = None

    def refresh_view_attrs(self, rv, index: int, data: dict) -> None:
        self._list = rv
        super().refresh_view_attrs(rv, index, data)

    def on_release(self) -> None:
        if self._list is not None:
            self._list.dispatch("on_pick", self.index)

    def add(self) -> None:
        if self._list is not None:
            self._list.dispatch("on_add", self.index)


class ResultList(ClippedRecycleView):
    """The results RecycleView: `on_pick(index)` for a click, `on_add(index)` for Add."""

    __events__ = ("on_pick", "on_add")

    def on_pick(self, index: int) -> None:
        pass

    def on_add(self, index: int) -> None:
        pass


class QueryInput(TextInput):
    """The search field; the dialog's keys (Esc, Up/Down, Enter) go to `dialog` first."""

    dialog = ObjectProperty(None, allownone=True)

    def keyboard_on_key_down(self, window, keycode, text, modifiers):
        if self.dialog is not None and self.dialog.key(keycode[0]):
            return True
        return super().keyboard_on_key_down(window, keycode, text, modifiers)


class SearchDialog(ModalView):
    """`library`: LibraryController. `open()` shows it with the field focused."""

    library = ObjectProperty(None)
    selected = NumericProperty(-1)
    is_open = BooleanProperty(False)
    message = StringProperty("")
    notice = StringProperty("")
    failed = BooleanProperty(False)  # the directory could not be asked: the message says why

    def __init__(self, *, library, **kwargs) -> None:
        if _KV not in Builder.files:
            Builder.load_file(_KV)
        super().__init__(library=library, **kwargs)
        self._focus = Clock.create_trigger(self._focus_query, 0)
        library.bind(results=self._on_results, stations=self._refresh,
                     message=self.setter("message"), notice=self.setter("notice"),
                     status=lambda _lib, status: setattr(self, "failed", status == "unavailable"))
        library.favicons.bind(icons=self._refresh)
        self.ids.results.bind(on_pick=lambda _rv, i: self.choose(i),
                              on_add=lambda _rv, i: self.add(i))
        self.message, self.notice = library.message, library.notice
        self._refresh()

    # actions (one call each from kv and keys)
    def open_search(self) -> None:
        if not self.is_open:
            self.open(animation=False)
        self._focus()

    def on_open(self) -> None:
        self.is_open = True

    def on_dismiss(self) -> None:
        self.is_open = False
        self.ids.query.focus = False

    def search(self, text: str) -> None:
        self.library.search(text[:MAX_QUERY_CHARS])

    def choose(self, index: int) -> None:
        if 0 <= index < len(self.library.results):
            self.selected = index
            self._refresh()
            self._scroll_to(index)
        self._focus()

    def add(self, index: int | None = None) -> None:
        """Add the result at `index` (the chosen one when None) to On Air Stations."""
        index = self.selected if index is None else index
        if 0 <= index < len(self.library.results):
            self.selected = index
            self.library.add_result(self.library.results[index])
        elif self.library.query.strip():
            self.library.search_now()  # Enter before the results came: ask at once
        self._focus()

    def key(self, key: int) -> bool:
        """The dialog's own keys; True when taken."""
        if key == ESC:
            self.dismiss(animation=False)
        elif key == UP:
            self.choose(max(0, self.selected - 1))
        elif key == DOWN:
            self.choose(min(len(self.library.results) - 1, self.selected + 1))
        elif key in (ENTER, KP_ENTER):
            self.add()
        else:
            return False
        return True

    # bindings
    def _on_results(self, *_args) -> None:
        self.selected = 0 if self.library.results else -1
        self._refresh()
        self.ids.results.scroll_y = 1

    def _refresh(self, *_args) -> None:
        results = list(self.library.results)
        rows = result_rows(results, self.selected, [self.library.is_added(r) for r in results],
                           self.library.favicons.icons)
        if rows != self.ids.results.data:
            self.ids.results.data = rows

    def _scroll_to(self, index: int) -> None:
        rv = self.ids.results
        if rv.view_adapter.get_visible_view(index) is None and len(rv.data) > 1:
            rv.scroll_y = 1 - index / (len(rv.data) - 1)

    def _focus_query(self, _dt: float) -> None:
        if self.is_open:
            self.ids.query.focus = True
