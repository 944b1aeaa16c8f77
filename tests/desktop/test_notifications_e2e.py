"""The whole app, as a person runs it, across a real program boundary.

Apps play the real Icecast bench, the first two each on its own private bus with its own dunst
(under Xvfb, every Notify call also read off the bus by dbus-monitor). A loopback Composer serves a
schedule in which "Up To Date" with Steve Kraske starts at the next minute boundary (at least
60 s ahead, so the apps have tuned in first). The one with notifications on shows exactly one
notice, with the program, the station and its logo; the one with them off (settings.json)
shows none. The history then lists both programs and the stream title set through Icecast's
admin, in the GUI's History view (Copy checked with `xclip -o`) and in `onair history --json`.

A third app, on a bus where no notification service runs, plays on across the boundary and
says so once in its log; a fourth, without any session bus, says that once.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support.dbus import PrivateBus
from tests.support.metadata_server import CHICAGO, KCUR_UCS, Airing, serve_composer
from tests.support.notifications import NotificationDaemon, available
from tests.support.wait import wait_until

ROOT = Path(__file__).resolve().parents[2]
TITLE = "E2E Artist - Boundary Song"
pytestmark = [
    pytest.mark.e2e, pytest.mark.icecast, pytest.mark.gui,
    pytest.mark.skipif(not available() or shutil.which("xdotool") is None
                       or shutil.which("xclip") is None,
                       reason="needs dunst, dbus-monitor, xdotool, xclip and an X display"),
]


def next_boundary(lead_s: float = 60.0) -> datetime:
    """The first whole minute at least `lead_s` from now."""
    soon = datetime.now(UTC) + timedelta(seconds=lead_s)
    return soon.replace(second=0, microsecond=0) + timedelta(minutes=1)


def serve_boundary(httpserver, boundary: datetime) -> str:
    airings = [Airing("Morning Edition", boundary - timedelta(hours=2), boundary,
                      ("Steve Inskeep", "Leila Fadel")),
               Airing("Up To Date", boundary, boundary + timedelta(hours=1), ("Steve Kraske",)),
               Airing("1A", boundary + timedelta(hours=1), boundary + timedelta(hours=2),
                      ("Jenn White",))]
    days: dict = {}
    for a in airings:  # each on the station-local day it starts
        days.setdefault(a.start.astimezone(CHICAGO).date(), []).append(a)
    return serve_composer(httpserver, days)


def catalogue(tmp_path: Path, stream: str, composer: str, logo: Path) -> Path:
    path = tmp_path / "stations.json"
    path.write_text(json.dumps({"stations": [{
        "id": "kcur", "name": "KCUR 89.3", "tagline": "NPR in Kansas City",
        "city": "Kansas City, MO", "timezone": "America/Chicago", "homepage": None,
        "logo": str(logo), "streams": [{"url": stream, "format": "mp3"}],
        "schedule": {"source": "composer", "ucs": KCUR_UCS, "base_url": composer},
        "news": None}]}))
    return path


def app_folder(tmp_path: Path, name: str, settings: dict | None = None) -> Path:
    """A folder for one app: it plays KCUR at start (prefs), with these settings."""
    folder = tmp_path / name
    config = folder / "config"
    config.mkdir(parents=True)
    (config / "prefs.json").write_text(json.dumps({"autoplay": True, "last_station": "kcur"}))
    if settings is not None:
        (config / "settings.json").write_text(json.dumps(settings))
    return folder


def app_log(folder: Path) -> str:
    return "".join(p.read_text(errors="replace") for p in folder.glob("kivy/logs/*.txt"))


def history_json(folder: Path) -> dict:
    env = {"PATH": "/usr/bin:/bin", "ONAIR_CONFIG_DIR": str(folder / "config"),
           "KIVY_NO_ARGS": "1", "HOME": str(folder)}
    out = subprocess.run([sys.executable, str(ROOT / "main.py"), "history", "--json"],
                         env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def clipboard() -> str:
    return subprocess.run(["xclip", "-o", "-selection", "clipboard"], capture_output=True,
                          text=True, timeout=10).stdout


@pytest.mark.timeout(300)
def test_a_program_boundary_notifies_once_and_the_history_lists_it(tmp_path, bench, media,
                                                                   httpserver) -> None:
    from tests.ui.app_process import AppProcess

    boundary = next_boundary()
    logo = media / "logo-demo-news.png"
    stations = catalogue(tmp_path, bench.url("/a.mp3"), serve_boundary(httpserver, boundary),
                         logo)
    bench.set_title("/a.mp3", "")
    tone = bench.mount("/a.mp3").freq_hz
    with PrivateBus() as bus_on, PrivateBus() as bus_off, \
            PrivateBus() as bus_none, \
            NotificationDaemon(bus_on, tmp_path / "dunst-on") as dunst_on, \
            NotificationDaemon(bus_off, tmp_path / "dunst-off") as dunst_off:
        folders = {"on": app_folder(tmp_path, "on"),
                   "off": app_folder(tmp_path, "off", {"notifications": False}),
                   "none": app_folder(tmp_path, "none")}  # a bus where no daemon runs
        buses = {"on": bus_on, "off": bus_off, "none": bus_none}
        apps: dict = {}
        try:
            # One after another, "on" last: each window covers the one before (a covered
            # window draws nothing and plays on), and "on" is clicked on at the end.
            for name in ("off", "none", "on"):
                apps[name] = app = AppProcess(
                    folders[name], stations, env={"DBUS_SESSION_BUS_ADDRESS": buses[name].address})
                app.wait_window(60)
            on, off, none = apps["on"], apps["off"], apps["none"]
            for app in apps.values():
                app.wait(lambda s: s["state"] == "playing", 30, "playing at start")
                app.wait_hears(tone, 30)
                app.wait(lambda s: any("Morning Edition" in t for t in s["sections"]["up_next"]),
                         30, "Morning Edition on now")
            assert datetime.now(UTC) < boundary, "the apps took too long to start"
            bench.set_title("/a.mp3", TITLE)
            on.wait(lambda s: any(TITLE in t for t in s["sections"]["player_bar"]), 20,
                    "the stream title in the bar")

            wait_s = (boundary - datetime.now(UTC)).total_seconds() + 30
            (call,) = dunst_on.wait_notifies(1, timeout=wait_s)
            assert call.summary == "Up To Date with Steve Kraske, on KCUR 89.3"
            assert call.app_name == "On Air"
            assert call.hints["image-path"] == ("s", logo.resolve().as_uri())
            for name in ("off", "none"):
                wait_until(lambda n=name: "Up To Date" in (folders[n] / "config" /
                                                           "history.json").read_text(),
                           15, f"the {name} app's history at Up To Date", interval=0.2)
            assert dunst_off.notifies() == [], "notifications off still notified"
            assert off.stop() == 0, off.log_tail()
            wait_until(lambda: "Notifications: no notification service" in
                       app_log(folders["none"]), 15, "the log line", interval=0.2)
            none.wait_hears(tone, 15)  # plays on
            assert none.stop() == 0, none.log_tail()

            on.click("history")
            state = on.wait(lambda s: any("Up To Date" in t for t in s["sections"]["history"]),
                            10, "the History view listing Up To Date")
            rows = state["sections"]["history"]
            assert any("KCUR 89.3  Morning Edition" in t for t in rows), rows
            assert any(f"KCUR 89.3  Title: {TITLE}" in t for t in rows), rows
            on.screenshot("history_view")
            on.click("history_copy")
            wait_until(lambda: "KCUR 89.3  Up To Date" in clipboard(), 10,
                       "the newest row on the clipboard", interval=0.2)
            copied = clipboard()
            assert copied.startswith(f"{boundary.astimezone():%a %b}"), copied
            on.wait(lambda s: any(t.startswith("Copied: ") for t in s["sections"]["history"]),
                    10, "the view saying what was copied")
            assert dunst_on.shown() == 1
        finally:
            for app in apps.values():
                app.stop()
        assert len(dunst_on.notifies()) == 1, [c.summary for c in dunst_on.notifies()]
        assert dunst_off.notifies() == []

    said = [line for line in app_log(folders["none"]).splitlines() if "Notifications:" in line]
    assert len(said) == 1, said
    history = history_json(folders["on"])
    programs = [(p["station"], p["program"]) for p in history["programs"]]
    assert programs == [("kcur", "Morning Edition"), ("kcur", "Up To Date")]
    split = datetime.fromisoformat(history["programs"][1]["start"])
    assert abs((split - boundary).total_seconds()) < 5
    assert [(t["station"], t["title"]) for t in history["titles"]] == [("kcur", TITLE)]
    assert "Notifications:" not in app_log(folders["on"])


@pytest.mark.timeout(180)
def test_without_a_session_bus_the_app_plays_and_says_so_once(tmp_path, bench, media,
                                                              httpserver) -> None:
    from tests.ui.app_process import AppProcess

    stations = catalogue(tmp_path, bench.url("/a.mp3"),
                         serve_boundary(httpserver, next_boundary(600)),
                         media / "logo-demo-news.png")
    folder = app_folder(tmp_path, "nobus")
    app = AppProcess(folder, stations, env={"DBUS_SESSION_BUS_ADDRESS": None})
    try:
        app.wait_window(60)
        app.wait(lambda s: s["state"] == "playing", 30, "playing at start")
        app.wait_hears(bench.mount("/a.mp3").freq_hz, 30)
    finally:
        assert app.stop() == 0, app.log_tail()
    said = [line for line in app_log(folder).splitlines() if "Notifications:" in line]
    assert len(said) == 1 and "no session bus" in said[0], said
