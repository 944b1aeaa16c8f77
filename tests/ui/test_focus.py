"""Keyboard focus with real X keys: Tab reaches every control with a visible ring, Shift+Tab
goes back, Enter and space activate the focused control, space is play/pause without one."""

from __future__ import annotations

import pytest

from tests.ui.conftest import screenshot, wait_until
from tests.ui.test_app import AppRunner
from tests.ui.x_input import keys, needs_xdotool, wait_x

pytestmark = pytest.mark.gui


@pytest.fixture
def app(window, tmp_path, stations):
    runner = AppRunner(window, tmp_path, stations)
    started = runner.start()
    wait_until(lambda: started.player.station is not None, what="a station selected")
    yield started
    runner.stop()


def tab(app, keyname: str = "Tab"):
    """One real Tab (or Shift+Tab); the control that has the focus then."""
    ring = app.look.ring
    before = ring.current
    keys(keyname)
    wait_x(lambda: ring.current is not None and ring.current is not before, 5,
           f"the focus to move on {keyname}")
    return ring.current


def tab_to(app, widget, limit: int = 80):
    for _ in range(limit):
        if tab(app).uid == widget.uid:  # ids are weak proxies: compared by uid
            return
    raise AssertionError(f"Tab never reached {widget}")


def ring_pixel_colour(window, app) -> tuple[int, int, int]:
    """The colour on screen in the middle of the ring's left edge."""
    from kivy.core.image import Image

    x, y, _w, h = app.look.ring.ring_box()
    path = screenshot(window, "focus_ring")
    image = Image.load(str(path), keep_data=True)
    r, g, b, _a = image.read_pixel(round(x), round(window.height - (y + h / 2)))
    return round(r * 255), round(g * 255), round(b * 255)


@needs_xdotool
def test_tab_reaches_every_control_with_a_visible_ring(app, window):
    from ui.focus import controls
    from ui.theme import THEME

    reachable = controls(window)
    bar, root = app.bar.ids, app.root.ids
    for control in (bar.play, bar.stop, bar.mute, bar.volume, root.add_station,
                    root.settings_button):
        assert control in reachable
    rows = [w for w in reachable if type(w).__name__ == "StationRow"]
    assert len(rows) == 3, "every station's row"
    seen = []
    for _ in range(len(reachable)):
        control = tab(app)
        seen.append(control)
        x, y, w, h = app.look.ring.ring_box()
        cx, cy = control.to_window(control.x, control.y)
        assert x < cx and y < cy and x + w > cx + control.width and y + h > cy + control.height
    assert {id(w) for w in seen} == {id(w) for w in reachable}
    assert seen[0] is reachable[0]
    tab_to(app, bar.stop)
    focus = tuple(round(c * 255) for c in THEME.FOCUS[:3])
    assert all(abs(a - b) <= 40 for a, b in zip(ring_pixel_colour(window, app), focus,
                                                  strict=True)), "the ring is drawn"
    assert tab(app, "shift+Tab").uid == bar.play.uid  # back


@needs_xdotool
def test_enter_and_space_activate_the_focused_control(app):
    bar = app.bar.ids
    tab_to(app, bar.mute)
    keys("Return")
    wait_x(lambda: app.player.muted, 5, "muted by Enter on Mute")
    keys("space")  # a control has the focus: space presses it, it does not play
    wait_x(lambda: not app.player.muted, 5, "unmuted by space on Mute")
    assert app.player.state == "stopped"
    keys("Escape")  # the focus goes; space is play/pause again
    wait_x(lambda: app.look.ring.current is None, 5, "no focus after Esc")
    keys("space")
    wait_x(lambda: app.player.state == "playing", 10, "space plays")
    tab_to(app, bar.stop)
    keys("Return")
    wait_x(lambda: app.player.state == "stopped", 10, "Enter on Stop stops")


@needs_xdotool
def test_enter_on_a_station_row_plays_it(app, window):
    from ui.focus import controls

    kuhf = next(w for w in controls(window)
                if type(w).__name__ == "StationRow" and w.station_id == "kuhf")
    tab_to(app, kuhf)
    keys("Return")
    wait_x(lambda: app.player.station.id == "kuhf" and app.player.state == "playing", 10,
           "the focused station playing")


@needs_xdotool
def test_a_focused_slider_moves_with_the_arrows(app):
    volume = app.bar.ids.volume
    tab_to(app, volume)
    start = app.player.volume
    keys("Left")
    wait_x(lambda: app.player.volume == max(0, start - 5), 5, "volume down by a twentieth")
    assert app.player.station.id == "kcur"  # Left did not skip or switch


def test_the_focus_keys():
    from ui.keys import action_for

    assert action_for(9, None) == "focus_next"
    assert action_for(9, None, ["shift"]) == "focus_previous"
    assert action_for(9, None, ["ctrl"]) is None  # Ctrl+Tab is the system's
    assert action_for(13, None) == action_for(271, None) == "activate"
    assert action_for(44, ",", ["ctrl"]) == "settings"
    assert action_for(32, " ") == "toggle"  # space: the app decides (focus or play/pause)
