"""Notifier: desktop notifications through org.freedesktop.Notifications (the D-Bus adapter).

Written over jeepney, the project's one D-Bus library (as desktop/mpris.py), rather than a
desktop-notifier package: those run dbus-fast on an asyncio loop of their own, a second
event loop and a second D-Bus library beside Kivy's, for what is one method call and two
signals here.

`notify(Notice)` may be called from any thread: it only queues. A "notify-send" thread
sends each notice as a Notify call; the "notify" thread receives the replies (the id the
server gave each notice) and the server's ActionInvoked / NotificationClosed signals. A
notice with a `tag` replaces the one shown before with the same tag (replaces_id), so a
new program's notice takes the old one's place. An action chosen on a notice reaches
`on_action(tag, action_key)` on the "notify" thread: the caller hops to its UI thread.
Only signals from the server that answered our Notify, about notices we sent, count.

No session bus: one log line and notifications are off. No notification service (no
daemon owns the name), or the service refuses a notice: one log line, said again only
after a notice got through in between; the app goes on either way.
"""

from __future__ import annotations

import logging
import queue
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from jeepney import DBusAddress, HeaderFields, MatchRule, Message, MessageType, message_bus
from jeepney.io.blocking import DBusConnection, Proxy, open_dbus_connection
from jeepney.wrappers import DBusErrorResponse, new_method_call

from infra.network_watch import bus_address

NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
APP_NAME = "On Air"
DESKTOP_ENTRY = "onair"  # assets/onair.desktop
CALL_TIMEOUT_S = 2.0
SUMMARY_LIMIT = 200
BODY_LIMIT = 1000
_UNAVAILABLE = (OSError, KeyError, RuntimeError, ValueError, DBusErrorResponse)
_log = logging.getLogger(__name__)

OnAction = Callable[[str, str], None]


@dataclass(frozen=True)
class Notice:
    """What to show: plain text (escaped here when the server reads markup), the station
    logo's file as the icon, actions as (key, label) pairs ("default": a click on it)."""

    summary: str
    body: str = ""
    icon: Path | None = None
    actions: tuple[tuple[str, str], ...] = ()
    tag: str = ""
    timeout_ms: int = -1  # -1: the server's default


