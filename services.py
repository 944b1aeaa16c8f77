"""The composition root's services: each built once, on first use, and handed in.

`Services` builds every service (paths, settings, catalogue, the HTTP client, the task
runner, the playback backend, the held streams and the controllers) and hands them to
the commands (functions in their feature packages) and to the GUI (`ui.app.OnAirApp`).
main.py makes one for the command cli.py parsed; tests build the app the same way.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

from infra.paths import Paths

if TYPE_CHECKING:
    from datetime import date

    from desktop.alarm_controller import AlarmController
    from desktop.history_recorder import HistoryRecorder
    from desktop.sleep_timer import SleepTimer
    from infra.http import HttpClient
    from infra.network_watch import NetworkWatch
    from infra.settings import Settings
    from infra.tasks import TaskRunner
    from library.controller import LibraryController
    from library.directory import Directory
    from news.controller import NewsController
    from player.backend import Backend
    from player.controller import PlayerController
    from player.holder import StreamHolder
    from player.relay import Relay
    from player.stations import Catalogue, Station
    from recording.controller import RecordingController
    from recording.session import Sources as RecordingSources
    from schedule.controller import GuideController
    from schedule.model import Program
    from ui.app import OnAirApp


class Services:
    """Every service the commands and the GUI use, each built once, on first use (a broken
    catalogue must not stop `discover`). Tests build the app through the same methods,
    handing in what they replace (a fake backend, a hand-moved clock, quick retries)."""

    def __init__(self, stations_file: str | None = None, *, paths: Paths | None = None,
                 catalogue: Catalogue | None = None,
                 env: Mapping[str, str] | None = None) -> None:
        env = os.environ if env is None else env
        self.paths = paths or Paths.from_env(env)
        self.stations_file = stations_file or env.get("ONAIR_STATIONS") or None
        self.audio_file = env.get("ONAIR_AUDIO_FILE") or None
        self.nm_bus = env.get("ONAIR_NM_BUS") or "system"  # or "session", or a bus address
        self.env = env  # read by the services built later (ONAIR_RADIO_BROWSER)
        self._watches: list[NetworkWatch] = []
        self._recorders: list[HistoryRecorder] = []
        if catalogue is not None:
            self.catalogue = catalogue

    @cached_property
    def catalogue(self) -> Catalogue:
        from player.catalogue import load_catalogue

        return load_catalogue(self.stations_file, self.paths)

    @cached_property
    def settings(self) -> Settings:
        """The listener's settings (infra.settings), read once; the settings view saves them."""
        from infra.settings import load_settings

        return load_settings(self.paths.config_dir)

    @cached_property
    def http(self) -> HttpClient:
        from infra.http import HttpClient

        return HttpClient(cache_dir=self.paths.cache_dir)

    @cached_property
    def directory(self) -> Directory:
        """The station directory: ONAIR_RADIO_BROWSER's servers, else found by DNS."""
        from library.directory import Directory, servers_from_env

        return Directory(self.http, servers_from_env(self.env))

    @cached_property
    def tasks(self) -> TaskRunner:
        from infra.tasks import TaskRunner

        return TaskRunner()

    def player(self, *, backend: Backend | None = None, **options: Any) -> PlayerController:
        """A player over libvlc (or `backend`), resolving playlists through the HTTP client;
        `options` are PlayerController's (policy, stall_s, describe, ...). Over libvlc it
        has catch-up (the stream held by `holder`, played through `relay`) unless
        `catchup=None` is handed in; a fake backend has none unless one is handed in."""
        from player.controller import PlayerController, playlist_resolver
        from player.recovery import describe_failure

        if backend is None:
            from player.catchup import CatchUp
            from player.libvlc_urls import UrlGate
            from player.vlc_backend import make_backend

            gate = UrlGate(self.http)  # a started relay's URLs pass as they are
            backend = make_backend(self.audio_file, gate)
            options.setdefault("catchup", CatchUp(self.holder, self.relay))
            options.setdefault("describe", lambda url: gate.describe(url, describe_failure))
        return PlayerController(backend, playlist_resolver(self.http.fetch_head),
                                tasks=self.tasks, **options)

    @cached_property
    def holder(self) -> StreamHolder:
        """The live streams the app holds (catch-up, recordings), one reader per URL, in
        cache dir/catchup, within the settings' buffer span and disk cap."""
        from player.holder import StreamHolder

        return StreamHolder(self.http, self.paths.cache_dir / "catchup",
                            max_seconds=self.settings.buffer_minutes * 60,
                            max_bytes=self.settings.buffer_mb * 1024 * 1024)

    @cached_property
    def relay(self) -> Relay:
        """The loopback server libvlc plays held streams from (started)."""
        from player.relay import Relay

        relay = Relay()
        relay.start()
        return relay

    def network_watch(self, player: PlayerController) -> NetworkWatch:
        """Started: when NetworkManager (on `nm_bus`) says the network is back, `player`
        retries at once, on the Kivy thread. Stopped by close()."""
        from kivy.clock import Clock

        from infra.network_watch import NetworkWatch

        watch = NetworkWatch(lambda: Clock.schedule_once(lambda _dt: player.retry_now(), 0),
                             bus=self.nm_bus)
        self._watches.append(watch)
        watch.start()
        return watch

    def watched_player(self, **options: Any) -> PlayerController:
        """`player(**options)` with its network watch started and the directory's clicks
        counted (`onair play`; the GUI's library controller counts its own)."""
        player = self.player(**options)
        self.network_watch(player)
        self.count_clicks(player)
        return player

    def recorded_player(self, **options: Any) -> PlayerController:
        """`watched_player(**options)` whose listening goes into the history, with the
        programs of a guide that follows its station (`onair play`)."""
        from schedule.controller import GuideController

        player = self.watched_player(**options)
        guide = GuideController(self.http, tasks=self.tasks)  # no roster: this station only
        player.bind(station=lambda _player, station: guide.set_station(station))
        self.history(player, guide)
        return player

    def count_clicks(self, player: PlayerController) -> None:
        """The first time ever a directory station plays, count its click (background)."""
        from library.clicks import ClickLog

        clicks: list[ClickLog] = []

        def on_state(_player: object, state: str) -> None:
            if state != "playing" or player.station is None:
                return
            if not clicks:
                clicks.append(ClickLog(self.paths.state_dir, self.directory))
            if (uuid := clicks[0].due(player.station)) is not None:
                self.tasks.background(partial(clicks[0].count, uuid), lambda _none: None)

        player.bind(state=on_state)

    def guide(self, **options: Any) -> GuideController:
        from schedule.controller import GuideController

        return GuideController(self.http, tasks=self.tasks, stations=self.catalogue.stations,
                               **options)

    def news(self) -> NewsController:
        from news.controller import NewsController

        return NewsController(self.http, self.paths.cache_dir, tasks=self.tasks)

    def history(self, player: PlayerController,
                guide: GuideController | None) -> HistoryRecorder:
        """The listening history of `player` (programs from `guide`), started; close() ends
        its open stretch and writes it (state dir, desktop.history)."""
        from desktop.history import HistoryStore
        from desktop.history_recorder import HistoryRecorder

        recorder = HistoryRecorder(player, guide, HistoryStore(self.paths.state_dir),
                                   tasks=self.tasks)
        recorder.start()
        self._recorders.append(recorder)
        return recorder

    @cached_property
    def library(self) -> LibraryController:
        """The listener's stations (their catalogue file, written off the UI thread) and the
        directory search, for the GUI."""
        from library.add import enrich_from_homepage
        from library.controller import LibraryController
        from library.favicons import Favicons
        from library.user_catalogue import UserCatalogue

        return LibraryController(UserCatalogue(self.paths, self.stations_file), self.directory,
                                 tasks=self.tasks, state_dir=self.paths.state_dir,
                                 stations=self.catalogue.stations,
                                 enrich=partial(enrich_from_homepage, self.http),
                                 favicons=Favicons(self.http, self.paths.cache_dir, self.tasks,
                                                   logos_dir=self.paths.config_dir / "logos"))

    def day_programs(self, station: Station, day: date, *,
                     http: HttpClient | None = None) -> tuple[Program, ...]:
        """A station-local day of `station`'s programs, blocking (what an alarm for a program
        looks up); BadInput without a guide, SourceUnavailable when it cannot be read.
        `http`: the client to read the guide with (a recording's asks the source afresh)."""
        from zoneinfo import ZoneInfo

        from infra.errors import BadInput
        from schedule.composer import ComposerClient
        from schedule.discover import schedule_source

        source = schedule_source(self.http, station)
        if source is None or source.source != "composer":
            raise BadInput(f"{station.id} has no program guide")
        return ComposerClient(http or self.http, source,
                              ZoneInfo(station.timezone)).day(day).programs

    def recording_sources(self) -> RecordingSources:
        """What a recording uses: the held streams, the guide read afresh (a program that ends
        early or moves is followed) and playlists resolved through the HTTP client."""
        from player.stream_reader import can_hold
        from recording.session import Revalidating, Sources

        guide = partial(self.day_programs, http=Revalidating(self.http))
        return Sources(self.holder, can_hold, guide, self.http.fetch_head)

    @cached_property
    def recordings(self) -> RecordingController:
        """Recordings while the app runs (Up Next's Record; the scheduled ones, config dir)."""
        from recording.controller import RecordingController
        from recording.store import ScheduleStore

        return RecordingController(self.recording_sources(), ScheduleStore(self.paths.config_dir),
                                   stations=lambda: self.library.stations,
                                   folder=lambda: self.settings.recordings_folder(self.paths),
                                   tasks=self.tasks)

    def sleep_timer(self, player: PlayerController, guide: GuideController) -> SleepTimer:
        """The sleep timer over the player and the guide (the guide's clock)."""
        from desktop.sleep_timer import SleepTimer

        return SleepTimer(player, guide, clock=guide.clock)

    def alarms(self, player: PlayerController, library: LibraryController,
               **options: Any) -> AlarmController:
        """The listener's alarms (config dir), fired into `player` while the app runs."""
        from desktop.alarm import AlarmStore
        from desktop.alarm_controller import AlarmController

        return AlarmController(AlarmStore(self.paths.config_dir), player,
                               lambda: library.stations, tasks=self.tasks,
                               programs_for=self.day_programs, **options)

    def gui_app(self, *, player: PlayerController | None = None,
                guide: GuideController | None = None,
                library: LibraryController | None = None) -> OnAirApp:
        """The desktop app over these services (libvlc and the real clock unless handed in)."""
        from ui.app import OnAirApp

        player, guide = player or self.player(), guide or self.guide()
        library = library or self.library
        return OnAirApp(catalogue=self.catalogue, library=library, player=player, guide=guide,
                        news=self.news(), paths=self.paths, tasks=self.tasks,
                        sleep=self.sleep_timer(player, guide),
                        alarms=self.alarms(player, library), settings=self.settings,
                        recordings=self.recordings)

    def close(self) -> None:
        """Release what was built: watches stopped, histories written, queued work dropped,
        HTTP sessions closed."""
        for watch in self._watches:
            watch.stop()
        for recorder in self._recorders:
            recorder.close()
        if "recordings" in self.__dict__:
            self.recordings.shutdown()  # their files finished before the streams stop
        if "relay" in self.__dict__:
            self.relay.close()
        if "holder" in self.__dict__:
            self.holder.close()  # the readers stop, their buffers are deleted
        if "tasks" in self.__dict__:
            self.tasks.shutdown()
        if "http" in self.__dict__:
            self.http.close()
