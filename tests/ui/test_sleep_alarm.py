"""The sleep timer and alarm dialog and the player bar's line, in a real window with the real
controllers (fake audio backend, hand-moved clock); then end to end: an alarm set with real
X input in the app (`main.py gui`) persists across a restart, shows in the restarted window,
and one minute ahead starts the station (its tone is heard in the WAV)."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.support.tasks import task_runner
from tests.ui.conftest import click, programs_around, screenshot, wait_until

pytestmark = pytest.mark.gui


def type_text(text: str) -> None:
    """Keys as SDL sends them: a key down, then the character (on_textinput)."""
    from kivy.core.window import Window

    from tests.ui.conftest import press

    for char in text:
        Window.dispatch("on_key_down", ord(char.lower()), 0, char, [])
        Window.dispatch("on_textinput", char)
    press(0)


@pytest.fixture
def controllers(tmp_path, player, guide, guide_clock, stations):
    from desktop.alarm import AlarmStore
    from desktop.alarm_controller import AlarmController
    from desktop.sleep_timer import SleepTimer

    player.select(stations[0])
    guide.today = programs_around(guide_clock())
    guide.tick()
    sleep = SleepTimer(player, guide, clock=guide_clock)
    alarms = AlarmController(AlarmStore(tmp_path), player, lambda: stations,
                             tasks=task_runner(), programs_for=lambda s, d: [],
                             clock=guide_clock, local=ZoneInfo("UTC"))
    yield sleep, alarms
    sleep.shutdown()
    alarms.shutdown()


@pytest.fixture
def dialog(window, controllers, player):
    from ui.sleep_alarm import SleepAlarmDialog

    sleep, alarms = controllers
    d = SleepAlarmDialog(sleep=sleep, alarms=alarms, player=player)
    d.open(animation=False)
    wait_until(lambda: d.is_open and d.ids.sleep_30.get_root_window() is not None)
    yield d
    d.dismiss(animation=False)


@pytest.fixture
def bar(window, controllers, player, guide, guide_clock):
    """The player bar following the controllers (in the window before the dialog opens)."""
    from ui.player_bar import PlayerBar

    widget = PlayerBar(player=player, guide=guide, clock=guide_clock)
    widget.follow_sleep_alarm(*controllers)
    window.add_widget(widget)
    return widget


def test_the_dialog_sets_and_cancels_the_sleep_timer_and_the_bar_shows_it(
        window, bar, dialog, controllers, guide) -> None:
    sleep, _alarms = controllers
    click(dialog.ids.sleep_30)
    wait_until(lambda: dialog.ids.sleep_line.text == "Sleep in 30:00")
    assert bar.ids.sleep_alarm.text == "Sleep in 30:00"
    click(dialog.ids.sleep_end)
    wait_until(lambda: dialog.ids.sleep_line.text == "Sleep after Morning Edition · 46:56")
    assert sleep.ends_at == guide.current.end
    screenshot(window, "sleep-alarm-dialog-sleep-timer")
    click(dialog.ids.sleep_cancel)
    wait_until(lambda: dialog.ids.sleep_line.text == "No sleep timer")
    assert sleep.mode == "off" and bar.ids.sleep_alarm.text == ""


def test_the_dialog_sets_lists_and_removes_an_alarm_and_refuses_a_bad_time(
        window, dialog, controllers) -> None:
    _sleep, alarms = controllers
    click(dialog.ids.alarm_time)
    type_text("25:00")
    click(dialog.ids.alarm_set_time)
    wait_until(lambda: "not a time like 07:30" in dialog.ids.alarm_line.text)
    assert alarms.alarms == []
    dialog.ids.alarm_time.text = ""
    click(dialog.ids.alarm_time)
    type_text("7:30")
    click(dialog.ids.alarm_set_time)
    rows = dialog.ids.alarm_rows
    wait_until(lambda: [r.text for r in rows.children] == ["Sun Nov 29, 7:30 AM UTC · KCUR 89.3"])
    assert alarms.next_text == "Alarm Sun Nov 29, 7:30 AM UTC · KCUR 89.3"
    screenshot(window, "sleep-alarm-dialog-alarm")
    remove = next(w for w in rows.children[0].walk() if getattr(w, "text", "") == "Remove")
    click(remove)
    wait_until(lambda: [r.text for r in rows.children] == ["No alarm set"])
    assert alarms.alarms == [] and alarms.next_text == ""


# -- end to end ---------------------------------------------------------------------------
CHICAGO = ZoneInfo("America/Chicago")


@pytest.mark.e2e
@pytest.mark.icecast
@pytest.mark.timeout(300)
@pytest.mark.skipif(shutil.which("xdotool") is None, reason="needs xdotool")
def test_an_alarm_set_in_the_window_persists_shows_after_a_restart_and_plays(tmp_path,
                                                                           icecast) -> None:
    import subprocess

    from infra.timefmt import clock
    from tests.ui.app_process import AppProcess

    stations = tmp_path / "stations.json"
    stations.write_text(json.dumps({"stations": [{
        "id": "kdmo", "name": "KDMO 90.1", "tagline": "", "city": "",
        "timezone": "America/Chicago", "homepage": None,
        "streams": [{"url": icecast.url("/a.mp3"), "format": "mp3"}]}]}))
    now = datetime.now(CHICAGO)
    wake = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    if (wake - now).total_seconds() < 45:  # time to set it and restart the app first
        wake += timedelta(minutes=1)
    shown = f"Alarm {clock(wake)} · KDMO 90.1"
    env = {"TZ": "America/Chicago"}

    app = AppProcess(tmp_path, stations, env=env)
    try:
        app.wait_window()
        app.key("z")
        app.click("sleep_alarm.alarm_time")
        subprocess.run(["xdotool", "type", "--delay", "60", f"{wake:%H:%M}"], check=True,
                       timeout=30)
        app.click("sleep_alarm.alarm_set_time")
        app.wait(lambda s: shown in " ".join(s["sections"]["player_bar"]), 10,
                 f"{shown!r} in the player bar")
        app.key("Escape")
        app.wait(lambda s: not s["sections"].get("sleep_alarm"), 10, "the dialog closed")
    finally:
        app.stop()
    saved = json.loads((tmp_path / "config" / "alarms.json").read_text())
    assert [a["at"] for a in saved["alarms"]] == [f"{wake:%H:%M}"]

    app = AppProcess(tmp_path, stations, env=env)  # the same config dir: a restart
    try:
        app.wait_window()
        app.wait(lambda s: shown in " ".join(s["sections"]["player_bar"]), 10,
                 "the alarm shown after the restart")
        assert app.state()["state"] == "stopped"
        app.screenshot("sleep-alarm-bar")
        app.key("z")
        state = app.wait(lambda s: s["sections"].get("sleep_alarm"), 10, "the dialog")
        assert f"{clock(wake)} · KDMO 90.1" in state["sections"]["sleep_alarm"]
        app.screenshot("sleep-alarm-after-restart")
        app.key("Escape")
        budget = (wake - datetime.now(CHICAGO)).total_seconds() + 20
        app.wait(lambda s: s["state"] == "playing", budget, "the alarm playing the station")
        assert datetime.now(CHICAGO) >= wake, "not before the time set"
        app.wait_hears(440, 15)
        app.wait(lambda s: shown not in " ".join(s["sections"]["player_bar"]), 5,
                 "the fired alarm gone from the bar")
    finally:
        app.stop()
