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
import socket
import threading
from collections.abc import Callable

from jeepney import DBusAddress, DBusErrorResponse, MatchRule, Message, Properties, message_bus
from jeepney.io.blocking import DBusConnection, Proxy, open_dbus_connection
from jeepney.wrappers import unwrap_msg

NM_NAME = "org.freedesktop.NetworkManager"
NM_PATH = "/org/freedesktop/NetworkManager"
NM_STATE_CONNECTED_GLOBAL = 70
CALL_TIMEOUT_S = 2.0
# What a failed connect or subscribe raises: no socket, no DBUS_SESSION_BUS_ADDRESS (KeyError),
# an address jeepney cannot use (RuntimeError, ValueError), an error reply, a timeout.
_UNAVAILABLE = (OSError, KeyError, RuntimeError, ValueError, DBusErrorResponse)
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


class NetworkWatch:
    """Calls `on_online` (on its own thread) when NetworkManager's state comes back to
    connected-global. `start()` never raises; `stop()` ends the thread."""

    def __init__(self, on_online: Callable[[], None], *, bus: str = "system") -> None:
        self._on_online = on_online
        self._bus = bus
        self._lock = threading.Lock()
        self._stopping = False
        self._conn: DBusConnection | None = None
        self._thread: threading.Thread | None = None
        self.state: int | None = None  # NetworkManager's state as last seen (None: not yet)

    def start(self) -> None:
        """Start watching (once: a stopped watch stays stopped)."""
        if self._thread is None and not self._stopping:
            self._thread = threading.Thread(target=self._run, name="network-watch", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        with self._lock:
            self._stopping = True
            conn = self._conn
        if conn is not None:
            try:
                conn.sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked receive
            except OSError:
                pass
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _where(self) -> str:
        address = bus_address(self._bus)
        return f"{address.lower()} bus" if address in ("SYSTEM", "SESSION") else f"bus {address}"

    def _unavailable(self, why: str) -> None:
        _log.info("Not watching NetworkManager (%s): streams retry on their own schedule", why)

    def _run(self) -> None:
        try:
            conn = open_dbus_connection(bus_address(self._bus), auth_timeout=CALL_TIMEOUT_S)
        except _UNAVAILABLE as err:
            self._unavailable(f"no {self._where()}: {err!r}")
            return
        with self._lock:
            if self._stopping:
                conn.close()
                return
            self._conn = conn
        try:
            self._listen(conn)
        finally:
            conn.close()

    def _listen(self, conn: DBusConnection) -> None:
        try:
            Proxy(message_bus, conn, timeout=CALL_TIMEOUT_S).AddMatch(
                MatchRule(sender=NM_NAME, **_SIGNAL))
            get = Properties(DBusAddress(NM_PATH, NM_NAME, NM_NAME)).get("State")
            reply = conn.send_and_get_reply(get, timeout=CALL_TIMEOUT_S)
            self.state = int(unwrap_msg(reply)[0][1])  # the variant ("u", state)
        except _UNAVAILABLE as err:
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
