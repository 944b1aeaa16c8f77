"""The real sound path: the player over libvlc's default audio output, into a real
PulseAudio server's null sink, recorded from its monitor with parec (tests/support/pulse.py).

Unlike the WAV tests (ONAIR_AUDIO_FILE, libvlc's afile output, which ignores volume and
mute), these hear what a listener hears: libvlc picks its pulse output by itself when
PULSE_SERVER is set, and volume and mute act on the PulseAudio stream.

Expected levels: libvlc's pulse output (modules/audio_output/pulse.c, VolumeSet) sets the
stream volume to `volume/100 * PA_VOLUME_NORM` as a PulseAudio *software* volume, not a
linear factor, and PulseAudio's software volume is cubic (pa_sw_volume_to_linear: amplitude
= (v / PA_VOLUME_NORM) ** 3). So volume 30 plays at 0.3 ** 3 = 0.027 of the amplitude at 100
(-31.4 dB); measured here: RMS 0.0594 at 100, 0.00160 at 30 (ratio 0.0270), 0.0 muted.

Found by these tests: volume and mute sent *before* the stream's audio output exists
were lost on the pulse output, so every stream started at volume 100 and unmuted whatever
the listener chose; the backend now sets them again once the output exists.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from player.controller import PlayerController
from player.recovery import RetryPolicy
from player.vlc_backend import make_backend
from tests.player.conftest import pump, station
from tests.support.icecast import IcecastBench
from tests.support.pulse import Monitor, PulseServer
from tests.support.tasks import task_runner

pytestmark = [pytest.mark.icecast, pytest.mark.timeout(120)]

QUICK = RetryPolicy(max_tries=8, base_s=0.3, cap_s=1.5, rng=random.Random(3))
TONE_HZ = 440
WINDOW_S = 1.0  # each level is the RMS of one second recorded from the monitor
CUBIC_30 = 0.3 ** 3  # the amplitude ratio volume 30 : 100 (module docstring)
RATIO_TOLERANCE = 0.15  # relative; linear (0.3) or quadratic (0.09) is far outside
SILENT_RMS = 1e-4  # below one 16-bit step (3e-5) is digital silence; this allows dither
HEARD_RMS = 0.01


def kivy_step() -> None:
    from kivy.clock import Clock

    Clock.tick()


@pytest.fixture
def monitor(pulse: PulseServer, tmp_path: Path) -> Iterator[Monitor]:
    with pulse.monitor(tmp_path / "monitor.wav") as mon:
        yield mon


@pytest.fixture
def player(pulse: PulseServer) -> Iterator[PlayerController]:
    ctl = PlayerController(make_backend(None), policy=QUICK, stall_s=2.0, tasks=task_runner())
    yield ctl
    ctl.shutdown()


def heard(mon: Monitor, window_s: float = 0.3) -> bool:
    freq, rms = mon.last(window_s)
    return rms >= HEARD_RMS and abs(freq - TONE_HZ) <= 15


def quiet_below(mon: Monitor, rms: float, window_s: float = 0.2) -> bool:
    return mon.seconds() > window_s and mon.last(window_s)[1] < rms


def start_tone(player: PlayerController, pulse: PulseServer, mon: Monitor,
               icecast: IcecastBench) -> float:
    """Play the 440 Hz mount at volume 100; the RMS of one second of it from the monitor."""
    player.set_volume(100)
    player.play(station("a", "Station A", icecast.url("/a.mp3")))
    pump(lambda: player.state == "playing", 10, "playing")
    pump(lambda: heard(mon), 10, f"{TONE_HZ} Hz on test.monitor")
    assert len(pulse.sink_inputs()) == 1, "libvlc plays to PulseAudio (one stream)"
    freq, loud = mon.record(WINDOW_S, kivy_step)
    assert abs(freq - TONE_HZ) <= 5 and loud > 0.02, (freq, loud)
    return loud


def test_the_tone_is_heard_on_the_null_sink(player, pulse, monitor, icecast) -> None:
    start_tone(player, pulse, monitor, icecast)
    assert player.error == ""


def test_volume_30_is_quieter_than_100_by_pulseaudios_cubic_curve(player, pulse, monitor,
                                                                    icecast) -> None:
    loud = start_tone(player, pulse, monitor, icecast)
    player.set_volume(30)
    pump(lambda: quiet_below(monitor, loud / 4), 5, "the level to drop at volume 30")
    freq, quiet = monitor.record(WINDOW_S, kivy_step)
    assert abs(freq - TONE_HZ) <= 5, f"still the tone at volume 30 ({freq} Hz, RMS {quiet})"
    ratio = quiet / loud
    assert abs(ratio / CUBIC_30 - 1) <= RATIO_TOLERANCE, \
        f"RMS {quiet:.5f} at 30 / {loud:.5f} at 100 = {ratio:.4f}, expected {CUBIC_30:.4f}"


def test_mute_is_silent_and_unmute_brings_the_tone_back(player, pulse, monitor,
                                                        icecast) -> None:
    loud = start_tone(player, pulse, monitor, icecast)
    player.toggle_mute()
    pump(lambda: quiet_below(monitor, SILENT_RMS), 5, "silence once muted")
    _freq, muted = monitor.record(WINDOW_S, kivy_step)
    assert muted < SILENT_RMS, f"RMS {muted} while muted"
    assert player.state == "playing" and len(pulse.sink_inputs()) == 1, "muted, not stopped"
    player.toggle_mute()
    pump(lambda: heard(monitor), 5, "the tone back after unmute")
    freq, back = monitor.record(WINDOW_S, kivy_step)
    assert abs(freq - TONE_HZ) <= 5 and abs(back / loud - 1) <= 0.1, (freq, back, loud)


def test_volume_and_mute_chosen_before_play_are_heard(player, pulse, monitor, icecast) -> None:
    player.set_volume(30)
    player.toggle_mute()
    player.play(station("a", "Station A", icecast.url("/a.mp3")))
    pump(lambda: player.state == "playing", 10, "playing")
    pump(lambda: len(pulse.sink_inputs()) == 1, 10, "the stream on PulseAudio")
    _freq, muted = monitor.record(WINDOW_S, kivy_step)
    assert muted < SILENT_RMS, f"RMS {muted} though muted before play"
