"""NetworkWatch: says when NetworkManager reports the network back, so a waiting player
retries at once instead of waiting out its backoff.

NetworkManager lives on the system bus: name and interface `org.freedesktop.NetworkManager`,
object `/org/freedesktop/NetworkManager`, property `State` and signal `StateChanged(u)`.
A daemon thread connects, subscribes to the signal, reads `State` once, then calls
`on_online` each time the state rises from below NM_STATE_CONNECTED_GLOBAL (70) to it.

Threading: `on_online` runs on the watch's own thread; the caller hops to its UI thread
(`Clock.schedule_once`). No bus, or no NetworkManager on it: one log line (INFO) and the
thread ends; nothing else changes. `bus` is "system" (the default), "session" or a D-Bus
address (tests point it at a private bus).

The only module that imports jeepney (tests/test_layering.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from jeepney import DBusAddress, MatchRule, Message, Properties, message_bus
from jeepney.io.blocking import DBusConnection, Proxy
from jeepney.wrappers import unwrap_msg

from infra.bus_watch import CALL_TIMEOUT_S, UNAVAILABLE, BusWatch

NM_NAME = "org.freedesktop.NetworkManager"
NM_PATH = "/org/freedesktop/NetworkManager"
NM_STATE_CONNECTED_GLOBAL = 70
_SIGNAL = {"type": "signal", "interface": NM_NAME, "member": "StateChanged", "path": NM_PATH}
_log = logging.getLogger(__name__)


def came_online(before: int | None, after: int) -> bool:
    """NetworkManager's state rose to connected-global (an unknown state counts as offline:
    a retry too many is a no-op, one missed is a long wait)."""
    return after >= NM_STATE_CONNECTED_GLOBAL and (
        before is None or before < NM_STATE_CONNECTED_GLOBAL)


def bus_address(setting: str) -> str:
    """A bus setting ("system", "session" or an address) as jeepney's open_dbus_connection
    takes it."""
    named = {"": "SYSTEM", "system": "SYSTEM", "session": "SESSION"}
    return named.get(setting.strip().lower(), setting.strip())


class NetworkWatch(BusWatch):
    """Calls `on_online` (on its own thread) when NetworkManager's state comes back to
    connected-global. `start()` never raises; `stop()` ends the thread."""

    thread_name = "network-watch"

    def __init__(self, on_online: Callable[[], None], *, bus: str = "system") -> None:
        super().__init__(bus_address(bus))
        self._on_online = on_online
        self._bus = bus
        self.state: int | None = None  # NetworkManager's state as last seen (None: not yet)

    def _where(self) -> str:
        address = bus_address(self._bus)
        return f"{address.lower()} bus" if address in ("SYSTEM", "SESSION") else f"bus {address}"

    def _unavailable(self, why: str) -> None:
        _log.info("Not watching NetworkManager (%s): streams retry on their own schedule", why)

    def _no_bus(self, err: BaseException) -> None:
        self._unavailable(f"no {self._where()}: {err!r}")

    def _listen(self, conn: DBusConnection) -> None:
        try:
            Proxy(message_bus, conn, timeout=CALL_TIMEOUT_S).AddMatch(
                MatchRule(sender=NM_NAME, **_SIGNAL))
            get = Properties(DBusAddress(NM_PATH, NM_NAME, NM_NAME)).get("State")
            reply = conn.send_and_get_reply(get, timeout=CALL_TIMEOUT_S)
            self.state = int(unwrap_msg(reply)[0][1])  # the variant ("u", state)
        except UNAVAILABLE as err:
            if not self._stopping:
                self._unavailable(f"not on the {self._where()}: {err}")
            return
        ours = MatchRule(**_SIGNAL)  # the bus matched the sender by its well-known name
        while True:
            try:
                msg = conn.receive()
            except OSError as err:
                if not self._stopping:
                    _log.info("Network watch ended: lost the %s (%r)", self._where(), err)
                return
            if ours.matches(msg):
                self._changed(msg)

    def _changed(self, msg: Message) -> None:
        if not (msg.body and isinstance(msg.body[0], int)):
            return
        before, self.state = self.state, msg.body[0]
        if came_online(before, self.state):
            self._on_online()
