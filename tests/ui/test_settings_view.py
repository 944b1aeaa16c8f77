"""The settings view with real X keys and clicks: opened with Ctrl+, and the gear, a bad value
refused with a message and nothing saved, good values saved atomically, applied at once and
again after a restart. The form's rules are also tested as plain functions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.settings import Settings, load_settings
from tests.ui.conftest import screenshot, wait_until
from tests.ui.test_app import AppRunner
from tests.ui.x_input import (  # x_mouse: a fixture
    click_on,
    keys,
    needs_xdotool,
    type_text,
    wait_x,
    x_mouse,  # noqa: F401
)
from ui.settings_form import Form, FormError, form_for, settings_from

DEFAULT = Path("/home/listener/.config/onair/recordings")


def good_form(**changes) -> Form:
    base = dict(notifications=False, autoplay=True, buffer_minutes="60", buffer_mb="300",
                recordings_dir="~/Music/On Air", theme="light", font_scale=1.25)
    return Form(**(base | changes))


def test_the_form_gives_the_settings():
    got = settings_from(good_form(), Settings(), DEFAULT)
    assert got == Settings(notifications=False, buffer_minutes=60, buffer_mb=300,
                           recordings_dir="~/Music/On Air", theme="light", font_scale=1.25)
    # the default folder shown is kept as "the default", not pinned
    assert settings_from(good_form(recordings_dir=str(DEFAULT)), Settings(),
                         DEFAULT).recordings_dir == ""
    assert form_for(Settings(), False, DEFAULT).recordings_dir == str(DEFAULT)


@pytest.mark.parametrize(("field", "value", "words"), [
    ("buffer_minutes", "5", "Catch-up buffer (minutes): '5' is not a whole number from 15 to 240"),
    ("buffer_minutes", "sixty", "Catch-up buffer (minutes): 'sixty'"),
    ("buffer_minutes", "", "Catch-up buffer (minutes): 'nothing'"),
    ("buffer_mb", "1.5", "Catch-up buffer (MB on disk): '1.5'"),
    ("recordings_dir", "Music", "Recordings folder: 'Music' is not a full path"),
    ("theme", "blue", "Theme: 'blue'"),
    ("font_scale", 3.0, "Font size: 3 is outside 0.8 to 2"),
])
def test_a_bad_value_is_refused_with_what_and_where(field, value, words):
    with pytest.raises(FormError) as refused:
        settings_from(good_form(**{field: value}), Settings(), DEFAULT)
    assert str(refused.value).startswith(words)
    assert "\n" not in str(refused.value)


def test_a_file_is_no_recordings_folder(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(FormError, match="is a file, not a folder"):
        settings_from(good_form(recordings_dir=str(tmp_path / "file")), Settings(), DEFAULT)


@pytest.fixture(autouse=True)
def dark_again():
    yield
    from ui.theme import THEME

    THEME.apply("dark", 1.0)


def retype(field, text: str) -> None:
    click_on(field)
    wait_x(lambda: field.focus, 5, "the caret in the field")
    keys("ctrl+a", "BackSpace")
    type_text(text)
    wait_x(lambda: field.text == text, 5, f"{text!r} typed")


@pytest.mark.gui
@needs_xdotool
@pytest.mark.usefixtures("x_mouse")  # real clicks
def test_saved_settings_apply_at_once_and_after_a_restart(window, tmp_path, stations):
    from ui.theme import THEME

    runner = AppRunner(window, tmp_path, stations)
    app = runner.start()
    config = tmp_path / "config"
    keys("ctrl+comma")
    wait_x(lambda: app.look.settings_open(), 5, "the settings open on Ctrl+,")
    view = app.look.view
    screenshot(window, "settings_view")
    click_on(view.ids.theme_light)
    click_on(view.ids.font_125)
    click_on(view.ids.autoplay_on)
    click_on(view.ids.notifications_off)
    wait_x(lambda: (view.theme_choice, view.font_scale, view.autoplay, view.notifications) ==
           ("light", 1.25, True, False), 5, "the choices made")
    retype(view.ids.buffer_minutes, "5")
    click_on(view.ids.save)
    wait_x(lambda: view.message.startswith("Catch-up buffer (minutes): '5'"), 5,
           "the refusal shown")
    assert view.ids.message.text == view.message and view.is_open
    assert not (config / "settings.json").exists(), "nothing saved"
    assert THEME.scheme == "dark", "nothing applied"
    screenshot(window, "settings_view_refused")
    retype(view.ids.buffer_minutes, "60")
    click_on(view.ids.save)
    wait_x(lambda: not view.is_open, 5, "saved and closed")
    saved = json.loads((config / "settings.json").read_text())
    assert saved["theme"] == "light" and saved["font_scale"] == 1.25
    assert saved["buffer_minutes"] == 60 and saved["notifications"] is False
    assert THEME.scheme == "light" and THEME.FONT_M == pytest.approx(15 * 1.25, abs=0.1)
    wait_until(lambda: tuple(window.clearcolor) == tuple(THEME.SURFACE), what="light window")
    assert app.prefs.autoplay
    assert [p.name for p in config.iterdir() if p.name.startswith("settings")] == \
        ["settings.json"], "written by rename, no temp file left"
    runner.stop()

    THEME.apply("dark", 1.0)  # as a new process starts
    again = AppRunner(window, tmp_path, stations)
    app = again.start()
    try:
        assert app.look.settings == load_settings(config)
        assert THEME.scheme == "light" and THEME.FONT_M == pytest.approx(18.8, abs=0.1)
        assert tuple(app.bar.ids.station_name.color) == tuple(THEME.TEXT)
        wait_until(lambda: app.player.state == "playing", 10, "autoplay at start")
        app.root.ids.settings_button.trigger_action(0)
        wait_until(lambda: app.look.settings_open(), what="the gear opens the settings")
        view = app.look.view
        assert view.theme_choice == "light" and view.ids.buffer_minutes.text == "60"
        assert view.ids.theme_light.state == "down" and view.ids.theme_dark.state == "normal"
        keys("Escape")
        wait_x(lambda: not app.look.settings_open(), 5, "Esc closes without saving")
    finally:
        again.stop()


@pytest.mark.gui
def test_a_folder_that_cannot_be_written_is_said(window, tmp_path, stations):
    runner = AppRunner(window, tmp_path, stations)
    app = runner.start()
    try:
        config = tmp_path / "config"
        config.mkdir(exist_ok=True)
        (config / "settings.json").mkdir()  # the file's place is taken: the rename fails
        problem = app.look.save(Settings(theme="light"))
        assert problem.startswith(f"Could not save {config / 'settings.json'}")
        assert app.look.settings == Settings()
    finally:
        runner.stop()


def pixel(path: Path, x: int, y: int) -> tuple[int, int, int]:
    """The colour of a screenshot's pixel (ImageMagick)."""
    import re
    import subprocess

    out = subprocess.run(["convert", str(path), "-format", f"%[pixel:p{{{x},{y}}}]", "info:"],
                         capture_output=True, text=True, check=True, timeout=30).stdout
    values = [int(v) for v in re.findall(r"\d+", out)[:3]]
    return tuple(values * 3 if len(values) == 1 else values)  # type: ignore[return-value]


