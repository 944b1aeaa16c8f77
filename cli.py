"""The command line: the parser, and each command started over the services (services.py).

`dispatch` runs one command, or the desktop app (`run_gui`); services.py builds the services
(main.py makes one Services and calls `dispatch`). The commands themselves live in their
feature packages.
"""

from __future__ import annotations

import argparse
import sys
from functools import partial
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from infra.single_instance import Instance
    from services import Services


def claim_gui(svc: Services, station: str | None) -> tuple[bool, Instance | None]:
    """One app per config dir (infra.single_instance): (True, None) when the running app
    took over (`station` handed to it); else (False, the claim), the claim None when none
    can be made (a runtime dir that is not private: the app runs unguarded and logs it)."""
    import logging

    from infra.errors import SourceUnavailable
    from infra.single_instance import NoAnswer, claim_or_hand_over

    if station is not None:
        svc.catalogue.get(station)  # an unknown station is bad input, here and now
    try:
        instance = claim_or_hand_over(svc.paths.config_dir, {"version": 1, "station": station})
    except NoAnswer as err:
        raise SourceUnavailable(str(err)) from None
    except OSError as err:
        logging.getLogger(__name__).warning("not checking for a running On Air: %s", err)
        return False, None
    if instance is None:
        print("onair: On Air is already running: its window is brought forward",
              file=sys.stderr)
        return True, None
    return False, instance


def _station_of(wish: dict) -> str | None:
    station = wish.get("station")
    return station if isinstance(station, str) else None


def run_gui(svc: Services, station: str | None = None) -> int:
    """The desktop app, until its window is closed; with `station`, that station plays.
    A second app hands `station` to the running one, which comes forward, and exits 0."""
    handed_over, instance = claim_gui(svc, station)
    if handed_over:
        return 0
    try:
        return _run_app(svc, station, instance)
    finally:
        if instance is not None:
            instance.close()


def _run_app(svc: Services, station: str | None, instance: Instance | None) -> int:
    from ui.prefs import load_prefs
    from ui.window_config import configure_window

    configure_window(load_prefs(svc.paths.state_dir))  # before Kivy creates the window
    app = svc.gui_app()
    app.requested_station = station
    if instance is not None:
        from kivy.clock import Clock

        from ui.front import WindowFront

        front = WindowFront(app)
        # Called on the listener's thread: the wish is carried out on the Kivy thread.
        instance.listen(lambda wish: Clock.schedule_once(
            lambda _dt: front.bring_forward(_station_of(wish)), 0))
    svc.network_watch(app.player)
    from desktop.mpris_bridge import start_mpris

    mpris = start_mpris(app, bus=svc.env.get("DBUS_SESSION_BUS_ADDRESS", ""))  # None: no bus
    from desktop.program_notices import start_program_notices

    notices = start_program_notices(app, bus=svc.env.get("DBUS_SESSION_BUS_ADDRESS", ""),
                                    settings=lambda: svc.settings)  # None: no bus
    app.history = svc.history(app.player, app.guide)  # the History view lists it
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
    s = add("gui", help="the desktop app (default); a second one brings the first forward")
    s.add_argument("station", nargs="?", metavar="STATION", help="play this station")
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
        return run_gui(svc, getattr(args, "station", None))
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
