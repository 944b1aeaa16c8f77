"""MprisService: On Air on the session bus as an MPRIS2 player (the D-Bus adapter).

It owns `org.mpris.MediaPlayer2.onair` (or, when another On Air holds it, the spec's
`org.mpris.MediaPlayer2.onair.instance<pid>`) and serves `/org/mpris/MediaPlayer2` with the
root and Player interfaces, org.freedesktop.DBus.Properties (Get, GetAll, Set of Volume,
PropertiesChanged), Introspectable and Peer. What it says comes from desktop.mpris_model.

Threading: one daemon thread ("mpris") answers calls; another ("mpris-send") emits
PropertiesChanged for each `update(view)` (callable from any thread: it only queues).
Commands from the bus ("play", "pause", "toggle", "stop", "next", "previous", "volume" with
a 0-100 value, and while the view says CanSeek "seek" with an offset and "position" with a
position, both in microseconds) reach `on_command` on the "mpris" thread: the caller hops
to its UI thread. `seeked(position_us)` emits Seeked. No bus, or the bus refuses us: one
log line (INFO, to `log`: Kivy's logger in the app) and MPRIS is off; the app goes on. The
name stays owned whatever the player does, until `stop()`. Every malformed call (a signature
other than the method's, an unknown method, interface or property, a Volume that is not a
finite double) gets a D-Bus error reply, and the thread serves on
(tests/desktop/test_mpris_limits.py sends them with dbus-send).

With infra/network_watch.py, the only modules that import jeepney (tests/test_layering.py).
"""

from __future__ import annotations

import logging
import math
import os
import socket
import threading
from collections.abc import Callable

from jeepney import (
    DBusAddress,
    DBusErrorResponse,
    HeaderFields,
    Message,
    MessageType,
    message_bus,
    new_error,
)
from jeepney.bus_messages import DBusNameFlags
from jeepney.io.blocking import DBusConnection, Proxy, open_dbus_connection
from jeepney.wrappers import new_method_return, new_signal

from desktop.mpris_model import (
    BUS_NAME,
    INTROSPECTABLE_IFACE,
    INTROSPECTION,
    OBJECT_PATH,
    PEER_IFACE,
    PLAYER_IFACE,
    PROPERTIES_IFACE,
    ROOT_IFACE,
    PlayerView,
    Variant,
    changed,
    in_signature,
    parent_introspection,
    player_properties,
    root_properties,
    track_id,
    volume_from_mpris,
)
from infra.network_watch import bus_address

CALL_TIMEOUT_S = 2.0
_UNAVAILABLE = (OSError, KeyError, RuntimeError, ValueError, DBusErrorResponse)
_COMMANDS = {"Play": "play", "Pause": "pause", "PlayPause": "toggle", "Stop": "stop",
             "Next": "next", "Previous": "previous"}
_ERR = "org.freedesktop.DBus.Error."
_log = logging.getLogger(__name__)

Command = Callable[[str, "int | None"], None]


