"""On Air Stations: the catalogue as a RecycleView with logo, name, city and the program on now.

Rows are plain dicts (see `row_data`); what must survive recycling lives in
them. The selected station is outlined, the playing one lit in the accent
colour. One click switches to that station and plays it. The list reads the
player and the guide, and its only playback action is `player.play(station)`.

With a LibraryController (`library`) the list follows `library.stations`, and the
selected row offers Rename (inline: Enter keeps the new name, Esc drops it, as does
clicking elsewhere) and Remove (undone from the window's undo bar or Ctrl+Z); the keys
F2, Delete and Ctrl+Up/Down do the same through the app.
"""

from __future__ import annotations

from importlib.resources import files

from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.recycleview.views import RecycleDataViewBehavior
from kivy.uix.textinput import TextInput

from player.catalogue import logo_path
from player.states import ACTIVE
from player.stations import Station
from ui.clipping import ClippedRecycleView
from ui.markup import escape

_KV = str(files("ui") / "station_list.kv")
ESC, ENTER, KP_ENTER = 27, 13, 271
MAX_NAME_CHARS = 80  # as the catalogue allows


def row_data(station: Station, *, logo: str, on_now: str, selected: bool, playing: bool,
             problem: str = "", editable: bool = False, editing: bool = False,
             live: bool = False) -> dict:
    """The dict behind one row; `on_now` and `problem` are plain text (escaped here).
    `playing`: its stream is open or opening (the accent stripe); `live`: its live audio is
    heard (the LIVE badge; not while connecting, buffering or reconnecting)."""
    return {
        "station_id": station.id,
        "name": escape(station.name),
        "plain_name": station.name,
        "city": escape(station.city),
        "logo": logo,
        "initials": escape(station.name[:4]),
        "program": escape(on_now),
        "problem": escape(problem),
        "selected": selected,
        "playing": playing,
        "live": live,
        "editable": editable,
        "editing": editing,
    }


class RenameInput(TextInput):
    """The inline name field: Enter keeps the new name, Esc drops it (to `row`)."""

    row = ObjectProperty(None, allownone=True)

    def keyboard_on_key_down(self, window, keycode, text, modifiers):
        if self.row is not None and keycode[0] in (ESC, ENTER, KP_ENTER):
            self.row.finish_rename(keep=keycode[0] != ESC)
            return True
        return super().keyboard_on_key_down(window, keycode, text, modifiers)


class StationRow(RecycleDataViewBehavior, ButtonBehavior, BoxLayout):
    station_id = StringProperty("")
    name = StringProperty("")
    plain_name = StringProperty("")
    city = StringProperty("")
    logo = StringProperty("")
    initials = StringProperty("")
    program = StringProperty("")
    problem = StringProperty("")
    selected = BooleanProperty(False)
    playing = BooleanProperty(False)
    live = BooleanProperty(False)
    editable = BooleanProperty(False)
    editing = BooleanProperty(False)
    owner = ObjectProperty(None, allownone=True)

    def refresh_view_attrs(self, rv, index, data):
        self.owner = rv
        return super().refresh_view_attrs(rv, index, data)

    def on_release(self) -> None:
        if self.owner is not None and not self.editing:
            self.owner.pick(self.station_id)

    def on_editing(self, _row, editing: bool) -> None:
        field = self.ids.rename
        if editing:
            field.text = self.plain_name
            Clock.schedule_once(lambda _dt: self._focus_field(), 0)
        else:
            field.focus = False

    def _focus_field(self) -> None:
        field = self.ids.rename
        if self.editing:
            field.focus = True
            field.select_all()

    def rename(self) -> None:
        if self.owner is not None:
            self.owner.start_rename(self.station_id)

    def remove(self) -> None:
        if self.owner is not None:
            self.owner.remove(self.station_id)

    def finish_rename(self, keep: bool) -> None:
        if self.owner is not None and self.editing:
            self.owner.finish_rename(self.station_id, self.ids.rename.text if keep else None)

    def on_field_focus(self, focused: bool) -> None:
        if not focused and self.editing:  # clicked elsewhere: the edit is dropped
            self.finish_rename(keep=False)


