"""End to end, by ear: volume and mute set with real keys are heard on a real PulseAudio
null sink, and are remembered across a restart of the app.

The app runs as `main.py gui` (tests/ui/app_process.py) without ONAIR_AUDIO_FILE and with
PULSE_SERVER pointing at the test's server (tests/support/pulse.py), so libvlc plays to
the null sink and `parec` records its monitor. Levels are compared by RMS of one-second
windows; volume 30 plays at 0.3 ** 3 of the amplitude at 100 (PulseAudio's cubic software
volume, see tests/player/test_sound_path.py).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.icecast import IcecastBench
from tests.support.pulse import Monitor, PulseServer
from tests.ui.app_process import AppProcess
from ui.keys import VOLUME_STEP
from ui.prefs import Prefs

pytestmark = [pytest.mark.e2e, pytest.mark.icecast, pytest.mark.gui,
              pytest.mark.skipif(shutil.which("xdotool") is None, reason="needs xdotool"),
              pytest.mark.timeout(240)]

TONE_HZ = 440
WINDOW_S = 1.0  # each level is the RMS of one second recorded from the monitor
CUBIC_30 = 0.3 ** 3
RATIO_TOLERANCE = 0.15
SILENT_RMS = 1e-4
HEARD_RMS = 0.01


@pytest.fixture(scope="module")
def pulse() -> Iterator[PulseServer]:
    with PulseServer() as server:
        yield server


def catalogue(bench: IcecastBench) -> dict:
    return {"stations": [{
        "id": "kdmo", "name": "KDMO", "tagline": "", "city": "", "timezone": "America/Chicago",
        "homepage": None, "streams": [{"url": bench.url("/a.mp3"), "format": "mp3"}],
    }]}


def heard(mon: Monitor, min_rms: float = HEARD_RMS, window_s: float = 0.3) -> bool:
    """The last `window_s` recorded are the tone, at least `min_rms` loud."""
    freq, rms = mon.last(window_s)
    return rms >= min_rms and abs(freq - TONE_HZ) <= 15


def quiet_below(mon: Monitor, rms: float, window_s: float = 0.2) -> bool:
    return mon.seconds() > window_s and mon.last(window_s)[1] < rms


def shows_volume(state: dict, volume: int) -> bool:
    """The player bar's "Vol" label is followed by `volume`."""
    bar = state.get("sections", {}).get("player_bar", [])
    return any(a == "Vol" and b == str(volume) for a, b in zip(bar, bar[1:], strict=False))


def wait_for(app: AppProcess, cond, timeout: float, what: str) -> None:
    """Wait on a condition of the recording, failing early if the app has exited."""
    def ok(_state: dict) -> bool:
        return bool(cond())

    app.wait(ok, timeout, what)


def test_volume_30_and_mute_by_keys_are_heard_and_remembered(tmp_path: Path, pulse, bench):
    stations = tmp_path / "stations.json"
    stations.write_text(json.dumps(catalogue(bench)))
    env = {"ONAIR_AUDIO_FILE": None, **pulse.env}
    prefs_file = tmp_path / "config" / "prefs.json"
    steps_up = (100 - Prefs().volume) // VOLUME_STEP  # the first start plays at the default
    steps_down = (100 - 30) // VOLUME_STEP

    with pulse.monitor(tmp_path / "monitor.wav") as mon:
        app = AppProcess(tmp_path, stations, env=env)
        try:
            app.wait_window()
            app.wait(lambda s: s["station"] == "kdmo", what="the station selected")
            app.key("space")
            app.wait(lambda s: s["state"] == "playing", what="playing")
            wait_for(app, lambda: heard(mon), 15, f"{TONE_HZ} Hz on test.monitor")
            assert len(pulse.sink_inputs()) == 1, "the app plays to PulseAudio"
            app.key(*["equal"] * steps_up)  # "=" is the unshifted "+": volume up
            app.wait(lambda s: shows_volume(s, 100), what="volume 100 shown")
            freq, loud = mon.record(WINDOW_S)
            assert abs(freq - TONE_HZ) <= 5 and loud > 0.02, (freq, loud)

            app.key(*["minus"] * steps_down)
            app.wait(lambda s: shows_volume(s, 30), what="volume 30 shown")
            wait_for(app, lambda: quiet_below(mon, loud / 4), 5, "quieter at volume 30")
            freq, quiet = mon.record(WINDOW_S)
            assert abs(freq - TONE_HZ) <= 5, (freq, quiet)
            assert abs(quiet / loud / CUBIC_30 - 1) <= RATIO_TOLERANCE, (quiet, loud)

            app.key("m")
            wait_for(app, lambda: quiet_below(mon, SILENT_RMS), 5, "silence once muted")
            assert app.stop() == 0
        finally:
            app.stop()
        saved = json.loads(prefs_file.read_text())
        assert (saved["volume"], saved["muted"]) == (30, True), saved

        app = AppProcess(tmp_path, stations, env=env)
        try:
            app.wait_window()
            app.wait(lambda s: s["station"] == "kdmo", what="the last station selected")
            app.key("space")
            app.wait(lambda s: s["state"] == "playing", what="playing again")
            wait_for(app, lambda: len(pulse.sink_inputs()) == 1, 10,
                     "the app's stream on PulseAudio")
            # The stream plays (libvlc decodes it: the player says "playing" only once audio
            # is decoded), so one second of silence here is the remembered mute.
            _freq, muted = mon.record(WINDOW_S)
            assert muted < SILENT_RMS, f"RMS {muted} while muted after the restart"

            app.key("m")
            wait_for(app, lambda: heard(mon, loud * CUBIC_30 / 2), 10,
                     "the tone back after unmute")
            freq, back = mon.record(WINDOW_S)
            assert abs(freq - TONE_HZ) <= 5, (freq, back)
            assert abs(back / loud / CUBIC_30 - 1) <= RATIO_TOLERANCE, \
                f"RMS {back:.5f} after unmute vs {loud:.5f} at 100: volume 30 not remembered"
            assert app.stop() == 0
        finally:
            app.stop()
