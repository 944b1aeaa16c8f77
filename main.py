"""On Air composition root: parse arguments, build the services, run a command or the GUI.

Nothing else lives here. Each command is a function in its feature package
(`player.commands`, `schedule.commands`, `news.commands`) or the GUI
(`ui.app.run_gui`); this module hands them the services they need.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from functools import cached_property, partial

from infra.errors import OnAirError
from infra.paths import Paths


class Services:
    """What the commands share, built on first use (a broken catalogue must not stop `discover`)."""

    def __init__(self, stations_file: str | None) -> None:
        self.paths = Paths.from_env()
        self.stations_file = stations_file or os.environ.get("ONAIR_STATIONS") or None
        self.audio_file = os.environ.get("ONAIR_AUDIO_FILE") or None

    @cached_property
    def catalogue(self):  # -> player.catalogue.Catalogue
        from player.catalogue import load_catalogue

        return load_catalogue(self.stations_file, self.paths)

    @cached_property
    def http(self):  # -> infra.http.HttpClient
        from infra.http import HttpClient

        return HttpClient(cache_dir=self.paths.cache_dir)


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
    s = add("stations", help="list the station catalogue")
    s.add_argument("--json", action="store_true")
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
    s = add("discover", help="streams, schedule id and feeds of a station website")
    s.add_argument("homepage", metavar="HOMEPAGE_URL")
    s.add_argument("--json", action="store_true")
    return p


def dispatch(args: argparse.Namespace, svc: Services) -> int:
    cmd = args.command or "gui"
    if cmd == "gui":
        from ui.app import run_gui

        return run_gui(svc.catalogue, svc.http, svc.paths, audio_file=svc.audio_file)
    if cmd == "stations":
        from player.commands import cmd_stations

        return cmd_stations(svc.catalogue, as_json=args.json)
    if cmd == "play":
        from player.commands import cmd_play

        return cmd_play(svc.catalogue, svc.http, args.target, seconds=args.seconds,
                        audio_file=svc.audio_file)
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
    if cmd == "news":
        from news.commands import cmd_news

        return cmd_news(svc.catalogue, svc.http, args.station, limit=args.limit,
                        as_json=args.json)
    if cmd == "newscast":
        from news.commands import cmd_newscast

        return cmd_newscast(svc.catalogue, svc.http, as_json=args.json)
    raise AssertionError(f"unhandled command {cmd}")


def main(argv: Sequence[str] | None = None) -> int:
    # Kivy reads these at import time: no argv parsing, no console log spam.
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    # Keep sys.stderr ours: Kivy's default log mode replaces it, and our one-line errors vanish.
    os.environ.setdefault("KIVY_LOG_MODE", "MIXED")
    args = build_parser().parse_args(argv)
    try:
        return dispatch(args, Services(getattr(args, "stations", None)))
    except OnAirError as err:
        print(f"onair: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
