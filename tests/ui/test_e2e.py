"""End to end: the app as `onair` runs it, real X keys, a real Icecast and a metadata server.

Station A (KDMO, 440 Hz) and B (WDMO, 1000 Hz) stream from the Icecast bench; the
demo metadata server (tests/support/demo_data.py) answers Composer, RSS and the
newscast feed. The words on screen come from ONAIR_DEBUG_STATE_FILE; screenshots go
to test-artifacts/.
"""

from __future__ import annotations

import json
import shutil
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from schedule.guide import on_now, up_next
from tests.support.demo_data import STATIONS, DemoSite, demo_catalogue, demo_programs
from tests.support.icecast import IcecastBench
from tests.support.metadata_server import silent_server
from tests.ui.app_process import AppProcess

pytestmark = [pytest.mark.e2e, pytest.mark.icecast, pytest.mark.gui,
              pytest.mark.skipif(shutil.which("xdotool") is None, reason="needs xdotool"),
              pytest.mark.timeout(240)]

A, B = STATIONS
B_STORY = "Carnegie Hall opens its season with a rarely heard Dvorak symphony"


def write_catalogue(folder, site, bench, media):
    path = folder / "stations.json"
    path.write_text(json.dumps(demo_catalogue(site, bench.url, media)))
    return path


@pytest.fixture
def app_factory(tmp_path):
    apps: list[AppProcess] = []

    def start(stations_file) -> AppProcess:
        app = AppProcess(tmp_path, stations_file)
        apps.append(app)
        app.wait_window()
        return app

    yield start
    for app in apps:
        app.stop()


def expected(station) -> tuple[str, str]:
    """The titles on now and up next in the demo schedule at this instant."""
    at = datetime.now(UTC)
    day = at.astimezone(ZoneInfo(station.timezone)).date()
    programs = demo_programs(station, day) + demo_programs(station, day + timedelta(days=1))
    return on_now(programs, at).title, up_next(programs, at).title


def joined(app: AppProcess, section: str) -> str:
    return "\n".join(app.texts(section))


def test_play_switch_and_read_a_story(tmp_path, bench, site, media, app_factory):
    app = app_factory(write_catalogue(tmp_path, site, bench, media))
    state = app.wait(lambda s: s["station"] == A.id, what="station A selected")
    assert state["state"] == "stopped"  # first start: selected, not playing

    def shows_now_and_next(s: dict) -> bool:
        now_title, next_title = expected(A)
        panel = s["sections"]["up_next"]
        return (now_title in panel and next_title in panel and "UP NEXT" in panel
                and now_title in s["sections"]["player_bar"])

    app.wait(shows_now_and_next, what="on now and up next from the server")

    app.key("space")
    app.wait(lambda s: s["state"] == "playing", what="playing A")
    app.wait_hears(A_FREQ := bench.mount(A.mount).freq_hz)
    assert A_FREQ == 440
    app.wait(lambda s: "Kansas City council approves new streetcar extension funding"
             in s["sections"]["news"], what="stories listed")
    app.wait(lambda s: f"On now: {expected(B)[0]}" in joined(app, "stations"),
             what="the other station's program on now, in the list")
    bench.set_title(A.mount, "[b]Demo Artist[/b] - Tone & Co")
    app.wait(lambda s: "[b]Demo Artist[/b] - Tone & Co" in s["sections"]["player_bar"],
             what="the stream title, literally")
    app.screenshot("e2e_playing_a")

    app.key("Down")
    app.wait(lambda s: s["station"] == B.id and s["state"] == "playing", what="playing B")
    app.wait_hears(bench.mount(B.mount).freq_hz)
    app.wait(lambda s: expected(B)[0] in s["sections"]["player_bar"]
             and expected(B)[1] in s["sections"]["up_next"], what="B's programs")
    news = app.wait(lambda s: B_STORY in s["sections"]["news"], what="B's own stories")
    assert not any("streetcar" in t for t in news["sections"]["news"]), "A's stories are gone"

    app.click("newscast_play")  # the hourly newscast: on demand, seekable, then back to live
    app.wait(lambda s: s["mode"] == "ondemand" and s["state"] == "playing"
             and "Playing newscast" in s["sections"]["player_bar"], what="the newscast playing")
    app.wait_hears(660)
    state = app.wait(lambda s: any(t.endswith(" / 1:00") for t in s["sections"]["player_bar"]),
                     what="the newscast's position and length")
    app.click("seek")  # the middle of the slider: about 0:30
    app.wait(lambda s: any(t.startswith("0:3") and t.endswith(" / 1:00")
                           for t in s["sections"]["player_bar"]), what="seeked to the middle")
    app.screenshot("e2e_newscast")
    app.click("back_to_live")
    app.wait(lambda s: s["mode"] == "live" and s["state"] == "playing" and s["station"] == B.id,
             what="back to station B live")
    app.wait_hears(bench.mount(B.mount).freq_hz)

    app.key("n")
    state = app.wait(lambda s: s["sections"]["reader"], what="the reader open")
    assert B_STORY in state["sections"]["reader"]
    app.screenshot("e2e_reader")
    app.key("Escape")
    app.wait(lambda s: not s["sections"]["reader"], what="the reader closed")

    assert app.stop() == 0
    prefs = json.loads((tmp_path / "config" / "prefs.json").read_text())
    assert prefs["last_station"] == B.id


