"""On Air Stations: the catalogue as a RecycleView with logo, name, city and the program on now.

Rows are plain dicts (see `row_data`); what must survive recycling lives in
them. The selected station is outlined, the playing one lit in the accent
colour. One click switches to that station and plays it. The list reads the
player and the guide, and its only action is `player.play(station)`.
"""

from __future__ import annotations

from importlib.resources import files

from kivy.lang import Builder
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.recycleview.views import RecycleDataViewBehavior

from player.catalogue import logo_path
from player.states import ACTIVE
from player.stations import Station
from ui.clipping import ClippedRecycleView
from ui.markup import escape

_KV = str(files("ui") / "station_list.kv")



def row_data(station: Station, *, logo: str, on_now: str, selected: bool, playing: bool,
             problem: str = "") -> dict:
    """The dict behind one row; `on_now` and `problem` are plain text (escaped here)."""
    return {
        "station_id": station.id,
        "name": escape(station.name),
        "city": escape(station.city),
        "logo": logo,
        "initials": escape(station.name[:4]),
        "program": escape(on_now),
        "problem": escape(problem),
        "selected": selected,
        "playing": playing,
    }


class StationRow(RecycleDataViewBehavior, ButtonBehavior, BoxLayout):
    station_id = StringProperty("")
    name = StringProperty("")
    city = StringProperty("")
    logo = StringProperty("")
    initials = StringProperty("")
    program = StringProperty("")
    problem = StringProperty("")
    selected = BooleanProperty(False)
    playing = BooleanProperty(False)
    owner = ObjectProperty(None, allownone=True)

    def refresh_view_attrs(self, rv, index, data):
        self.owner = rv
        return super().refresh_view_attrs(rv, index, data)

    def on_release(self) -> None:
        if self.owner is not None:
            self.owner.pick(self.station_id)


class StationList(ClippedRecycleView):
    """The station list. `player`: PlayerController; `guide`: GuideController."""

    player = ObjectProperty(None)
    guide = ObjectProperty(None)
    stations = ObjectProperty(())

    def __init__(self, *, stations: tuple[Station, ...], player, guide, **kwargs) -> None:
        if _KV not in Builder.files:
            Builder.load_file(_KV)
        super().__init__(stations=tuple(stations), player=player, guide=guide, **kwargs)
        self._logos = {s.id: str(path) if (path := logo_path(s)) else "" for s in self.stations}
        player.bind(station=self._refresh, state=self._refresh, error=self._refresh,
                    mode=self._refresh)
        guide.bind(current=self._refresh, today=self._refresh)
        guide.roster.bind(changed=self._refresh)
        self._refresh()

    def pick(self, station_id: str) -> None:
        """A click on a row: switch to that station and play it."""
        for station in self.stations:
            if station.id == station_id:
                self.player.play(station)
                return

    def tick(self) -> None:
        """Re-read the on-now titles (cheap; the data only changes when a title does)."""
        self._refresh()

    def _refresh(self, *_args) -> None:
        current = self.player.station
        current_id = current.id if current is not None else None
        state = self.player.state
        live = self.player.mode == "live"  # a newscast is not the station's live stream
        rows = []
        for station in self.stations:
            program = self.guide.on_now_for(station.id)
            mine = station.id == current_id
            rows.append(row_data(
                station, logo=self._logos[station.id],
                on_now=program.title if program is not None else "",
                selected=mine,
                playing=mine and live and state in ACTIVE,
                problem=f"Cannot play: {self.player.error}" if mine and state == "error" else "",
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
