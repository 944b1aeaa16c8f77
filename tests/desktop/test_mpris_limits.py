"""MPRIS answers every malformed call with a D-Bus error and keeps serving: the real
`dbus-send` sends wrong signatures, wrong types, unknown methods, properties and interfaces
to the app's MPRIS adapter on a private bus, then `playerctl` and a Get still get answers.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from desktop.mpris_model import (
    BUS_NAME,
    IN_SIGNATURES,
    INTROSPECTION,
    OBJECT_PATH,
    PLAYER_IFACE,
    PlayerView,
    in_signature,
)
from tests.support.dbus import PrivateBus, private_bus, running_mpris  # noqa: F401

pytestmark = pytest.mark.skipif(shutil.which("dbus-send") is None
                                or shutil.which("playerctl") is None,
                                reason="needs dbus-send and playerctl")

PROPS = "org.freedesktop.DBus.Properties"
SEEKABLE = PlayerView(state="playing", volume=80, station_id="kcur", station_name="KCUR 89.3",
                      can_seek=True, position_us=90_000_000)

# (method, arguments as dbus-send writes them, the error name expected)
MALFORMED = [
    (f"{PLAYER_IFACE}.Seek", ["string:back"], "InvalidArgs"),
    (f"{PLAYER_IFACE}.Seek", [], "InvalidArgs"),
    (f"{PLAYER_IFACE}.Seek", ["int64:1", "int64:2"], "InvalidArgs"),
    (f"{PLAYER_IFACE}.SetPosition", ["string:/x", "int64:5"], "InvalidArgs"),
    (f"{PLAYER_IFACE}.SetPosition", ["objpath:/org/mpris/MediaPlayer2/onair/station/kcur",
                                     "double:5"], "InvalidArgs"),
    (f"{PLAYER_IFACE}.PlayPause", ["string:now"], "InvalidArgs"),
    (f"{PLAYER_IFACE}.OpenUri", ["int32:7"], "InvalidArgs"),
    (f"{PROPS}.Set", [f"string:{PLAYER_IFACE}", "string:Volume", "variant:string:loud"],
     "InvalidArgs"),
    (f"{PROPS}.Set", [f"string:{PLAYER_IFACE}", "string:Volume", "variant:double:nan"],
     "InvalidArgs"),
    (f"{PROPS}.Set", [f"string:{PLAYER_IFACE}", "string:Volume", "double:0.5"], "InvalidArgs"),
    (f"{PROPS}.Set", [f"string:{PLAYER_IFACE}", "string:Nope", "variant:double:0.5"],
     "UnknownProperty"),
    (f"{PROPS}.Get", ["int32:1", "int32:2"], "InvalidArgs"),
    (f"{PROPS}.Get", [f"string:{PLAYER_IFACE}"], "InvalidArgs"),
    (f"{PROPS}.Get", [f"string:{PLAYER_IFACE}", "array:string:Volume"], "InvalidArgs"),
    (f"{PROPS}.Set", [f"string:{PLAYER_IFACE}", "array:string:Volume", "variant:double:0.5"],
     "InvalidArgs"),
    (f"{PROPS}.Get", [f"string:{PLAYER_IFACE}", "string:Nope"], "UnknownProperty"),
    (f"{PROPS}.Get", ["string:org.example.Nope", "string:Volume"], "UnknownInterface"),
    (f"{PROPS}.GetAll", [], "InvalidArgs"),
    (f"{PROPS}.GetAll", ["string:org.example.Nope"], "UnknownInterface"),
    (f"{PLAYER_IFACE}.Explode", [], "UnknownMethod"),
    ("org.example.Nope.Play", [], "UnknownMethod"),
]


@pytest.fixture
def service(private_bus: PrivateBus):  # noqa: F811
    yield from running_mpris(private_bus, SEEKABLE)


def dbus_send(bus: PrivateBus, method: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["dbus-send", f"--bus={bus.address}", "--print-reply",
                           "--reply-timeout=5000", f"--dest={BUS_NAME}", OBJECT_PATH, method,
                           *args], capture_output=True, text=True, timeout=15)


def playerctl(bus: PrivateBus, *args: str) -> str:
    out = subprocess.run(["playerctl", "-p", "onair", *args], capture_output=True, text=True,
                         timeout=10, env={"DBUS_SESSION_BUS_ADDRESS": bus.address,
                                          "PATH": "/usr/bin:/bin"})
    return out.stdout.strip()


def test_every_malformed_call_gets_an_error_and_mpris_lives_on(
        private_bus: PrivateBus, service) -> None:  # noqa: F811
    for method, args, error in MALFORMED:
        done = dbus_send(private_bus, method, *args)
        assert done.returncode != 0, (method, args, done.stdout)
        assert f"Error org.freedesktop.DBus.Error.{error}" in done.stderr, \
            (method, args, done.stderr)
        # after each: MPRIS still answers, to playerctl and to a plain Get
        assert playerctl(private_bus, "status") == "Playing", (method, args)
    volume = dbus_send(private_bus, f"{PROPS}.Get", f"string:{PLAYER_IFACE}", "string:Volume")
    assert volume.returncode == 0 and "double 0.8" in volume.stdout, volume
    assert service.commands == [], "a malformed call reached the player"
    # well-formed calls still act
    assert dbus_send(private_bus, f"{PLAYER_IFACE}.Seek", "int64:-30000000").returncode == 0
    assert dbus_send(private_bus, f"{PROPS}.Set", f"string:{PLAYER_IFACE}", "string:Volume",
                     "variant:double:0.3").returncode == 0
    playerctl(private_bus, "pause")
    assert service.commands == [("seek", -30_000_000), ("volume", 30), ("pause", None)]


def test_a_call_without_an_interface_is_checked_the_same_way(
        private_bus: PrivateBus, service) -> None:  # noqa: F811
    from jeepney import DBusAddress, HeaderFields, MessageType, new_method_call

    with private_bus.connect() as conn:
        bad = conn.send_and_get_reply(new_method_call(
            DBusAddress(OBJECT_PATH, BUS_NAME), "Seek", "s", ("back",)), timeout=5)
        good = conn.send_and_get_reply(new_method_call(
            DBusAddress(OBJECT_PATH, BUS_NAME), "Seek", "x", (-5_000_000,)), timeout=5)
    assert bad.header.message_type == MessageType.error
    assert bad.header.fields[HeaderFields.error_name] == "org.freedesktop.DBus.Error.InvalidArgs"
    assert good.header.message_type == MessageType.method_return
    assert service.commands == [("seek", -5_000_000)]


def test_the_signatures_enforced_are_the_ones_introspection_declares() -> None:
    import xml.etree.ElementTree as ET

    declared = {}
    for iface in ET.fromstring(INTROSPECTION).iter("interface"):
        for method in iface.iter("method"):
            sig = "".join(a.get("type", "") for a in method.iter("arg")
                          if a.get("direction") == "in")
            declared[(iface.get("name"), method.get("name"))] = sig
    assert declared == IN_SIGNATURES
    assert in_signature(None, "Seek") == "x" and in_signature(None, "Nope") is None
