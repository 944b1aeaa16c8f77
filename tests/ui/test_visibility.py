"""A window nobody can see draws nothing and its clock slows; seen again, it draws at once.

In this process (the test's own Kivy window): ui.visibility.WindowVisibility bound to it,
Kivy's minimize/restore events dispatched, and a real X window laid over it.

End to end: `onair gui` playing station A from the Icecast bench under openbox, minimized
with xdotool (WM_CHANGE_STATE) and covered by another client's window (xmessage), then
brought back. Its CPU time comes from /proc, its frames from the debug state file, what
the screen shows from `import -window root` (test-artifacts/visibility_*.png).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.audio import duration_s
from tests.support.demo_data import STATIONS, DemoSite, demo_catalogue, make_media
from tests.support.icecast import IcecastBench
from tests.ui.app_process import (
    ARTIFACTS,
    AppProcess,
    CoveringWindow,
    WindowManager,
    geometry,
)
from tests.ui.conftest import pump, wait_until

pytestmark = [pytest.mark.gui,
              pytest.mark.skipif(not all(shutil.which(t) for t in ("xdotool", "xmessage")),
                                 reason="needs xdotool and xmessage (x11-utils)")]

A = STATIONS[0]
PHASE_S = 5.0  # CPU measured over this long in each state


# -- in this process --------------------------------------------------------------------
@pytest.fixture
def visibility(window):
    from kivy.clock import Clock

    from ui.visibility import WindowVisibility

    normal = Clock._max_fps
    vis = WindowVisibility(normal, hidden_fps=4.0)
    vis.bind(window)
    yield vis
    vis.unbind()
    assert Clock._max_fps == normal


def test_minimized_draws_nothing_and_slows_the_clock(window, visibility):
    from kivy.clock import Clock

    normal = visibility.visible_fps
    window.canvas.ask_update()
    pump(2)
    drawn = visibility.frames
    assert drawn > 0 and visibility.visible

    window.dispatch("on_minimize")
    assert not visibility.visible and Clock._max_fps == 4.0
    window.canvas.ask_update()  # something changed: a visible window would draw it
    pump(3)
    assert visibility.frames == drawn

    window.dispatch("on_restore")
    assert visibility.visible and Clock._max_fps == normal
    pump(1)
    assert visibility.frames == drawn + 1, "the first iteration after restore draws"


def test_unmapped_counts_until_mapped_and_restored(window, visibility):
    window.dispatch("on_minimize")
    window.dispatch("on_hide")
    window.dispatch("on_show")  # mapped again, but still minimized: nothing to see yet
    assert not visibility.visible
    window.dispatch("on_restore")
    assert visibility.visible


def test_a_window_laid_over_ours_counts_as_hidden(window, visibility):
    if visibility._x11 is None:
        pytest.skip("not an X11 window")
    with CoveringWindow():
        wait_until(lambda: not visibility.visible, timeout=10, what="covered")
        drawn = visibility.frames
        window.canvas.ask_update()
        pump(2)
        assert visibility.frames == drawn
    wait_until(lambda: visibility.visible, timeout=10, what="uncovered")
    wait_until(lambda: visibility.frames > drawn, timeout=5, what="drawn again")


# -- end to end -------------------------------------------------------------------------
@pytest.fixture
def bench():
    with IcecastBench() as b:
        yield b


@pytest.fixture
def catalogue(tmp_path, bench):
    make_media(tmp_path / "media")
    site = DemoSite(tmp_path / "media").start()
    path = tmp_path / "stations.json"
    path.write_text(json.dumps(demo_catalogue(site, bench.url, tmp_path / "media")))
    yield path
    site.close()


@pytest.fixture
def playing_app(tmp_path, catalogue):
    """The app under openbox, playing station A (autoplay), its first frame drawn."""
    if shutil.which("openbox") is None:
        pytest.skip("needs openbox")
    prefs = tmp_path / "config" / "prefs.json"
    prefs.parent.mkdir(parents=True)
    prefs.write_text(json.dumps({"autoplay": True, "last_station": A.id}))
    with WindowManager():
        app = AppProcess(tmp_path, catalogue)
        try:
            app.wait_window()
            app.wait(lambda s: s["state"] == "playing", timeout=30, what="playing A")
            app.wait_hears(440)
            yield app
        finally:
            app.stop()


def cpu_share(app: AppProcess) -> tuple[float, float]:
    """(CPU share of one core, seconds of audio written) over PHASE_S."""
    c0, t0, a0 = app.cpu_seconds(), time.monotonic(), duration_s(app.wav)
    time.sleep(PHASE_S)
    c1, t1, a1 = app.cpu_seconds(), time.monotonic(), duration_s(app.wav)
    return (c1 - c0) / (t1 - t0), a1 - a0


def differing(a: Path, b: Path, region: tuple[int, int, int, int]) -> float:
    """The share of pixels in `region` (x, y, w, h) that differ between two screenshots."""
    x, y, w, h = region
    crop = f"{w}x{h}+{x}+{y}"
    out = subprocess.run(["compare", "-metric", "AE", "-fuzz", "8%", f"{a}[{crop}]",
                          f"{b}[{crop}]", "null:"], capture_output=True, text=True, timeout=60)
    assert out.returncode in (0, 1), out.stderr
    return float(out.stderr.split()[0]) / (w * h)


def hidden_for_a_while(app: AppProcess, what: str) -> dict:
    """Wait until the app says it cannot be seen; measure; check it drew nothing and kept
    playing at the slow rate. Returns the last state."""
    state = app.wait(lambda s: not s["window"]["visible"], what=f"{what}: hidden")
    frames = state["window"]["frames"]
    cpu, audio = cpu_share(app)
    # maxfps 4: Kivy's pacing (it wakes 1.8 resolutions early) makes that ~5.5 loops/s
    state = app.wait(lambda s: s["window"]["loop_fps"] < 8, what=f"{what}: the slow clock")
    assert state["window"]["frames"] == frames, f"{what}: frames were drawn"
    assert state["state"] == "playing"
    assert audio > 0.8 * PHASE_S, f"{what}: only {audio:.1f} s of audio in {PHASE_S} s"
    state["cpu"] = cpu
    return state


def seen_again(app: AppProcess, frames: int, what: str) -> dict:
    state = app.wait(lambda s: s["window"]["visible"] and s["window"]["frames"] > frames,
                     timeout=5, what=f"{what}: drawn again")
    app.wait(lambda s: s["window"]["loop_fps"] >= 20, what=f"{what}: the clock's rate back")
    return state


@pytest.mark.e2e
@pytest.mark.icecast
@pytest.mark.timeout(240)
def test_minimized_or_covered_the_app_draws_nothing_and_keeps_playing(playing_app, bench):
    app = playing_app
    region = geometry(app.window)
    time.sleep(2.0)  # start-up work (fetches, logos) settles before the visible measure
    visible = app.state()
    before = app.screenshot_screen("visibility_visible")
    visible_cpu, _ = cpu_share(app)
    assert app.state()["window"]["frames"] > visible["window"]["frames"], "visible: it draws"

    app.minimize()
    bench.set_title(A.mount, "Title changed while minimized")
    hidden = hidden_for_a_while(app, "minimized")
    assert "Title changed while minimized" in hidden["sections"]["player_bar"]
    assert hidden["cpu"] < 0.5 * visible_cpu, (hidden["cpu"], visible_cpu)

    app.restore()
    state = seen_again(app, hidden["window"]["frames"], "restored")
    assert "Title changed while minimized" in state["sections"]["player_bar"]
    restored = app.screenshot_screen("visibility_restored")

    with CoveringWindow():
        covered = hidden_for_a_while(app, "covered")
        assert covered["cpu"] < 0.5 * visible_cpu, (covered["cpu"], visible_cpu)
        cover = app.screenshot_screen("visibility_covered")
    seen_again(app, covered["window"]["frames"], "uncovered")
    uncovered = app.screenshot_screen("visibility_uncovered")

    shares = {"covered": differing(before, cover, region),
              "restored": differing(before, restored, region),
              "uncovered": differing(before, uncovered, region)}
    cpu = {"visible": visible_cpu, "minimized": hidden["cpu"], "covered": covered["cpu"]}
    (ARTIFACTS / "visibility.json").write_text(json.dumps(
        {"cpu_share": {k: round(v, 4) for k, v in cpu.items()},
         "pixels_differing_from_visible": {k: round(v, 4) for k, v in shares.items()}},
        indent=2))
    assert shares["covered"] > 0.5, "the cover hid the window"
    # Drawn anew, not a stale frame: the screen shows the window as it was before (only
    # the stream title, the clock and the progress differ), not what covered it.
    assert shares["restored"] < 0.05 and shares["uncovered"] < 0.05, shares
