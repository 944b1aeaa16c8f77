"""The desktop's light/dark preference, from the XDG desktop portal (the "system" theme).

The portal (`org.freedesktop.portal.Desktop` on the session bus, object
`/org/freedesktop/portal/desktop`) answers `org.freedesktop.portal.Settings.ReadOne(
"org.freedesktop.appearance", "color-scheme")` with a `u`: 0 no preference, 1 dark,
2 light (portals before 1.15 only have `Read`, whose answer is wrapped in one more variant).
It emits `SettingChanged(namespace, key, value)` when the listener changes it.

On Air is dark unless the desktop asks for light: no bus, no portal, no such setting, an
error or 0 all give "dark". `ColorSchemeWatch` reads the preference once, then follows
SettingChanged, on its own daemon thread; `on_change(scheme)` runs on that thread (the GUI
hops with Clock.schedule_once: `follow_color_scheme` does that for the app's Look) and is
called once with the first answer, then on each change. Without a portal it calls
`on_change("dark")` once, logs one line and ends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from jeepney import (
    DBusAddress,
    DBusErrorResponse,
    MatchRule,
    Message,
    message_bus,
    new_method_call,
)
from jeepney.io.blocking import DBusConnection, Proxy, open_dbus_connection
from jeepney.wrappers import unwrap_msg

from infra.bus_watch import CALL_TIMEOUT_S, UNAVAILABLE, BusWatch

PORTAL_NAME = "org.freedesktop.portal.Desktop"
PORTAL_PATH = "/org/freedesktop/portal/desktop"
SETTINGS = "org.freedesktop.portal.Settings"
NAMESPACE, KEY = "org.freedesktop.appearance", "color-scheme"
DARK, LIGHT = "dark", "light"
_SIGNAL = {"type": "signal", "interface": SETTINGS, "member": "SettingChanged",
           "path": PORTAL_PATH}
_log = logging.getLogger(__name__)


def scheme_for(value: object) -> str:
    """The portal's color-scheme value as "dark" or "light" (2 is light; anything else,
    0 "no preference" included, is On Air's own dark)."""
    while isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str):
        value = value[1]  # a variant ("u", 2), or Read's variant in a variant
    return LIGHT if value == 2 and not isinstance(value, bool) else DARK


def _read(conn: DBusConnection) -> str:
    portal = DBusAddress(PORTAL_PATH, bus_name=PORTAL_NAME, interface=SETTINGS)
    try:
        reply = conn.send_and_get_reply(
            new_method_call(portal, "ReadOne", "ss", (NAMESPACE, KEY)), timeout=CALL_TIMEOUT_S)
        return scheme_for(unwrap_msg(reply)[0])
    except DBusErrorResponse as err:
        if err.name != "org.freedesktop.DBus.Error.UnknownMethod":
            raise
    reply = conn.send_and_get_reply(new_method_call(portal, "Read", "ss", (NAMESPACE, KEY)),
                                    timeout=CALL_TIMEOUT_S)
    return scheme_for(unwrap_msg(reply)[0])


def read_color_scheme(bus: str = "SESSION") -> str:
    """The desktop's scheme now ("dark" or "light"), asked once; "dark" without a portal."""
    try:
        with open_dbus_connection(bus, auth_timeout=CALL_TIMEOUT_S) as conn:
            return _read(conn)
    except UNAVAILABLE as err:
        _log.info("No colour scheme from the desktop portal (%s): dark", err)
        return DARK


class ColorSchemeWatch(BusWatch):
    """Calls `on_change(scheme)` (on its own thread) with the desktop's scheme, first as
    read, then at each SettingChanged. `start()` never raises; `stop()` ends the thread.
    `bus`: "SESSION" or a D-Bus address (tests: a private bus)."""

    thread_name = "color-scheme"

    def __init__(self, on_change: Callable[[str], None], *, bus: str = "SESSION") -> None:
        super().__init__(bus or "SESSION")
        self._on_change = on_change
        self.scheme: str | None = None  # as last told (None: not yet)

    def _tell(self, scheme: str) -> None:
        if scheme != self.scheme:
            self.scheme = scheme
            self._on_change(scheme)

    def _no_bus(self, err: BaseException) -> None:
        _log.info("No session bus for the desktop's colour scheme (%r): dark", err)
        self._tell(DARK)

    def _listen(self, conn: DBusConnection) -> None:
        try:
            # Subscribed first, so a change between the read and the subscription is seen.
            rule = MatchRule(**_SIGNAL)
            rule.add_arg_condition(0, NAMESPACE)
            Proxy(message_bus, conn, timeout=CALL_TIMEOUT_S).AddMatch(rule)
            self._tell(_read(conn))
        except UNAVAILABLE as err:
            if not self._stopping:
                _log.info("No colour scheme from the desktop portal (%s): dark", err)
                self._tell(DARK)
            return
        ours = MatchRule(**_SIGNAL)
        while True:
            try:
                msg = conn.receive()
            except OSError:
                return  # stopped, or the bus went away: the last scheme stays
            if ours.matches(msg):
                self._changed(msg)

    def _changed(self, msg: Message) -> None:
        if len(msg.body) == 3 and msg.body[0] == NAMESPACE and msg.body[1] == KEY:
            self._tell(scheme_for(msg.body[2]))


def follow_color_scheme(look: object, bus: str = "SESSION") -> ColorSchemeWatch:
    """Started: the desktop's scheme into `look.system_scheme` (ui.look.Look, which applies
    the "system" theme), on the Kivy thread. Stop it when the app ends."""
    from kivy.clock import Clock

    def told(scheme: str) -> None:
        Clock.schedule_once(lambda _dt: setattr(look, "system_scheme", scheme), 0)

    watch = ColorSchemeWatch(told, bus=bus)
    watch.start()
    return watch
