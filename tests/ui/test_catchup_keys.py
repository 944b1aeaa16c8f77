"""Catch-up keys: Space pauses and resumes where it paused, Left goes 30 s back, End back to
live, Home to the start of the program on now; a stream that cannot be held says so.

The end-to-end test runs the app as `onair` does, with real X keys (xdotool), the real
Icecast bench's rising-tone source (the tone steps every 10 s, so the heard frequency tells
the moment playing), a loopback Composer schedule whose program starts about 40 s into the
session, and a real HLS stream; the words on screen come from ONAIR_DEBUG_STATE_FILE.
"""

from __future__ import annotations

import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from player.catalogue import save_catalogue
from player.catchup import NOT_AVAILABLE
from player.stations import Catalogue, ScheduleSource, Station, Stream
from tests.support.audio import analyse, duration_s
from tests.support.icecast import (
    RISE_STEP_HZ,
    RISE_STEP_S,
    RISE_STEPS,
    IcecastBench,
    rising_tone_hz,
)
from tests.support.metadata_server import CHICAGO, KCUR_UCS, Airing, serve_composer
from ui.keys import HELP, action_for


@pytest.mark.parametrize(("key", "action"), [
    (276, "skip_back"), (275, "skip_forward"), (278, "program_start"), (279, "live")])
def test_catch_up_keys(key: int, action: str) -> None:
    assert action_for(key, None, []) == action
    assert action_for(key, None, ["ctrl"]) is None  # the system's, or the library's


def test_help_line_names_the_catch_up_keys() -> None:
    for words in ("Left/Right 30 s", "Home program start", "End live"):
        assert words in HELP


# -- end to end ------------------------------------------------------------------------------
def heard_hz(wav: Path) -> int:
    """The tone of the last half second the app wrote, to the step (100 Hz); 0: silence."""
    end = duration_s(wav)
    freq, rms = analyse(wav, end - 0.5, end) if end > 0.6 else (0.0, 0.0)
    return round(freq / RISE_STEP_HZ) * RISE_STEP_HZ if rms > 0.05 else 0


