"""The sleep timer and alarm dialog (Z, or "Sleep & alarm" in the player bar).

Sleep timer: 15, 30 or 60 minutes, N minutes typed, or "End of program" (the guide's program
on now); "Cancel timer"; the line above says what is set ("Sleep in 12:04") or why a request
was refused. Alarm: wake to the station selected now at HH:MM (the next time the listener's
clock reads it) or when a named program starts; the alarms set are listed, soonest first,
each with Remove. The controllers are desktop.sleep_timer.SleepTimer and
desktop.alarm_controller.AlarmController; handlers are one call into them, and their
refusals (BadInput) show as one line here. Esc closes; Enter in a field sets what it is for.
"""

from __future__ import annotations

from importlib.resources import files

from kivy.lang import Builder
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView

from infra.errors import BadInput
from ui.markup import escape

_KV = str(files("ui") / "sleep_alarm.kv")
ESC = 27


class AlarmRow(BoxLayout):
    """One alarm set: its words and a Remove button."""

    text = StringProperty("")
    alarm_id = StringProperty("")
    dialog = ObjectProperty(None)


class SleepAlarmDialog(ModalView):
    """`sleep`: SleepTimer; `alarms`: AlarmController; `player`: PlayerController (the
    station an alarm wakes to is the one selected)."""

    sleep = ObjectProperty(None)
    alarms = ObjectProperty(None)
    player = ObjectProperty(None)
    is_open = BooleanProperty(False)
    sleep_line = StringProperty("")
    alarm_line = StringProperty("")
    station_line = StringProperty("")
    timer_on = BooleanProperty(False)

    def __init__(self, *, sleep, alarms, player, **kwargs) -> None:
        if _KV not in Builder.files:
            Builder.load_file(_KV)
        super().__init__(sleep=sleep, alarms=alarms, player=player, **kwargs)
        sleep.bind(text=self._on_sleep, message=self._on_sleep, mode=self._on_sleep)
        alarms.bind(alarms=self._on_alarms, message=self._on_alarm_line,
                    busy=self._on_alarm_line)
        player.bind(station=self._on_station)
        self._on_sleep()
        self._on_alarms()
        self._on_alarm_line()
        self._on_station()

    # -- the listener's requests (one call each) -----------------------------------------
    def sleep_in(self, minutes: str) -> None:
        try:
            self.sleep.sleep_in(float(minutes))
        except ValueError:
            self.sleep.message = f'sleep timer: "{minutes[:20]}" is not a number of minutes'
        except BadInput as err:
            self.sleep.message = str(err)

    def sleep_at_end(self) -> None:
        try:
            self.sleep.sleep_at_end_of_program()
        except BadInput as err:
            self.sleep.message = str(err)

    def cancel_sleep(self) -> None:
        self.sleep.cancel()

    def alarm_at(self, hhmm: str) -> None:
        station = self.player.station
        if station is None:
            self.alarms.message = "Alarm: select a station first"
            return
        try:
            self.alarms.add_time(station, hhmm)
        except BadInput as err:
            self.alarms.message = str(err)

    def alarm_for_program(self, name: str) -> None:
        if self.player.station is None:
            self.alarms.message = "Alarm: select a station first"
        else:
            self.alarms.add_program(self.player.station, name)

    def remove(self, alarm_id: str) -> None:
        self.alarms.remove(alarm_id)

    def key(self, key: int) -> bool:
        """The dialog's own keys (Esc); True when taken."""
        if key == ESC:
            self.dismiss(animation=False)
            return True
        return False

    def on_open(self) -> None:
        self.is_open = True

    def on_dismiss(self) -> None:
        self.is_open = False

    # -- bindings -------------------------------------------------------------------------
    def _on_sleep(self, *_args) -> None:
        self.timer_on = self.sleep.mode != "off"
        self.sleep_line = escape(self.sleep.text or self.sleep.message or "No sleep timer")

    def _on_alarm_line(self, *_args) -> None:
        self.alarm_line = escape(self.alarms.busy or self.alarms.message)

    def _on_station(self, *_args) -> None:
        station = self.player.station
        self.station_line = escape(f"Wake to {station.name}" if station is not None
                                   else "Select a station to wake to")

    def _on_alarms(self, *_args) -> None:
        box = self.ids.alarm_rows
        box.clear_widgets()
        local = self.alarms.local
        for alarm in self.alarms.alarms:
            box.add_widget(AlarmRow(text=escape(alarm.words(local)), alarm_id=alarm.id,
                                    dialog=self))
        if not self.alarms.alarms:
            box.add_widget(AlarmRow(text="No alarm set"))