def escape_markup(text: str) -> str:
    """The body as the spec's markup subset reads it: &, < and > literal."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain(text: str, limit: int) -> str:
    """Remote text (titles, hosts) as printable text of at most `limit` characters."""
    lines = ("".join(c for c in line if c.isprintable()) for line in text.splitlines())
    return "\n".join(" ".join(line.split()) for line in lines).strip()[:limit]


def notify_call(notice: Notice, *, replaces: int = 0, markup: bool = False) -> Message:
    """The Notify method call for `notice` (pure: the tests check its arguments)."""
    body = _plain(notice.body, BODY_LIMIT)
    hints: dict[str, tuple[str, object]] = {"desktop-entry": ("s", DESKTOP_ENTRY)}
    icon = ""
    if notice.icon is not None:
        icon = notice.icon.resolve().as_uri()
        hints["image-path"] = ("s", icon)
    actions = [part for key, label in notice.actions for part in (key, _plain(label, 60))]
    return new_method_call(
        DBusAddress(PATH, NAME, NAME), "Notify", "susssasa{sv}i",
        (APP_NAME, replaces, icon, _plain(notice.summary, SUMMARY_LIMIT),
         escape_markup(body) if markup else body, actions, hints, notice.timeout_ms))


class Notifier:
    """`start()` never raises; `ready` is set once the bus is joined (or found missing);
    `sent` counts notices the server accepted; `stop()` ends both threads."""

    def __init__(self, on_action: OnAction | None = None, *, bus: str = "session",
                 log: logging.Logger | None = None) -> None:
        self._on_action = on_action
        self._bus = bus
        self._log = log or _log  # the app hands in Kivy's logger: its log file
        self._queue: queue.Queue[Notice | None] = queue.Queue()
        self._lock = threading.Lock()
        self._conn: DBusConnection | None = None
        self._stopping = False
        self._threads: list[threading.Thread] = []
        self._pending: dict[int, Notice | None] = {}  # our call's serial -> its notice
        self._shown: dict[int, Notice] = {}  # the server's id -> the notice it shows
        self._by_tag: dict[str, int] = {}  # tag -> the id showing it
        self._server = ""  # the unique name that answered our Notify
        self._markup = False
        self._said_missing = False
        self._answered = threading.Event()  # the server answered the Notify last sent
        self.sent = 0
        self.ready = threading.Event()

    # -- from any thread -------------------------------------------------------------------
    def start(self) -> None:
        if not self._threads and not self._stopping:
            self._spawn(self._run, "notify")

    def notify(self, notice: Notice) -> None:
        if not self._stopping:
            self._queue.put(notice)

    def stop(self, timeout: float = 2.0) -> None:
        with self._lock:
            self._stopping = True
            conn = self._conn
        self._queue.put(None)
        self._answered.set()
        if conn is not None:
            try:
                conn.sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked receive
            except OSError:
                pass
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout)
        self.ready.set()

    # -- the "notify" thread ---------------------------------------------------------------
    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _run(self) -> None:
        try:
            conn = open_dbus_connection(bus_address(self._bus), auth_timeout=CALL_TIMEOUT_S)
        except _UNAVAILABLE as err:
            self._log.info("Notifications: off (no session bus: %r)", err)
            self.ready.set()
            return
        try:
            self._join(conn)
        except _UNAVAILABLE as err:
            self._log.info("Notifications: off (the session bus refused us: %r)", err)
            conn.close()
            self.ready.set()
            return
        with self._lock:
            if self._stopping:
                conn.close()
                return
            self._conn = conn
        self._spawn(self._send_notices, "notify-send")
        self.ready.set()
        try:
            self._receive(conn)
        finally:
            conn.close()

    def _join(self, conn: DBusConnection) -> None:
        """Listen to the service's signals (asking it anything waits for the first notice:
        a bus that starts the service on demand starts it only when there is one)."""
        bus = Proxy(message_bus, conn, timeout=CALL_TIMEOUT_S)
        bus.AddMatch(MatchRule(type="signal", interface=NAME, path=PATH))

    def _missing(self, reply: Message) -> None:
        if not self._said_missing:
            self._said_missing = True
            why = reply.body[0] if reply.body else reply.header.fields.get(
                HeaderFields.error_name, "")
            self._log.info("Notifications: no notification service on the session bus "
                           "(%s); On Air goes on without them", why)

    def _receive(self, conn: DBusConnection) -> None:
        while True:
            try:
                msg = conn.receive()
            except OSError as err:
                if not self._stopping:
                    self._log.info("Notifications: off: lost the session bus (%r)", err)
                return
            kind = msg.header.message_type
            if kind in (MessageType.method_return, MessageType.error):
                self._replied(msg)
            elif kind == MessageType.signal:
                self._signal(msg)

    def _replied(self, msg: Message) -> None:
        serial = msg.header.fields.get(HeaderFields.reply_serial, -1)
        if serial not in self._pending:
            return
        notice = self._pending.pop(serial)
        try:
            if notice is None:  # GetCapabilities
                if msg.header.message_type == MessageType.method_return and msg.body:
                    self._markup = "body-markup" in msg.body[0]
            else:
                self._took(msg, notice)
        finally:
            self._answered.set()

    def _took(self, msg: Message, notice: Notice) -> None:
        if msg.header.message_type == MessageType.error:
            self._missing(msg)
            return
        (nid,) = msg.body
        self._server = msg.header.fields.get(HeaderFields.sender, "")
        self._said_missing = False
        self._shown[nid] = notice
        if notice.tag:
            self._by_tag[notice.tag] = nid
        self.sent += 1

    def _signal(self, msg: Message) -> None:
        fields = msg.header.fields
        if fields.get(HeaderFields.sender) != self._server or not msg.body:
            return
        member, nid = fields.get(HeaderFields.member), msg.body[0]
        notice = self._shown.get(nid)
        if notice is None:
            return
        if member == "ActionInvoked" and len(msg.body) == 2 and self._on_action is not None:
            try:
                self._on_action(notice.tag, str(msg.body[1]))
            except Exception:  # a broken handler must not take the bus thread with it
                self._log.exception("Notifications: the action %r failed", msg.body[1])
        elif member == "NotificationClosed":
            del self._shown[nid]
            if notice.tag and self._by_tag.get(notice.tag) == nid:
                del self._by_tag[notice.tag]

    # -- the "notify-send" thread ----------------------------------------------------------
    def _send_notices(self) -> None:
        asked = False
        while (notice := self._queue.get()) is not None:
            conn = self._conn
            if conn is None or self._stopping:
                return
            if not asked:  # whether it reads markup in the body, before the first notice
                asked = True
                if not self._call(conn, new_method_call(DBusAddress(PATH, NAME, NAME),
                                                        "GetCapabilities"), None):
                    return
            msg = notify_call(notice, replaces=self._by_tag.get(notice.tag, 0),
                              markup=self._markup)
            if not self._call(conn, msg, notice):
                return

    def _call(self, conn: DBusConnection, msg: Message, notice: Notice | None) -> bool:
        """Send `msg` and wait (a while) for its answer: one call at a time, so the next
        notice of a tag replaces the id this one is given. False: the bus is gone."""
        serial = next(conn.outgoing_serial)
        self._pending[serial] = notice
        self._answered.clear()
        try:
            conn.send(msg, serial=serial)
        except OSError:
            return False  # stopping, or the bus went away: _receive says so
        self._answered.wait(CALL_TIMEOUT_S)
        return True
