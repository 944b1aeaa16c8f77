"""A private D-Bus for tests, and a fake NetworkManager to put on it.

    with PrivateBus() as bus, FakeNetworkManager(bus, state=70) as nm:
        ...  # point the code under test at bus.address
        nm.set_state(20)  # emits StateChanged(20)

`PrivateBus` runs `dbus-daemon --session --print-address --nofork` (Debian package
dbus-daemon): a bus of its own, nothing else on it, gone on close. `private_bus` is the
session-wide pytest fixture over it (import it into a test module, or re-export it from a
conftest). `FakeNetworkManager` owns org.freedesktop.NetworkManager on that bus, answers
Properties.Get/GetAll of `State` from a thread, and emits `StateChanged(u)`.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from types import TracebackType

import pytest
from jeepney import DBusAddress, HeaderFields, Message, MessageType, message_bus, new_error
from jeepney.bus_messages import DBusNameFlags
from jeepney.io.blocking import DBusConnection, Proxy, open_dbus_connection
from jeepney.wrappers import new_method_return, new_signal

from tests.support.processes import stop_process

NM_NAME = "org.freedesktop.NetworkManager"
NM_PATH = "/org/freedesktop/NetworkManager"
PROPERTIES = "org.freedesktop.DBus.Properties"


# A session bus without service activation: nothing answers a well-known name (dunst's
# org.freedesktop.Notifications, installed for the tests, would otherwise start on the
# first notice and pop up on the X display) unless a test starts it on this bus.
BUS_CONFIG = """\
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


class PrivateBus:
    """A private dbus-daemon (session type, no service activation); `address` for clients,
    `connect()` for a jeepney connection."""

    def __init__(self) -> None:
        daemon = shutil.which("dbus-daemon")
        if daemon is None:
            raise RuntimeError("dbus-daemon not found: apt-get install dbus-daemon")
        self._log = tempfile.TemporaryFile()  # its stderr ("failed to set fd limit" as root)
        self._conf = tempfile.NamedTemporaryFile("w", suffix=".conf")  # noqa: SIM115 - closed in close()
        self._conf.write(BUS_CONFIG)
        self._conf.flush()
        self._proc = subprocess.Popen([daemon, f"--config-file={self._conf.name}",
                                       "--print-address", "--nofork"],
                                      stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                      stderr=self._log, text=True)
        assert self._proc.stdout is not None
        self.address = self._proc.stdout.readline().strip()
        if not self.address:
            self._proc.wait(5)
            self._log.seek(0)
            why = self._log.read().decode(errors="replace")[-500:]
            self.close()
            raise RuntimeError(f"dbus-daemon printed no address (exit {self._proc.returncode}): "
                               f"{why}")

    def connect(self) -> DBusConnection:
        return open_dbus_connection(self.address)

    def close(self) -> None:
        stop_process(self._proc, timeout=5)
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        self._log.close()
        self._conf.close()

    def __enter__(self) -> PrivateBus:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


@pytest.fixture(scope="session")
def private_bus() -> Iterator[PrivateBus]:
    with PrivateBus() as bus:
        yield bus


class FakeNetworkManager:
    """org.freedesktop.NetworkManager with a `State` property (NM_STATE_* numbers)."""

    def __init__(self, bus: PrivateBus, state: int = 70) -> None:
        self.state = state
        self.gets = 0  # Properties.Get/GetAll calls answered
        self._conn = bus.connect()
        self._send = threading.Lock()
        owner = Proxy(message_bus, self._conn, timeout=5).RequestName(
            NM_NAME, DBusNameFlags.do_not_queue)
        if owner != (1,):  # DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER
            self._conn.close()
            raise RuntimeError(f"could not own {NM_NAME} on the private bus: {owner}")
        self._thread = threading.Thread(target=self._serve, name="fake-nm", daemon=True)
        self._thread.start()

    def set_state(self, state: int) -> None:
        """Change `State` and emit StateChanged(state), as NetworkManager does."""
        self.state = state
        emitter = DBusAddress(NM_PATH, interface=NM_NAME)
        self._reply(new_signal(emitter, "StateChanged", "u", (state,)))

    def _reply(self, msg: Message) -> None:
        with self._send:
            self._conn.send(msg)

    def _serve(self) -> None:
        while True:
            try:
                msg = self._conn.receive()
            except OSError:
                return  # closed
            if msg.header.message_type == MessageType.method_call:
                self._reply(self._answer(msg))

    def _answer(self, call: Message) -> Message:
        fields = call.header.fields
        iface, member = fields.get(HeaderFields.interface), fields.get(HeaderFields.member)
        if iface == PROPERTIES and member == "Get" and call.body == (NM_NAME, "State"):
            self.gets += 1
            return new_method_return(call, "v", (("u", self.state),))
        if iface == PROPERTIES and member == "GetAll" and call.body == (NM_NAME,):
            self.gets += 1
            return new_method_return(call, "a{sv}", ({"State": ("u", self.state)},))
        return new_error(call, "org.freedesktop.DBus.Error.UnknownMethod", "s",
                         (f"the fake NetworkManager has no {iface}.{member}",))

    def close(self) -> None:
        try:
            self._conn.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._thread.join(5)
        self._conn.close()

    def __enter__(self) -> FakeNetworkManager:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def running_mpris(bus: PrivateBus, view: object) -> Iterator:
    """The app's MPRIS adapter published on `bus` showing `view`, its commands recorded in
    `.commands` (name, value); stopped when the generator closes (a fixture's body)."""
    from desktop.mpris import BUS_NAME, MprisService

    commands: list[tuple[str, int | None]] = []
    lock = threading.Lock()

    def on_command(name: str, value: int | None) -> None:
        with lock:
            commands.append((name, value))

    svc = MprisService(on_command, bus=bus.address, view=view)
    svc.commands = commands  # type: ignore[attr-defined]
    svc.start()
    try:
        assert svc.ready.wait(5) and svc.name == BUS_NAME
        yield svc
    finally:
        svc.stop()
