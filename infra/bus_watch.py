"""A thread that holds one D-Bus connection and listens on it (jeepney, blocking).

The desktop-colour-scheme watch (desktop.color_scheme) and the NetworkManager watch
(infra.network_watch) are this: open the bus, subscribe, then receive signals until
`stop()`, which shuts the socket so the blocked receive returns. Subclasses say what to
do without a bus (`_no_bus`) and how to listen (`_listen`); `start()` never raises.
"""

from __future__ import annotations

import socket
import threading

from jeepney import DBusErrorResponse
from jeepney.io.blocking import DBusConnection, open_dbus_connection

CALL_TIMEOUT_S = 2.0
UNAVAILABLE = (OSError, KeyError, RuntimeError, ValueError, DBusErrorResponse, TimeoutError)


class BusWatch:
    thread_name = "bus-watch"

    def __init__(self, address: str) -> None:
        self._address = address  # "SYSTEM", "SESSION" or a bus address (jeepney's form)
        self._lock = threading.Lock()
        self._stopping = False
        self._conn: DBusConnection | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start watching (once: a stopped watch stays stopped)."""
        if self._thread is None and not self._stopping:
            self._thread = threading.Thread(target=self._run, name=self.thread_name,
                                            daemon=True)
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

    def _run(self) -> None:
        try:
            conn = open_dbus_connection(self._address, auth_timeout=CALL_TIMEOUT_S)
        except UNAVAILABLE as err:
            self._no_bus(err)
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

    def _no_bus(self, err: BaseException) -> None:
        raise NotImplementedError

    def _listen(self, conn: DBusConnection) -> None:
        raise NotImplementedError