def step_hz(hz: int, steps: int) -> int:
    return 400 + RISE_STEP_HZ * (((hz - 400) // RISE_STEP_HZ + steps) % RISE_STEPS)


def bar(state: dict) -> list[str]:
    return state.get("sections", {}).get("player_bar", [])


def behind_s(state: dict) -> int | None:
    """The seconds of "m:ss behind live" in the bar, None when it says no such thing."""
    for text in bar(state):
        if text.endswith(" behind live"):
            minutes, _, seconds = text.split()[0].partition(":")
            return int(minutes) * 60 + int(seconds)
    return None


class Listener:
    """The app, by ear: what it plays after a key, and when the live tone stepped."""

    def __init__(self, app) -> None:
        self.app = app
        self.began = 0.0
        self.hz = 0

    def press(self, key: str) -> int:
        """Press `key`; the tone once the reopened stream has played about 1.5 s."""
        before = duration_s(self.app.wav)
        self.app.key(key)
        self.app.wait(lambda s: s["state"] == "playing", 15, f"playing after {key}")
        deadline = time.monotonic() + 15

        def reopened() -> bool:
            now = duration_s(self.app.wav)  # libvlc may start the WAV again
            return (now < before and now >= 1.5) or now >= before + 1.5

        while not reopened():
            assert time.monotonic() < deadline, f"no new audio after {key}"
            time.sleep(0.05)
        return heard_hz(self.app.wav)

    def find_step(self) -> None:
        """Hear a step of the live tone begin."""
        deadline = time.monotonic() + 30
        first = 0
        while not first:
            first = heard_hz(self.app.wav)
            time.sleep(0.05)
        while heard_hz(self.app.wav) in (0, first):
            assert time.monotonic() < deadline, "the live tone never stepped"
            time.sleep(0.05)
        self.began, self.hz = time.monotonic(), heard_hz(self.app.wav)

    def live_hz(self) -> int:
        return step_hz(self.hz, int((time.monotonic() - self.began) // RISE_STEP_S))

    def wait_phase(self, phase_s: float) -> None:
        """Until `phase_s` seconds into a step of the live tone."""
        into = (time.monotonic() - self.began) % RISE_STEP_S
        end = time.monotonic() + (phase_s - into) % RISE_STEP_S
        while time.monotonic() < end:
            time.sleep(0.05)


def program_start(fed_since: float, after: float) -> float:
    """A whole second after `after`, within half a second of the middle of a tone step."""
    into = (after - fed_since) % RISE_STEP_S
    return float(round(after + (RISE_STEP_S / 2 - into) % RISE_STEP_S))


def catalogue(folder: Path, bench: IcecastBench, composer: str, hls_url: str) -> Path:
    rise = Station(id="rise", name="KRSE 90.9", tagline="", city="Kansas City, MO",
                   timezone="America/Chicago", homepage=None, logo=None,
                   streams=(Stream(bench.url("/rise.mp3")),),
                   schedule=ScheduleSource("composer", KCUR_UCS, composer), news_feed=None)
    hls = Station(id="hls", name="HLS Public Radio", tagline="", city="Houston, TX",
                  timezone="America/Chicago", homepage=None, logo=None,
                  streams=(Stream(hls_url),), schedule=None, news_feed=None)
    path = folder / "stations.json"
    save_catalogue(Catalogue((rise, hls), None), path)
    return path


@pytest.mark.e2e
@pytest.mark.icecast
@pytest.mark.gui
@pytest.mark.timeout(300)
@pytest.mark.skipif(shutil.which("xdotool") is None, reason="needs xdotool")
def test_pause_left_end_home_and_a_stream_without_catch_up(
        tmp_path: Path, rising_icecast: IcecastBench, httpserver) -> None:
    from tests.support.hls import HlsStream
    from tests.ui.app_process import AppProcess

    fed = rising_icecast.fed_since["/rise.mp3"]
    start = program_start(fed, time.time() + 40)  # the session starts in a few seconds
    begins = datetime.fromtimestamp(start, UTC)
    airings = [Airing("Early Edition", begins - timedelta(hours=1), begins),
               Airing("The Program", begins, begins + timedelta(hours=1))]
    days = {d: airings for d in {a.start.astimezone(CHICAGO).date() for a in airings}}
    composer = serve_composer(httpserver, days)
    with HlsStream(freq_hz=700) as hls:
        app = AppProcess(tmp_path, catalogue(tmp_path, rising_icecast, composer, hls.url))
        try:
            app.wait_window()
            app.wait(lambda s: s["station"] == "rise", what="the rising station selected")
            assert "Left/Right 30 s" in " ".join(app.texts("notice"))
            ear = Listener(app)
            app.key("space")
            app.wait(lambda s: s["state"] == "playing" and "LIVE" in bar(s), 20, "live")
            ear.find_step()

            # Space pauses; 15 s later Space plays the moment it paused at, not live
            ear.wait_phase(3.0)
            paused_hz = heard_hz(app.wav)
            app.key("space")
            app.wait(lambda s: s["state"] == "paused", what="paused")
            time.sleep(15)  # the listener is away for 15 s
            state = app.wait(lambda s: (behind_s(s) or 0) >= 14, 10, "0:15 behind live")
            assert 14 <= behind_s(state) <= 18, bar(state)
            assert ear.press("space") == paused_hz != ear.live_hz()
            state = app.wait(lambda s: behind_s(s) is not None and "to_live" in s["controls"],
                             what="behind live, with Back to live")
            assert 14 <= behind_s(state) <= 20 and "LIVE" not in bar(state), bar(state)
            app.screenshot("catchup-behind-live")

            # End: back to live
            ear.wait_phase(3.0)
            assert ear.press("End") == ear.live_hz()
            app.wait(lambda s: behind_s(s) is None and "LIVE" in bar(s), what="live again")

            # Left: 30 s back, three steps of the tone
            ear.wait_phase(3.0)
            at_live = ear.live_hz()
            assert ear.press("Left") == step_hz(at_live, -3)
            app.wait(lambda s: 28 <= (behind_s(s) or 0) <= 34, what="0:30 behind live")

            # Home: the start of the program on now (the guide's), held in the buffer
            while time.time() < start + 20:
                time.sleep(0.2)
            app.wait(lambda s: "The Program" in bar(s), 30, "The Program on now")
            assert ear.press("Home") == rising_tone_hz(400, start + 1.5 - fed)
            # live is where a direct player is: the join burst (~8 s here) before the edge
            app.wait(lambda s: (behind_s(s) or 0) >= 8, what="behind live at the start")

            # A stream catch-up cannot hold (HLS) plays, and says so
            app.key("Down")
            state = app.wait(lambda s: s["station"] == "hls" and s["state"] == "playing"
                             and NOT_AVAILABLE in bar(s), 30, "the HLS station, no catch-up")
            app.wait_hears(700)
            app.screenshot("catchup-not-available")
        finally:
            assert app.stop() == 0, app.log_tail()