def shows(app, name: str, colour: tuple[int, int, int]) -> None:
    """Wait until a screenshot of the app's window has `colour` in its top-left corner (the
    player bar's surface): the window has drawn the theme, not only set it."""
    import time

    seen: list[tuple[int, int, int]] = []
    deadline = time.monotonic() + 15
    while not seen or seen[-1] != colour:
        if time.monotonic() > deadline:
            raise AssertionError(f"{colour} never on screen; saw {seen[-3:]}")
        seen.append(pixel(app.screenshot(name), 3, 3))


def rgb(name: str, scheme: str) -> tuple[int, int, int]:
    from ui.theme import colour

    return tuple(round(c * 255) for c in colour(name, scheme)[:3])  # type: ignore[return-value]


@pytest.mark.e2e
@pytest.mark.gui
@needs_xdotool
@pytest.mark.timeout(180)
def test_the_app_follows_the_portal_then_the_saved_setting_after_a_restart(tmp_path, stations):
    """The real app (main.py) on a private bus with a portal saying light: light while the
    theme is "system"; Dark chosen in the settings view with real keys and saved; a restart
    is dark although the desktop still says light."""
    from tests.desktop.test_color_scheme import FakePortal
    from tests.support.dbus import PrivateBus
    from tests.ui.app_process import AppProcess

    catalogue = tmp_path / "stations.json"
    catalogue.write_text(json.dumps({"stations": [
        {"id": s.id, "name": s.name, "tagline": "", "city": s.city, "timezone": s.timezone,
         "homepage": None, "logo": None, "streams": [{"url": s.streams[0].url}],
         "schedule": None, "news": None} for s in stations], "newscast": None}))
    with PrivateBus() as bus:
        portal = FakePortal(bus, 2)
        env = {"DBUS_SESSION_BUS_ADDRESS": bus.address}
        try:
            app = AppProcess(tmp_path, catalogue, env=env)
            try:
                app.wait_window()
                app.wait(lambda s: s["look"]["scheme"] == "light", 20, "light from the portal")
                shows(app, "settings_e2e_portal_light", rgb("SURFACE", "light"))
                app.key("ctrl+comma")
                app.wait(lambda s: s["look"]["settings_open"], 10, "the settings open")
                app.key(*["Tab"] * 7)  # On, Off, On, Off, System, Light, Dark
                app.wait(lambda s: s["look"]["focus"] == "Dark", 10, "Dark focused")
                app.key("Return")
                app.key("Escape")  # the focus goes; Shift+Tab then starts from the last: Save
                app.wait(lambda s: s["look"]["focus"] is None, 10, "no focus")
                app.key("shift+Tab")
                app.wait(lambda s: s["look"]["focus"] == "Save", 10, "Save focused")
                app.key("Return")
                app.wait(lambda s: not s["look"]["settings_open"] and
                         s["look"]["scheme"] == "dark", 10, "saved: dark")
            finally:
                assert app.stop() == 0, app.log_tail()
            assert load_settings(tmp_path / "config").theme == "dark"
            again = AppProcess(tmp_path, catalogue, env=env)
            try:
                again.wait_window()
                state = again.wait(lambda s: s["look"]["system"] == "light", 20,
                                   "the desktop's light told to the restarted app")
                assert state["look"]["scheme"] == "dark", "the saved setting wins"
                shows(again, "settings_e2e_restart_dark", rgb("SURFACE", "dark"))
            finally:
                again.stop()
        finally:
            portal.close()