class MprisService:
    """`start()` never raises; `name` is the bus name owned once `ready` is set (None when
    MPRIS is off); `stop()` releases the name and ends both threads."""

    def __init__(self, on_command: Command, *, bus: str = "session",
                 view: PlayerView | None = None, log: logging.Logger | None = None) -> None:
        self._on_command = on_command
        self._log = log or _log  # the app hands in Kivy's logger: its log file
        self._bus = bus
        self._view = view or PlayerView()
        self._dirty = threading.Event()  # the view changed since the last PropertiesChanged
        self._seeked: int | None = None  # a Seeked to emit
        self._send_lock = threading.Lock()
        self._lock = threading.Lock()
        self._stopping = False
        self._conn: DBusConnection | None = None
        self._threads: list[threading.Thread] = []
        self.name: str | None = None
        self.ready = threading.Event()  # set once the name is owned, or MPRIS is off

    # -- from any thread -------------------------------------------------------------------
    def start(self) -> None:
        if not self._threads and not self._stopping:
            self._spawn(self._run, "mpris")

    def update(self, view: PlayerView) -> None:
        """The player as it is now; what changed is announced from the sender thread."""
        self._view = view
        self._dirty.set()

    def seeked(self, position_us: int) -> None:
        """A seek moved the playhead to `position_us`: the sender thread emits Seeked."""
        self._seeked = position_us
        self._dirty.set()

    @property
    def view(self) -> PlayerView:
        return self._view

    def stop(self, timeout: float = 2.0) -> None:
        with self._lock:
            self._stopping = True
            conn = self._conn
        self._dirty.set()  # wakes the sender, which sees _stopping
        if conn is not None:
            try:
                conn.sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked receive
            except OSError:
                pass
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout)
        self.ready.set()

    # -- the "mpris" thread ----------------------------------------------------------------
    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _off(self, why: str) -> None:
        self._log.info("MPRIS: off (%s): media keys and playerctl will not see On Air", why)
        self.ready.set()

    def _run(self) -> None:
        try:
            conn = open_dbus_connection(bus_address(self._bus), auth_timeout=CALL_TIMEOUT_S)
        except _UNAVAILABLE as err:
            self._off(f"no session bus: {err!r}")
            return
        with self._lock:
            if self._stopping:
                conn.close()
                self.ready.set()
                return
            self._conn = conn
        try:
            self.name = self._own_name(conn)
        except _UNAVAILABLE as err:
            self._off(f"could not own {BUS_NAME}: {err!r}")
            conn.close()
            return
        self._log.info("MPRIS: on the session bus as %s", self.name)
        self._spawn(self._send_changes, "mpris-send")
        self.ready.set()
        try:
            self._serve(conn)
        finally:
            conn.close()

    def _own_name(self, conn: DBusConnection) -> str:
        bus = Proxy(message_bus, conn, timeout=CALL_TIMEOUT_S)
        for name in (BUS_NAME, f"{BUS_NAME}.instance{os.getpid()}"):
            if bus.RequestName(name, DBusNameFlags.do_not_queue) == (1,):  # primary owner
                return name
        raise RuntimeError("both names are taken")

    def _serve(self, conn: DBusConnection) -> None:
        while True:
            try:
                msg = conn.receive()
            except OSError as err:
                if not self._stopping:
                    self._log.info("MPRIS: ended: lost the session bus (%r)", err)
                return
            except Exception as err:  # noqa: BLE001 - a message jeepney cannot read
                if not _skip_unreadable(conn):
                    self._log.info("MPRIS: ended: unreadable data on the bus (%r)", err)
                    return
                self._log.warning("MPRIS: dropped a message it could not read: %r", err)
                continue
            if msg.header.message_type == MessageType.method_call:
                self._send(self._reply_to(msg))

    def _reply_to(self, call: Message) -> Message:
        """The answer to `call`. A call whose arguments are not the method's signature gets
        InvalidArgs before it is looked at; one that fails while answered gets Failed (one
        log line): whatever a caller sends, it gets a D-Bus error and this thread goes on."""
        fields = call.header.fields
        iface, member = fields.get(HeaderFields.interface), fields.get(HeaderFields.member, "")
        expected, got = in_signature(iface, member), fields.get(HeaderFields.signature, "")
        if expected is not None and got != expected:
            return _error(call, "InvalidArgs", f"{member} takes ({expected}), not ({got})")
        try:
            return self._answer(call)
        except Exception as err:  # noqa: BLE001 - answered, never the end of the thread
            self._log.warning("MPRIS: %s.%s failed: %r", iface, member, err)
            return _error(call, "Failed", f"{member} failed")

    def _send(self, msg: Message) -> None:
        conn = self._conn
        if conn is None:
            return
        try:
            with self._send_lock:
                conn.send(msg)
        except OSError:
            pass  # stopping, or the bus went away: _serve says so

    def _answer(self, call: Message) -> Message:
        fields = call.header.fields
        path = fields.get(HeaderFields.path, "")
        iface = fields.get(HeaderFields.interface)
        member = fields.get(HeaderFields.member, "")
        if member == "Introspect" and iface in (INTROSPECTABLE_IFACE, None):
            xml = INTROSPECTION if path == OBJECT_PATH else parent_introspection(path)
            if xml is not None:
                return new_method_return(call, "s", (xml,))
        elif member == "Ping" and iface in (PEER_IFACE, None):
            return new_method_return(call)
        if path != OBJECT_PATH:
            return _error(call, "UnknownObject", f"no object at {path}")
        if iface == PROPERTIES_IFACE:
            return self._properties(call, member)
        if iface in (PLAYER_IFACE, None) and member in _COMMANDS:
            self._command(_COMMANDS[member], None)
            return new_method_return(call)
        if iface in (PLAYER_IFACE, None) and member in ("Seek", "SetPosition"):
            self._seek(member, call.body)
            return new_method_return(call)  # the spec: ignored while CanSeek is false
        if iface in (ROOT_IFACE, None) and member in ("Raise", "Quit"):
            return new_method_return(call)  # CanRaise and CanQuit are false
        if member == "OpenUri":
            return _error(call, "NotSupported", "On Air opens no URIs")
        return _error(call, "UnknownMethod", f"no method {iface}.{member}")

    def _properties(self, call: Message, member: str) -> Message:
        body = call.body
        table = self._table(body[0] if body else "")
        if member == "GetAll" and table is not None:
            return new_method_return(call, "a{sv}", (table,))
        if member == "GetAll":
            return _error(call, "UnknownInterface", f"no interface {body[0] if body else ''}")
        if member not in ("Get", "Set") or len(body) < 2:
            return _error(call, "UnknownMethod", f"no method Properties.{member}")
        if table is None:
            return _error(call, "UnknownInterface", f"no interface {body[0]}")
        if body[1] not in table:
            return _error(call, "UnknownProperty", f"no property {body[0]}.{body[1]}")
        if member == "Get":
            return new_method_return(call, "v", (table[body[1]],))
        if body[0] == PLAYER_IFACE and body[1] == "Volume" and len(body) == 3:
            sig, value = body[2]
            if sig == "d" and math.isfinite(value):
                self._command("volume", volume_from_mpris(value))
                return new_method_return(call)
            return _error(call, "InvalidArgs", "Volume is a finite double (d)")
        return _error(call, "PropertyReadOnly", f"{body[1]} is read-only")

    def _table(self, iface: str) -> dict[str, Variant] | None:
        if iface == ROOT_IFACE:
            return root_properties()
        if iface == PLAYER_IFACE:
            return player_properties(self._view)
        return None

    def _seek(self, member: str, body: tuple) -> None:
        """Seek (x offset) or SetPosition (o track, x position), for the track playing."""
        view = self._view
        if not view.can_seek:
            return
        if member == "Seek" and len(body) == 1 and isinstance(body[0], int):
            self._command("seek", body[0])
        elif member == "SetPosition" and len(body) == 2 and body[0] == track_id(view.station_id) \
                and isinstance(body[1], int) and body[1] >= 0:
            self._command("position", body[1])

    def _command(self, name: str, value: int | None) -> None:
        try:
            self._on_command(name, value)
        except Exception:  # a broken handler must not take the bus thread with it
            self._log.exception("MPRIS: command %s failed", name)

    # -- the "mpris-send" thread -----------------------------------------------------------
    def _send_changes(self) -> None:
        said = player_properties(self._view)
        while True:
            self._dirty.wait()
            self._dirty.clear()  # changes while this one is sent wake it again: none is lost
            if self._stopping:
                return
            now = player_properties(self._view)
            diff = changed(said, now)
            said = now
            if diff:
                emitter = DBusAddress(OBJECT_PATH, interface=PROPERTIES_IFACE)
                self._send(new_signal(emitter, "PropertiesChanged", "sa{sv}as",
                                      (PLAYER_IFACE, diff, [])))
            seeked, self._seeked = self._seeked, None
            if seeked is not None:
                emitter = DBusAddress(OBJECT_PATH, interface=PLAYER_IFACE)
                self._send(new_signal(emitter, "Seeked", "x", (seeked,)))


def _skip_unreadable(conn: DBusConnection) -> bool:
    """After jeepney failed to read a message: True when the failed message was taken off
    the stream whole (its size was known), so the next one can be read; False when the stream
    itself cannot be followed."""
    parser = conn.parser
    if getattr(parser, "next_msg_size", None) is None:
        return False
    parser.next_msg_size = None
    return True


def _error(call: Message, name: str, text: str) -> Message:
    return new_error(call, _ERR + name, "s", (text,))