class StationList(ClippedRecycleView):
    """The station list. `player`: PlayerController; `guide`: GuideController;
    `library`: LibraryController or None (a fixed list, no edits)."""

    player = ObjectProperty(None)
    guide = ObjectProperty(None)
    library = ObjectProperty(None, allownone=True)
    stations = ObjectProperty(())
    editing = StringProperty("")  # the id of the station being renamed

    def __init__(self, *, stations: tuple[Station, ...] = (), player, guide, library=None,
                 **kwargs) -> None:
        if _KV not in Builder.files:
            Builder.load_file(_KV)
        if library is not None:
            stations = tuple(library.stations)
        super().__init__(stations=tuple(stations), player=player, guide=guide,
                         library=library, **kwargs)
        self._logos: dict[str, str] = {}
        player.bind(station=self._refresh, state=self._refresh, error=self._refresh,
                    mode=self._refresh)
        guide.bind(current=self._refresh, today=self._refresh)
        guide.roster.bind(changed=self._refresh)
        if library is not None:
            library.bind(stations=self._on_library)
        self._refresh()

    def pick(self, station_id: str) -> None:
        """A click on a row: switch to that station and play it."""
        for station in self.stations:
            if station.id == station_id:
                self.player.play(station)
                return

    # edits (the library does them)
    def start_rename(self, station_id: str) -> None:
        if self.library is not None and any(s.id == station_id for s in self.stations):
            self.editing = station_id
            self._refresh()
            self.scroll_to_station(station_id)

    def finish_rename(self, station_id: str, name: str | None) -> None:
        """`name` None: the edit is dropped."""
        if self.editing != station_id:
            return
        self.editing = ""
        if name is not None and self.library is not None:
            self.library.rename(station_id, name[:MAX_NAME_CHARS])
        self._refresh()

    def remove(self, station_id: str) -> None:
        if self.library is not None:
            self.library.remove(station_id)

    def tick(self) -> None:
        """Re-read the on-now titles (cheap; the data only changes when a title does)."""
        self._refresh()

    def _on_library(self, _library, stations) -> None:
        self.stations = tuple(stations)
        if self.editing and not any(s.id == self.editing for s in self.stations):
            self.editing = ""
        self._refresh()

    def _logo(self, station: Station) -> str:
        if station.id not in self._logos:
            path = logo_path(station)
            self._logos[station.id] = str(path) if path else ""
        return self._logos[station.id]

    def _refresh(self, *_args) -> None:
        current = self.player.station
        current_id = current.id if current is not None else None
        state = self.player.state
        live = self.player.mode == "live"  # a newscast is not the station's live stream
        editable = self.library is not None
        rows = []
        for station in self.stations:
            program = self.guide.on_now_for(station.id)
            mine = station.id == current_id
            rows.append(row_data(
                station, logo=self._logo(station),
                on_now=program.title if program is not None else "",
                selected=mine,
                playing=mine and live and state in ACTIVE,
                live=mine and live and state == "playing",
                problem=f"Cannot play: {self.player.error}" if mine and state == "error" else "",
                editable=editable, editing=station.id == self.editing,
            ))
        if rows != self.data:
            self.data = rows

    def scroll_to_station(self, station_id: str) -> None:
        """Bring a station's row into view (keyboard navigation)."""
        for index, row in enumerate(self.data):
            if row["station_id"] == station_id:
                view = self.view_adapter.get_visible_view(index)
                if view is None and len(self.data) > 1:
                    self.scroll_y = 1 - index / (len(self.data) - 1)
                return

    def edit(self, action: str, station_id: str) -> None:
        """The library's keys on the selected station: remove, rename, move_up/move_down."""
        if action == "remove":
            stations = self.library.stations
            index = next((i for i, s in enumerate(stations) if s.id == station_id), None)
            self.library.remove(station_id)
            if index is not None and self.player.state not in ACTIVE and \
                    len(self.library.stations) == len(stations) - 1:
                # Not playing: the station after it is selected (a playing one plays on).
                self.player.select(self.library.stations[min(index, len(stations) - 2)])
        elif action == "rename":
            self.start_rename(station_id)
        elif action in ("move_up", "move_down"):
            self.library.move(station_id, -1 if action == "move_up" else 1)
            self.scroll_to_station(station_id)
