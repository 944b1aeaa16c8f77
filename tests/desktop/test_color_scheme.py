"""The desktop's colour scheme from a portal on a private bus (a tiny portal written here with
jeepney: xdg-desktop-portal needs a desktop session and is not installable here), and dark
without one."""

from __future__ import annotations

import socket
import threading

import pytest
from jeepney import DBusAddress, HeaderFields, MessageType, message_bus, new_error
from jeepney.bus_messages import DBusNameFlags
from jeepney.io.blocking import Proxy
from jeepney.wrappers import new_method_return, new_signal

from desktop.color_scheme import (
    NAMESPACE,
    PORTAL_NAME,
    PORTAL_PATH,
    SETTINGS,
    ColorSchemeWatch,
    read_color_scheme,
    scheme_for,
)
from tests.support.dbus import PrivateBus
from tests.support.wait import wait_until


class FakePortal:
    """org.freedesktop.portal.Desktop with Settings.ReadOne/Read of the appearance's
    color-scheme (`read_one=False`: a portal older than 1.15, Read only) and SettingChanged."""

    def __init__(self, bus: PrivateBus, value: int, *, read_one: bool = True) -> None:
        self.value, self.read_one = value, read_one
        self.calls: list[str] = []
        self._conn = bus.connect()
        self._send = threading.Lock()
        owner = Proxy(message_bus, self._conn, timeout=5).RequestName(
            PORTAL_NAME, DBusNameFlags.do_not_queue)
        assert owner == (1,), owner
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def set_value(self, value: int) -> None:
        self.value = value
        emitter = DBusAddress(PORTAL_PATH, interface=SETTINGS)
        with self._send:
            self._conn.send(new_signal(emitter, "SettingChanged", "ssv",
                                       (NAMESPACE, "color-scheme", ("u", value))))

    def _serve(self) -> None:
        while True:
            try:
                msg = self._conn.receive()
            except OSError:
                return
            if msg.header.message_type != MessageType.method_call:
                continue
            member = msg.header.fields.get(HeaderFields.member)
            self.calls.append(member)
            if member == "ReadOne" and self.read_one and msg.body == (NAMESPACE, "color-scheme"):
                reply = new_method_return(msg, "v", (("u", self.value),))
            elif member == "Read" and msg.body == (NAMESPACE, "color-scheme"):
                reply = new_method_return(msg, "v", (("v", ("u", self.value)),))
            else:
                reply = new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", "s",
                                  (f"no {member}",))
            with self._send:
                self._conn.send(reply)

    def close(self) -> None:
        try:
            self._conn.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._thread.join(5)
        self._conn.close()


@pytest.fixture
def bus():
    with PrivateBus() as private:
        yield private


@pytest.fixture
def watch_on():
    watches: list[ColorSchemeWatch] = []

    def start(address: str) -> tuple[ColorSchemeWatch, list[str]]:
        seen: list[str] = []
        watch = ColorSchemeWatch(seen.append, bus=address)
        watches.append(watch)
        watch.start()
        return watch, seen

    yield start
    for watch in watches:
        watch.stop()


@pytest.mark.parametrize(("value", "scheme"), [(1, "dark"), (2, "light"), (0, "dark")])
def test_the_portal_value_gives_the_scheme(bus, value, scheme):
    portal = FakePortal(bus, value)
    try:
        assert read_color_scheme(bus.address) == scheme
        assert portal.calls == ["ReadOne"]
    finally:
        portal.close()


def test_an_old_portal_is_read_with_read(bus):
    portal = FakePortal(bus, 2, read_one=False)
    try:
        assert read_color_scheme(bus.address) == "light"
        assert portal.calls == ["ReadOne", "Read"]
    finally:
        portal.close()


def test_no_portal_on_the_bus_is_dark(bus, watch_on):
    assert read_color_scheme(bus.address) == "dark"
    _watch, seen = watch_on(bus.address)
    wait_until(lambda: seen == ["dark"], 10, "dark without a portal")


def test_no_bus_is_dark(tmp_path, watch_on):
    address = f"unix:path={tmp_path / 'no-bus'}"
    assert read_color_scheme(address) == "dark"
    _watch, seen = watch_on(address)
    wait_until(lambda: seen == ["dark"], 10, "dark without a bus")


def test_the_watch_follows_setting_changed(bus, watch_on):
    portal = FakePortal(bus, 2)
    try:
        watch, seen = watch_on(bus.address)
        wait_until(lambda: seen == ["light"], 10, "the first answer: light")
        portal.set_value(1)
        wait_until(lambda: seen == ["light", "dark"], 10, "dark after SettingChanged")
        portal.set_value(2)
        wait_until(lambda: seen == ["light", "dark", "light"], 10, "light again")
        assert watch.scheme == "light"
    finally:
        portal.close()


def test_scheme_for_unwraps_variants():
    assert scheme_for(("u", 2)) == "light"
    assert scheme_for(("v", ("u", 2))) == "light"
    assert scheme_for(("u", 1)) == "dark"
    assert scheme_for(None) == "dark"
    assert scheme_for(True) == "dark"
    assert scheme_for(("s", "light")) == "dark"  # not the portal's type: ignored
