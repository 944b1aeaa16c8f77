"""A real notification daemon for tests: dunst on a private bus and the X display, with
`dbus-monitor` recording every Notify call made to it.

    with PrivateBus() as bus, NotificationDaemon(bus, tmp_path) as dunst:
        ...  # the code under test notifies on bus.address
        dunst.wait_notifies(1)          # the Notify calls seen on the bus, parsed
        dunst.shown()                   # what dunst itself holds (dunstctl count)
        dunst.invoke_default()          # `dunstctl action 0`: the newest notice's default action

dunst (Debian package dunst) needs $DISPLAY (Xvfb in the tests). dbus-monitor writes the
bus traffic in D-Bus's own binary form (`--binary`), read back with jeepney's parser, so a
summary with quotes or newlines is read exactly.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from jeepney import HeaderFields, MessageType, message_bus
from jeepney.io.blocking import Proxy
from jeepney.low_level import Parser

from tests.support.dbus import PrivateBus
from tests.support.processes import stop_process
from tests.support.wait import wait_until

NAME = "org.freedesktop.Notifications"
# A click (and `dunstctl action`) runs the notice's default action; notices stay shown.
DUNSTRC = """[global]
    mouse_left_click = do_action, close_current
    idle_threshold = 0
[urgency_low]
    timeout = 0
[urgency_normal]
    timeout = 0
"""


@dataclass(frozen=True)
class NotifyCall:
    app_name: str
    replaces_id: int
    app_icon: str
    summary: str
    body: str
    actions: tuple[str, ...]
    hints: dict
    timeout_ms: int


def available() -> bool:
    return all(shutil.which(t) for t in ("dunst", "dunstctl", "dbus-monitor")) and \
        bool(os.environ.get("DISPLAY"))


class NotificationDaemon:
    def __init__(self, bus: PrivateBus, folder: Path) -> None:
        self.bus = bus
        self.env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": bus.address}
        folder.mkdir(parents=True, exist_ok=True)
        conf = folder / "dunstrc"
        conf.write_text(DUNSTRC)
        self._capture = folder / "notify.bin"
        self._out = open(self._capture, "wb")  # noqa: SIM115 - closed in close()
        rule = f"type='method_call',interface='{NAME}',member='Notify'"
        self.monitor = subprocess.Popen(["dbus-monitor", "--address", bus.address, "--binary",
                                         rule], stdin=subprocess.DEVNULL, stdout=self._out,
                                        stderr=subprocess.DEVNULL)
        self._log = open(folder / "dunst.log", "wb")  # noqa: SIM115 - closed in close()
        self.proc: subprocess.Popen | None = subprocess.Popen(
            ["dunst", "-conf", str(conf)], env=self.env, stdin=subprocess.DEVNULL,
            stdout=self._log, stderr=subprocess.STDOUT)
        try:
            # The monitor has started once it has written its own NameAcquired / NameLost.
            wait_until(lambda: self._capture.stat().st_size > 0, 15, "dbus-monitor ready",
                       interval=0.05)
            wait_until(self.running, 15, "dunst owning org.freedesktop.Notifications",
                       interval=0.05)
        except AssertionError:
            self.close()
            raise

    def running(self) -> bool:
        if self.proc is None or self.proc.poll() is not None:
            raise AssertionError(f"dunst exited: {self.log()}")
        with self.bus.connect() as conn:
            return Proxy(message_bus, conn, timeout=5).NameHasOwner(NAME) == (True,)

    def log(self) -> str:
        self._log.flush()
        return Path(self._log.name).read_text(errors="replace")[-800:]

    # -- what was sent ----------------------------------------------------------------------
    def notifies(self) -> list[NotifyCall]:
        """Every Notify call seen on the bus so far, in order."""
        self._out.flush()
        parser = Parser()
        parser.add_data(self._capture.read_bytes())
        calls = []
        while (msg := parser.get_next_message()) is not None:
            fields = msg.header.fields
            if msg.header.message_type == MessageType.method_call and \
                    fields.get(HeaderFields.member) == "Notify" and len(msg.body) == 8:
                app, rid, icon, summary, body, actions, hints, timeout = msg.body
                calls.append(NotifyCall(app, rid, icon, summary, body, tuple(actions),
                                        dict(hints), timeout))
        return calls

    def wait_notifies(self, count: int, timeout: float = 10.0) -> list[NotifyCall]:
        wait_until(lambda: len(self.notifies()) >= count, timeout,
                   f"{count} Notify call(s) on the bus", interval=0.1)
        return self.notifies()

    def shown(self) -> int:
        """How many notices dunst holds (waiting, displayed and in its history)."""
        out = self._ctl("count")
        return sum(int(line.rsplit(":", 1)[1]) for line in out.splitlines() if ":" in line)

    def invoke_default(self, position: int = 0) -> None:
        """The default action of the notice shown at `position` (0: the top one)."""
        self._ctl("action", str(position))

    def _ctl(self, *args: str) -> str:
        return subprocess.run(["dunstctl", *args], env=self.env, capture_output=True,
                              text=True, timeout=10, check=True).stdout

    def close(self) -> None:
        stop_process(self.proc, timeout=5)
        self.proc = None
        stop_process(self.monitor, timeout=5)
        self._out.close()
        self._log.close()

    def __enter__(self) -> NotificationDaemon:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
