"""The On Air window: composes the controllers and the views, handles the keyboard, keeps prefs.

services.py builds the services (the task runner, the libvlc backend, the guide and news
controllers over the shared HttpClient) and hands them to `OnAirApp`; tests build it
through the same factory (services.Services.gui_app) with a fake backend, and put it in
their window with `mount()` instead of the blocking `run()`.

Layout (ui/app.kv): the player bar on top; below it "On Air Stations" and
"Up Next" on the left, the news list on the right, which turns into the story
reader while a story is open (Esc closes it); a help line at the bottom, which shows the
library's last edit instead for a few seconds ("Removed KCUR 89.3" with an Undo button).

The stations are the LibraryController's (`library.stations`): the list, the keys, the
guide's roster follow it. "/" (or the stations' Add button) opens the search dialog; while
it is open, or while a station is being renamed, the keys are the text field's.
Each station's volume is remembered (ui.prefs) and set again when it plays.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from importlib.resources import files

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import NumericProperty, ObjectProperty
from kivy.uix.boxlayout import BoxLayout

from infra.paths import Paths
from infra.settings import Settings
from infra.tasks import TaskRunner
from player.catchup import SKIP_S
from player.states import ACTIVE
from player.stations import Catalogue, Station
from ui import theme
from ui.debug_state import DebugStateWriter, app_state
from ui.keys import VOLUME_STEP, action_for
from ui.look import Look
from ui.prefs import Prefs, load_prefs, save_prefs
from ui.visibility import WindowVisibility
from ui.window_config import MAX_FPS

_KV = str(files("ui") / "app.kv")


class MainView(BoxLayout):
    """The root widget; its slots (ids) receive the views built by OnAirApp."""

    station_rows = NumericProperty(0)  # the stations card is as tall as its rows need
    library = ObjectProperty(None)  # LibraryController: the notice and Undo in the help line
    actions = ObjectProperty(None)  # OnAirApp.do: the buttons' actions


class OnAirApp(App):
    title = "On Air"
    use_kivy_settings = False

    def __init__(self, *, catalogue: Catalogue, library, player, guide, news, paths: Paths,
                 tasks: TaskRunner, clock: Callable[[], datetime] | None = None,
                 sleep=None, alarms=None, settings: Settings | None = None,
                 recordings=None, **kwargs) -> None:
        super().__init__(**kwargs)
        # The theme, font size, settings view and keyboard focus (ui.look).
        self.look = Look(paths.config_dir, settings)  # services.py feeds it the desktop's scheme
        self.sleep, self.alarms = sleep, alarms  # SleepTimer, AlarmController (desktop/)
        self.recordings = recordings  # RecordingController (recording/): Up Next's Record
        self.sleep_alarm = None  # their dialog, built when first opened
        self.catalogue = catalogue  # its newscast feed; the stations are the library's
        self.library = library
        self.search = None  # the search dialog, built when first opened
        self.history = None  # HistoryRecorder (desktop/), set by cli.run_gui: the History view
        self.history_view = None  # built when first opened
        self.tasks = tasks
        self.player, self.guide, self.news = player, guide, news
        self.paths = paths
        self.prefs: Prefs = load_prefs(paths.state_dir)
        self._clock = clock
        self._debug = DebugStateWriter.from_env()
        self._visibility = WindowVisibility(MAX_FPS)  # hidden: no drawing, slow clock
        self._save_soon = Clock.create_trigger(self._save_prefs_async, 1.0)
        # A switch's work is spread over frames (under software GL a frame that renders
        # many new labels waits for the previous frame's rendering): the player bar and the
        # list at once, the guide a frame later, the news two to three frames later.
        self._follow_station = Clock.create_trigger(self._guide_follows_station, 0.02)
        self._news_follows = Clock.create_trigger(self._news_follows_station, 0.06)
        self._ticker = None
        self._drawn = False
        self._stopped = False
        self.requested_station: str | None = None  # `onair gui STATION`: plays at start

    # composition
    def build(self) -> MainView:
        from ui.news_panel import NewsPanel
        from ui.player_bar import PlayerBar
        from ui.reader import StoryReader
        from ui.station_list import StationList
        from ui.up_next import UpNextPanel

        if _KV not in Builder.files:
            Builder.load_file(_KV)
        root = MainView(station_rows=len(self.library.stations), library=self.library,
                        actions=self.do)
        # The window is cleared to the panels' surface; app.kv paints the background
        # between them, so no panel paints its own (each would cost its area per frame).
        self.bar = PlayerBar(player=self.player, guide=self.guide, clock=self._clock,
                             library=self.library, paint_surface=False)
        self.stations = StationList(player=self.player, guide=self.guide, library=self.library)
        self.up_next = UpNextPanel(self.guide, recordings=self.recordings, paint_surface=False)
        self.news_panel = NewsPanel(self.news, self.player, paint_surface=False)
        self.reader = StoryReader(self.news, paint_surface=False)
        root.ids.bar_slot.add_widget(self.bar)
        root.ids.stations_slot.add_widget(self.stations)
        root.ids.up_next_slot.add_widget(self.up_next)
        root.ids.news_slot.add_widget(self.news_panel)
        self.news_panel.bind(on_story=lambda _panel, story: self.reader.show(story))
        self.reader.bind(is_open=self._swap_news_and_reader)
        self.player.bind(station=self._on_station, volume=self._on_volume,
                         muted=self._remember, state=self._on_state)
        self.library.bind(stations=self._on_stations)
        if self.sleep is not None and self.alarms is not None:
            self.bar.follow_sleep_alarm(self.sleep, self.alarms)
            self.bar.bind(on_sleep_alarm=lambda _bar: self.open_sleep_alarm())
        return root

    def mount(self, window) -> MainView:
        """Build the app into an existing window and start it, without the blocking event
        loop of `run()` (tests drive the loop themselves); `unmount()` undoes it."""
        self.root = self.build()
        window.add_widget(self.root)
        self.dispatch("on_start")
        return self.root

    def unmount(self, window) -> None:
        self.dispatch("on_stop")
        window.remove_widget(self.root)

    def on_start(self) -> None:
        from kivy.core.window import Window

        Window.minimum_width, Window.minimum_height = theme.MIN_WIDTH, theme.MIN_HEIGHT
        self.look.start(Window)  # the theme, the clear colour and the focus ring
        if self.prefs.window_size is not None:
            Window.size = self.prefs.window_size
        Window.bind(on_key_down=self._on_key_down)
        if self._debug is not None:
            Window.fbind("on_flip", self._first_frame)
        self._visibility.bind(Window)
        self.player.set_volume(self.prefs.volume)
        if self.prefs.muted != self.player.muted:
            self.player.toggle_mute()
        station = self._initial_station()
        if station is not None:
            if self.prefs.autoplay or self.requested_station == station.id:
                self.player.play(station)
            else:
                self.player.select(station)
        self.news.start_newscast(self.catalogue.newscast_feed)  # then kept current by it
        self._ticker = Clock.schedule_interval(self._tick, 1.0)
        self._tick(0)

    def on_stop(self) -> None:
        """Save the prefs and release everything; once (Kivy dispatches on_stop again from
        App.run after App.stop())."""
        from kivy.core.window import Window

        if self._stopped:
            return
        self._stopped = True
        Window.unbind(on_key_down=self._on_key_down)
        self.look.stop(Window)
        self._visibility.unbind()
        if self._ticker is not None:
            self._ticker.cancel()
        self._save_soon.cancel()
        self._follow_station.cancel()
        self._news_follows.cancel()
        self.prefs = self._current_prefs(window_size=tuple(int(v) for v in Window.size))
        save_prefs(self.paths.state_dir, self.prefs)
        self.news_panel.stop()
        if self.search is not None:
            self.search.dismiss(animation=False)
        if self.sleep_alarm is not None:
            self.sleep_alarm.dismiss(animation=False)
        for controller in (self.sleep, self.alarms, self.player, self.guide, self.news,
                           self.library):
            if controller is not None:
                controller.shutdown()

    def open_settings(self, *_args) -> bool:
        """Our settings view (the gear button, Ctrl+, and Kivy's F1), not Kivy's panel."""
        self.look.open_settings(self.prefs.autoplay, self._save_settings,
                                self.paths.recordings_dir)
        return True

    def _save_settings(self, settings: Settings, autoplay: bool) -> str:
        """The settings view's Save: the settings (atomically, then applied) and autoplay."""
        problem = self.look.save(settings)
        if not problem and autoplay != self.prefs.autoplay:
            self.prefs = self._current_prefs(autoplay=autoplay)
            save_prefs(self.paths.state_dir, self.prefs)
        return problem

    # keyboard
    def _on_key_down(self, _window, key: int, _scancode, codepoint, modifiers) -> bool:
        if self.search is not None and self.search.is_open:
            return self.search.key(key)  # its field takes the rest (and these while focused)
        if self.sleep_alarm is not None and self.sleep_alarm.is_open:
            return self.sleep_alarm.key(key)  # Esc; its fields take the rest
        if self.history_view is not None and self.history_view.is_open:
            return self.history_view.key(key)
        if self.stations.editing:
            return False  # the rename field's
        action = action_for(key, codepoint, modifiers)
        focus = self.look.key(action, key)  # Tab, Enter; the settings view's keys
        if focus is not None:
            return focus
        if action is None:
            return False
        self.do(action)
        return True

    def do(self, action: str) -> None:
        """Carry out a keyboard action (names from ui.keys)."""
        p = self.player
        if action == "toggle":
            p.toggle()
        elif action in ("previous", "next"):
            self.step_station(-1 if action == "previous" else 1)
        elif action == "mute":
            p.toggle_mute()
        elif action == "volume_up":
            p.set_volume(min(100, int(p.volume) + VOLUME_STEP))
        elif action == "volume_down":
            p.set_volume(max(0, int(p.volume) - VOLUME_STEP))
        elif action in ("skip_back", "skip_forward"):  # catch-up: player.catchup
            p.skip(-SKIP_S if action == "skip_back" else SKIP_S)
        elif action == "program_start":  # the program on now's start, else the oldest held
            on_now = self.guide.current if self.guide.station == p.station else None
            p.seek_to(on_now.start_ts if on_now is not None else 0.0)
        elif action == "live":
            p.to_live()
        elif action == "next_story":
            self.news_panel.select_next()
        elif action == "close_reader":
            self.reader.close()
        elif action == "search":
            self.open_search()
        elif action == "undo":
            self.library.undo()
        elif action == "settings":
            self.open_settings()
        elif action == "history":
            self.open_history()
        elif action == "sleep_alarm":
            self.open_sleep_alarm()
        elif p.station is not None:
            self.stations.edit(action, p.station.id)  # rename, remove, move

    def open_search(self) -> None:
        """The search dialog (built the first time)."""
        if self.search is None:
            from ui.search_dialog import SearchDialog

            self.search = SearchDialog(library=self.library)
        self.search.open_search()

    def open_sleep_alarm(self) -> None:
        """The sleep timer and alarm dialog (built the first time)."""
        if self.sleep is None or self.alarms is None:
            return
        if self.sleep_alarm is None:
            from ui.sleep_alarm import SleepAlarmDialog

            self.sleep_alarm = SleepAlarmDialog(sleep=self.sleep, alarms=self.alarms,
                                                player=self.player)
        self.sleep_alarm.open()

    def open_history(self) -> None:
        """The History view (built the first time; none without a history recorder)."""
        if self.history is None:
            return
        if self.history_view is None:
            from ui.history_view import HistoryView

            self.history_view = HistoryView(history=self.history)
        self.history_view.open_history()

    def step_station(self, delta: int) -> None:
        """Select the previous/next station; while playing, it plays at once."""
        stations = self.library.stations
        if not stations:
            return
        current = self.player.station
        index = next((i for i, s in enumerate(stations) if current and s.id == current.id), -1)
        target = stations[max(0, min(len(stations) - 1, index + delta))]
        if current is not None and target.id == current.id:
            return
        if self.player.state in ACTIVE:
            self.player.play(target)
        else:
            self.player.select(target)
        self.stations.scroll_to_station(target.id)

    # wiring
    def _initial_station(self) -> Station | None:
        stations = self.library.stations
        by_id = {s.id: s for s in stations}
        if self.requested_station in by_id:
            return by_id[self.requested_station]
        if self.prefs.last_station in by_id:
            return by_id[self.prefs.last_station]
        return stations[0] if stations else None

    def _on_station(self, _player, station: Station | None) -> None:
        volume = self.prefs.volume_for(station.id) if station is not None else None
        if volume is not None and volume != int(self.player.volume):
            self.player.set_volume(volume)  # as this station was last heard
        self._follow_station()
        self._news_follows()
        self._remember()

    def _on_volume(self, player, volume: float) -> None:
        if self._steered_volume() is not None:
            return  # a fade or an alarm's ramp: the listener's volume is still theirs
        if player.station is not None:
            self.prefs = self.prefs.with_station_volume(player.station.id, int(volume))
        self._remember()

    def _on_state(self, player, state: str) -> None:
        if state == "playing" and player.mode == "live" and player.station is not None:
            self.library.played(player.station)  # a directory station's click, once

    def _on_stations(self, _library, stations: list[Station]) -> None:
        self.root.station_rows = len(stations)
        self.guide.roster.stations = tuple(stations)  # on now at the others
        current = self.player.station
        now = next((s for s in stations if current is not None and s.id == current.id), None)
        if now is not None and now != current and now.streams == current.streams:
            # Renamed, or its website told its news and donation page: the same stream, so
            # the player goes on; the bar, the guide and the news follow the new fields.
            self.player.station = now

    def _guide_follows_station(self, _dt: float) -> None:
        self.guide.set_station(self.player.station)

    def _news_follows_station(self, _dt: float) -> None:
        self.reader.close()
        self.news.set_station(self.player.station)

    def _swap_news_and_reader(self, _reader, is_open: bool) -> None:
        slot = self.root.ids.news_slot
        slot.clear_widgets()
        slot.add_widget(self.reader if is_open else self.news_panel)

    def _tick(self, _dt: float) -> None:
        # One tick for every view that follows the clock: one redraw a second, not several.
        self.bar.tick()
        self.stations.tick()
        self.up_next.tick()
        if self._debug is not None:
            self._debug.write(self.visible_state())

    def _first_frame(self, window) -> None:
        window.funbind("on_flip", self._first_frame)
        self._drawn = True
        self._debug.write(self.visible_state())

    def visible_state(self) -> dict:
        """The words on screen per section and the controls' centres (ui.debug_state)."""
        return app_state(self)

    # preferences
    def _steered_volume(self) -> int | None:
        """The listener's volume while the sleep timer's fade or an alarm's ramp moves the
        player's; None otherwise."""
        for steer in (self.sleep, self.alarms):
            if steer is not None and (volume := steer.listener_volume()) is not None:
                return volume
        return None

    def _current_prefs(self, **changes: object) -> Prefs:
        station = self.player.station
        steered = self._steered_volume()
        return self.prefs.with_(
            last_station=station.id if station is not None else self.prefs.last_station,
            volume=int(self.player.volume) if steered is None else steered,
            muted=bool(self.player.muted), **changes)

    def _remember(self, *_args) -> None:
        self._save_soon()

    def _save_prefs_async(self, _dt: float) -> None:
        self.prefs = prefs = self._current_prefs()
        self.tasks.background(lambda: save_prefs(self.paths.state_dir, prefs), lambda _r: None)
