"""On Air composition root: parse arguments, build the services, run a command or the GUI.

Nothing else lives here. `Services` builds every service once (paths, catalogue, the HTTP
client, the task runner, the playback backend and the controllers) and hands them to the
commands (functions in their feature packages: `player.commands`, `schedule.commands`,
`news.commands`) and to the GUI (`ui.app.OnAirApp`). Tests build the app the same way.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

from infra.errors import OnAirError
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

        if backend is None:
            from player.catchup import CatchUp
            from player.vlc_backend import make_backend

            backend = make_backend(self.audio_file)
            options.setdefault("catchup", CatchUp(self.holder, self.relay))
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
                        alarms=self.alarms(player, library), settings=self.settings)

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


def run_gui(svc: Services) -> int:
    """The desktop app, until its window is closed."""
    from ui.app import configure_window
    from ui.prefs import load_prefs

    configure_window(load_prefs(svc.paths.state_dir))  # before Kivy creates the window
    app = svc.gui_app()
    svc.network_watch(app.player)
    from desktop.mpris_bridge import start_mpris

    mpris = start_mpris(app, bus=svc.env.get("DBUS_SESSION_BUS_ADDRESS", ""))  # None: no bus
    from desktop.program_notices import start_program_notices

    notices = start_program_notices(app, bus=svc.env.get("DBUS_SESSION_BUS_ADDRESS", ""),
                                    settings=lambda: svc.settings)  # None: no bus
    app.history = svc.history(app.player, app.guide)  # the History view lists it
    app.bind(on_start=lambda _app: setattr(app.up_next, "recordings", svc.recordings))
    from desktop.color_scheme import follow_color_scheme

    # The desktop's light/dark for the "system" theme; saved settings back to the services.
    scheme = follow_color_scheme(app.look, svc.env.get("DBUS_SESSION_BUS_ADDRESS", ""))
    app.look.bind(settings=lambda _look, settings: setattr(svc, "settings", settings))
    try:
        app.run()
    finally:
        scheme.stop()
        if mpris is not None:
            mpris.stop()
        if notices is not None:
            notices.stop()
    return 0


def add_stations_commands(stations: argparse.ArgumentParser,
                          common: argparse.ArgumentParser) -> None:
    """`onair stations add|remove|rename|import|export` (plain `onair stations` lists)."""
    sub = stations.add_subparsers(dest="change", metavar="{add,remove,rename,import,export}")
    add = partial(sub.add_parser, parents=[common])
    s = add("add", help="add a station by stream or playlist URL, website or directory id")
    s.add_argument("url", nargs="?", metavar="URL", help="a stream or playlist URL")
    s.add_argument("--name", metavar="NAME", help="the station's name")
    s.add_argument("--homepage", metavar="URL", help="the station's website")
    s.add_argument("--directory", metavar="UUID", help="a directory station (onair search)")
    # SUPPRESS: `onair stations --json add ...` keeps the --json given before the change
    s.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                   help="print the station added")
    s = add("remove", help="remove one of your stations")
    s.add_argument("station", metavar="ID")
    s = add("rename", help="give one of your stations a new name")
    s.add_argument("station", metavar="ID")
    s.add_argument("name", nargs="+", metavar="NAME")
    s = add("import", help="add the stations of a .m3u, .m3u8, .pls or pyradio .csv file")
    s.add_argument("file", metavar="FILE")
    s.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    s = add("export", help="write your stations to a .m3u, .m3u8, .pls or .csv file")
    s.add_argument("file", metavar="FILE")


def dispatch_stations(args: argparse.Namespace, svc: Services) -> int:
    from library import stations_command as sc
    from library.user_catalogue import UserCatalogue

    store = UserCatalogue(svc.paths, svc.stations_file)
    if args.change == "add":
        return sc.cmd_add(store, svc.http, lambda: svc.directory, url=args.url, name=args.name,
                          homepage=args.homepage, directory_uuid=args.directory,
                          as_json=getattr(args, "json", False))
    if args.change == "remove":
        return sc.cmd_remove(store, args.station)
    if args.change == "rename":
        return sc.cmd_rename(store, args.station, " ".join(args.name))
    if args.change == "import":
        return sc.cmd_import(store, args.file, as_json=getattr(args, "json", False))
    return sc.cmd_export(store, args.file)


def dispatch_alarm(args: argparse.Namespace, svc: Services) -> int:
    """`onair alarm`: the play command and the listener's volume (the GUI's, for the
    station) handed to desktop.alarm_command."""
    from desktop.alarm_command import cmd_alarm
    from player.play_command import cmd_play
    from ui.prefs import load_prefs

    prefs = load_prefs(svc.paths.state_dir)
    volume = prefs.volume_for(args.station)
    return cmd_alarm(svc.catalogue, args.station, at=args.at, program=args.program,
                     as_json=args.json, play=cmd_play, make_player=svc.recorded_player,
                     programs_for=svc.day_programs, ramp_s=args.ramp,
                     volume=prefs.volume if volume is None else volume)


def build_parser() -> argparse.ArgumentParser:
    # --stations is global: accepted before or after the command.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--stations", metavar="FILE", default=argparse.SUPPRESS,
                        help="station catalogue to use instead of yours")
    p = argparse.ArgumentParser(prog="onair", parents=[common],
                                description="Public-radio live streams at your desk.")
    sub = p.add_subparsers(dest="command")
    add = partial(sub.add_parser, parents=[common])
    add("gui", help="the desktop app (default)")
    s = add("stations", help="list the station catalogue, or change yours")
    s.add_argument("--json", action="store_true")
    add_stations_commands(s, common)
    s = add("now", help="on now and up next")
    s.add_argument("station")
    s.add_argument("--at", metavar="ISO8601", help="the instant to ask about (default: now)")
    s.add_argument("--json", action="store_true")
    s = add("schedule", help="a day's programs")
    s.add_argument("station")
    s.add_argument("--date", metavar="YYYY-MM-DD", help="station-local date (default: today)")
    s.add_argument("--json", action="store_true")
    s = add("news", help="the station's current stories")
    s.add_argument("station")
    s.add_argument("--limit", type=int, default=10, metavar="N")
    s.add_argument("--json", action="store_true")
    s = add("newscast", help="the latest hourly newscast")
    s.add_argument("--json", action="store_true")
    s = add("play", help="headless playback with a status line")
    s.add_argument("target", metavar="STATION|URL")
    s.add_argument("--seconds", type=float, metavar="N", help="stop after N seconds of audio")
    from desktop.alarm_command import add_arguments as alarm_arguments

    alarm_arguments(add("alarm", help="wait until a time or a program, then play the station"))
    from recording.commands import add_arguments as record_arguments

    record_arguments(add("record", help="record a station for a while, or a program by name"),
                     add("recordings", help="what is scheduled and what was recorded"))
    s = add("history", help="what you listened to: programs and stream titles")
    s.add_argument("--station", metavar="ID", help="only this station")
    s.add_argument("--json", action="store_true")
    s = add("discover", help="streams, schedule id and feeds of a station website")
    s.add_argument("homepage", metavar="HOMEPAGE_URL")
    s.add_argument("--json", action="store_true")
    s = add("search", help="find stations in the directory (Radio Browser)")
    s.add_argument("query", nargs="?", metavar="QUERY", help="words of the station's name")
    s.add_argument("--tag", metavar="T")
    s.add_argument("--country", metavar="CC", help="two-letter country code, e.g. US")
    s.add_argument("--state", metavar="S")
    s.add_argument("--codec", metavar="C", help="e.g. MP3, AAC")
    s.add_argument("--limit", type=int, default=50, metavar="N", help="1 to 500 (default 50)")
    s.add_argument("--json", action="store_true")
    return p


def dispatch(args: argparse.Namespace, svc: Services) -> int:
    cmd = args.command or "gui"
    if cmd == "gui":
        return run_gui(svc)
    if cmd == "stations" and getattr(args, "change", None):
        return dispatch_stations(args, svc)
    if cmd == "stations":
        from player.commands import cmd_stations

        return cmd_stations(svc.catalogue, as_json=args.json)
    if cmd == "play":
        from player.commands import cmd_play

        return cmd_play(svc.catalogue, svc.recorded_player, args.target, seconds=args.seconds)
    if cmd == "history":
        from desktop.history_command import cmd_history

        return cmd_history(svc.paths.state_dir, station=args.station, as_json=args.json)
    if cmd == "alarm":
        return dispatch_alarm(args, svc)
    if cmd in ("record", "recordings"):
        from recording.commands import run_command

        return run_command(args, svc.catalogue, svc.paths.config_dir,
                           svc.settings.recordings_folder(svc.paths), svc.recording_sources)
    if cmd == "now":
        from schedule.commands import cmd_now

        return cmd_now(svc.catalogue, svc.http, args.station, at=args.at, as_json=args.json)
    if cmd == "schedule":
        from schedule.commands import cmd_schedule

        return cmd_schedule(svc.catalogue, svc.http, args.station, date=args.date,
                            as_json=args.json)
    if cmd == "discover":
        from schedule.commands import cmd_discover

        return cmd_discover(svc.http, args.homepage, as_json=args.json)
    if cmd == "search":
        from library.search_command import cmd_search

        return cmd_search(svc.directory, args.query, tag=args.tag, country=args.country,
                          state=args.state, codec=args.codec, limit=args.limit,
                          as_json=args.json)
    if cmd == "news":
        from news.commands import cmd_news

        return cmd_news(svc.catalogue, svc.http, args.station, limit=args.limit,
                        as_json=args.json)
    if cmd == "newscast":
        from news.commands import cmd_newscast

        return cmd_newscast(svc.catalogue, svc.http, as_json=args.json)
    raise AssertionError(f"unhandled command {cmd}")


HEADLESS_FPS = 20


def main(argv: Sequence[str] | None = None) -> int:
    # Kivy reads these at import time: no argv parsing, no console log spam.
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    # Keep sys.stderr ours: Kivy's default log mode replaces it, and our one-line errors vanish.
    os.environ.setdefault("KIVY_LOG_MODE", "MIXED")
    args = build_parser().parse_args(argv)
    if args.command in ("play", "alarm"):  # headless: the loop runs the player's watchdog
        os.environ.setdefault("KCFG_GRAPHICS_MAXFPS", str(HEADLESS_FPS))
    svc = Services(getattr(args, "stations", None))
    try:
        return dispatch(args, svc)
    except OnAirError as err:
        print(f"onair: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        return 130
    finally:
        svc.close()


if __name__ == "__main__":
    sys.exit(main())