def test_metadata_server_down_still_plays_and_says_so(tmp_path, bench, media, app_factory):
    site = DemoSite(media).start()
    site.close()  # its port now refuses connections
    app = app_factory(write_catalogue(tmp_path, site, bench, media))
    app.key("space")
    app.wait(lambda s: s["state"] == "playing", what="playing without metadata")
    app.wait_hears(440)
    app.wait(lambda s: "Schedule unavailable" in "\n".join(s["sections"]["up_next"]),
             what="schedule offline message")
    app.wait(lambda s: "News unavailable" in "\n".join(s["sections"]["news"]),
             what="news offline message")
    app.screenshot("e2e_metadata_down")


def test_stream_server_down_error_then_recovery(tmp_path, site, media, app_factory):
    with IcecastBench() as own:
        own.stop()
        app = app_factory(write_catalogue(tmp_path, site, own, media))
        app.key("space")
        app.wait(lambda s: any(t.startswith("Reconnecting") for t in s["sections"]["player_bar"]),
                 what="reconnecting shown")
        state = app.wait(lambda s: s["state"] == "error", timeout=90, what="the error state")
        bar = joined(app, "player_bar")
        assert "KDMO 90.1" in bar and "Error: the stream could not be reached" in bar, bar
        assert "Cannot play" in joined(app, "stations")
        app.screenshot("e2e_stream_error")
        assert state["sections"]["up_next"], "the rest of the window keeps working"

        own.start()
        app.key("space")
        app.wait(lambda s: s["state"] == "playing", timeout=20, what="playing again")
        app.wait_hears(440)

        own.stop()  # a drop while playing: reconnects by itself when the server returns
        app.wait(lambda s: s["state"] == "reconnecting", timeout=20, what="reconnecting")
        own.start()
        app.wait(lambda s: s["state"] == "playing", timeout=40, what="recovered")
        app.wait_hears(440)


def test_quits_at_once_while_the_metadata_server_hangs(tmp_path, bench, media, app_factory):
    """Closing the window while schedule and news requests wait on a server that never
    answers: the process ends at once (it used to wait out the read timeout)."""
    with silent_server() as base:
        class HungSite:
            base_url = base

        app = app_factory(write_catalogue(tmp_path, HungSite, bench, media))
        app.key("space")
        app.wait(lambda s: s["state"] == "playing", what="playing while metadata hangs")
        app.wait_hears(440)
        started = time.monotonic()
        assert app.stop(timeout=30) == 0, app.log_tail()
        assert time.monotonic() - started < 3.0, "quitting waited on the hung server"
        assert json.loads((tmp_path / "config" / "prefs.json").read_text())["last_station"] == A.id
