"""MPRIS2: the metadata mapping, every property's D-Bus type on a real (private) bus, and
the whole app driven by the real `playerctl` against the Icecast bench.

The bus is a private `dbus-daemon --session` (tests/support/dbus.py); the app gets its
address as DBUS_SESSION_BUS_ADDRESS, and so does playerctl.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from jeepney import DBusAddress, HeaderFields, MessageType, new_method_call

from desktop.mpris_model import (
    BUS_NAME,
    NO_TRACK,
    OBJECT_PATH,
    PLAYER_IFACE,
    ROOT_IFACE,
    PlayerView,
    metadata,
    track_id,
    volume_from_mpris,
)
from tests.support.dbus import PrivateBus, private_bus, running_mpris  # noqa: F401
from tests.support.wait import wait_until

PROPS = "org.freedesktop.DBus.Properties"
# Every property and its D-Bus type (the MPRIS2 spec; Quod Libet's tests check the same).
ROOT_TYPES = {"CanQuit": "b", "CanRaise": "b", "HasTrackList": "b", "Identity": "s",
              "DesktopEntry": "s", "SupportedUriSchemes": "as", "SupportedMimeTypes": "as"}
PLAYER_TYPES = {"PlaybackStatus": "s", "Rate": "d", "MinimumRate": "d", "MaximumRate": "d",
                "Metadata": "a{sv}", "Volume": "d", "Position": "x", "CanGoNext": "b",
                "CanGoPrevious": "b", "CanPlay": "b", "CanPause": "b", "CanSeek": "b",
                "CanControl": "b"}
METADATA_TYPES = {"mpris:trackid": "o", "xesam:title": "s", "xesam:artist": "as",
                  "xesam:album": "s", "mpris:artUrl": "s"}

KCUR = PlayerView(state="playing", volume=80, station_id="kcur", station_name="KCUR 89.3",
                  stream_title="", program="Up To Date", logo="/tmp/logos/kcur.png",
                  can_next=True, can_previous=False)


# -- the pure mapping --------------------------------------------------------------------
def test_metadata_title_is_the_stream_title_else_the_program() -> None:
    md = metadata(KCUR)
    assert md["xesam:title"] == ("s", "Up To Date")
    assert md["xesam:album"] == ("s", "Up To Date")
    assert md["xesam:artist"] == ("as", ["KCUR 89.3"])
    assert md["mpris:artUrl"] == ("s", "file:///tmp/logos/kcur.png")
    assert md["mpris:trackid"] == ("o", "/org/mpris/MediaPlayer2/onair/station/kcur")
    titled = metadata(PlayerView(**{**KCUR.__dict__, "stream_title": "Artist - Song"}))
    assert titled["xesam:title"] == ("s", "Artist - Song")
    assert titled["xesam:album"] == ("s", "Up To Date")


def test_metadata_without_program_logo_or_station() -> None:
    bare = PlayerView(station_id="x-1.fm", station_name="X FM")
    md = metadata(bare)
    assert md["xesam:title"] == ("s", "X FM")
    assert "xesam:album" not in md and "mpris:artUrl" not in md
    assert md["mpris:trackid"] == ("o", "/org/mpris/MediaPlayer2/onair/station/x_1_fm")
    assert metadata(PlayerView()) == {"mpris:trackid": ("o", NO_TRACK)}
    assert track_id("") == NO_TRACK


def test_volume_from_mpris_is_clamped_to_0_100() -> None:
    assert [volume_from_mpris(v) for v in (0.3, 0.0, 1.0, 1.7, -2)] == [30, 0, 100, 100, 0]


# -- the adapter on a real bus -----------------------------------------------------------
@pytest.fixture
def service(private_bus: PrivateBus):  # noqa: F811
    yield from running_mpris(private_bus, KCUR)


def call(bus: PrivateBus, iface: str, member: str, sig: str = "", body: tuple = (),
         path: str = OBJECT_PATH):
    with bus.connect() as conn:
        msg = new_method_call(DBusAddress(path, BUS_NAME, iface), member, sig, body)
        reply = conn.send_and_get_reply(msg, timeout=5)
    return reply


def test_every_property_has_its_dbus_type(private_bus: PrivateBus, service) -> None:  # noqa: F811
    for iface, types in ((ROOT_IFACE, ROOT_TYPES), (PLAYER_IFACE, PLAYER_TYPES)):
        (props,) = call(private_bus, PROPS, "GetAll", "s", (iface,)).body
        assert {k: sig for k, (sig, _v) in props.items()} == types
        for name, sig in types.items():
            ((got_sig, _value),) = call(private_bus, PROPS, "Get", "ss", (iface, name)).body
            assert got_sig == sig, name
    (props,) = call(private_bus, PROPS, "GetAll", "s", (PLAYER_IFACE,)).body
    md_sig, md = props["Metadata"]
    assert {k: sig for k, (sig, _v) in md.items()} == METADATA_TYPES
    assert props["Metadata"][1]["xesam:artist"] == ("as", ["KCUR 89.3"])
    assert props["PlaybackStatus"] == ("s", "Playing")
    assert props["Volume"] == ("d", 0.8)


def test_introspection_declares_what_getall_returns(private_bus: PrivateBus,  # noqa: F811
                                                    service) -> None:
    (xml,) = call(private_bus, "org.freedesktop.DBus.Introspectable", "Introspect").body
    root = ET.fromstring(xml)
    declared = {i.get("name"): {p.get("name"): p.get("type") for p in i.iter("property")}
                for i in root.iter("interface")}
    assert declared[ROOT_IFACE] == ROOT_TYPES
    assert declared[PLAYER_IFACE] == PLAYER_TYPES
    methods = {m.get("name") for m in root.iter("method")}
    assert {"Play", "Pause", "PlayPause", "Stop", "Next", "Previous", "Get", "GetAll",
            "Set"} <= methods
    (parent,) = call(private_bus, "org.freedesktop.DBus.Introspectable", "Introspect",
                     path="/org/mpris").body
    assert '<node name="MediaPlayer2"/>' in parent


def test_set_volume_and_commands_reach_the_handler(private_bus: PrivateBus,  # noqa: F811
                                                   service) -> None:
    call(private_bus, PROPS, "Set", "ssv", (PLAYER_IFACE, "Volume", ("d", 0.3)))
    call(private_bus, PLAYER_IFACE, "PlayPause")
    call(private_bus, PLAYER_IFACE, "Next")
    assert service.commands == [("volume", 30), ("toggle", None), ("next", None)]
    ro = call(private_bus, PROPS, "Set", "ssv", (PLAYER_IFACE, "Rate", ("d", 2.0)))
    assert ro.header.message_type == MessageType.error
    assert ro.header.fields[HeaderFields.error_name] == \
        "org.freedesktop.DBus.Error.PropertyReadOnly"


def test_seek_and_set_position_only_while_seekable_and_seeked_is_emitted(
        private_bus: PrivateBus, service) -> None:  # noqa: F811
    from jeepney import MatchRule, message_bus
    from jeepney.io.blocking import Proxy

    call(private_bus, PLAYER_IFACE, "Seek", "x", (-30_000_000,))
    assert service.commands == []  # CanSeek is false: the spec says do nothing
    service.update(PlayerView(**{**KCUR.__dict__, "can_seek": True, "position_us": 90_000_000}))
    ((sig, can_seek),) = call(private_bus, PROPS, "Get", "ss", (PLAYER_IFACE, "CanSeek")).body
    assert (sig, can_seek) == ("b", True)
    ((_, position),) = call(private_bus, PROPS, "Get", "ss", (PLAYER_IFACE, "Position")).body
    assert position == 90_000_000
    call(private_bus, PLAYER_IFACE, "Seek", "x", (-30_000_000,))
    call(private_bus, PLAYER_IFACE, "SetPosition", "ox", (track_id("kcur"), 5_000_000))
    call(private_bus, PLAYER_IFACE, "SetPosition", "ox", (track_id("other"), 5_000_000))
    assert service.commands == [("seek", -30_000_000), ("position", 5_000_000)]
    with private_bus.connect() as conn:
        rule = MatchRule(type="signal", interface=PLAYER_IFACE, member="Seeked",
                         path=OBJECT_PATH)
        Proxy(message_bus, conn, timeout=5).AddMatch(rule)
        with conn.filter(rule) as queue:
            service.seeked(60_000_000)
            msg = conn.recv_until_filtered(queue, timeout=5)
    assert msg.body == (60_000_000,)


@pytest.mark.skipif(shutil.which("playerctl") is None, reason="needs playerctl")
def test_playerctl_sees_changes(private_bus: PrivateBus, service) -> None:  # noqa: F811
    def ctl(*args: str) -> str:
        return playerctl(private_bus.address, *args)

    assert "onair" in ctl("-l").split()
    assert ctl("-p", "onair", "status") == "Playing"
    service.update(PlayerView(**{**KCUR.__dict__, "state": "paused",
                                 "stream_title": "Artist - Song"}))
    wait_until(lambda: ctl("-p", "onair", "status") == "Paused", 5, "Paused", interval=0.1)
    assert ctl("-p", "onair", "metadata", "title") == "Artist - Song"
    ctl("-p", "onair", "play")
    wait_until(lambda: ("play", None) in service.commands, 5, "play reached the handler",
               interval=0.05)


def playerctl(address: str, *args: str) -> str:
    out = subprocess.run(["playerctl", *args], capture_output=True, text=True, timeout=10,
                         env={"DBUS_SESSION_BUS_ADDRESS": address, "PATH": "/usr/bin:/bin"})
    return out.stdout.strip()


def saved_volume(folder: Path) -> int | None:
    for path in folder.rglob("prefs.json"):
        try:
            return json.loads(path.read_text()).get("volume")
        except (OSError, ValueError):
            pass
    return None


# -- the whole app, driven by playerctl ----------------------------------------------------
@pytest.mark.e2e
@pytest.mark.icecast
@pytest.mark.gui
@pytest.mark.timeout(180)
@pytest.mark.skipif(shutil.which("playerctl") is None or shutil.which("xdotool") is None,
                    reason="needs playerctl and xdotool")
def test_playerctl_drives_the_app(tmp_path, private_bus, bench, site, media) -> None:  # noqa: F811
    from tests.support.demo_data import STATIONS, demo_catalogue
    from tests.ui.app_process import AppProcess

    a, b = STATIONS
    catalogue = tmp_path / "stations.json"
    catalogue.write_text(json.dumps(demo_catalogue(site, bench.url, media)))

    def ctl(*args: str) -> str:
        return playerctl(private_bus.address, "-p", "onair", *args)

    def listed() -> bool:
        return "onair" in playerctl(private_bus.address, "-l").split()

    app = AppProcess(tmp_path, catalogue,
                     env={"DBUS_SESSION_BUS_ADDRESS": private_bus.address})
    try:
        app.wait_window()
        app.wait(lambda s: s["station"] == a.id, what="station A selected")
        wait_until(listed, 15, "onair on the bus", interval=0.1)
        assert ctl("status") == "Stopped"

        ctl("play")
        app.wait(lambda s: s["state"] == "playing", what="playing A")
        app.wait_hears(bench.mount(a.mount).freq_hz)
        wait_until(lambda: ctl("status") == "Playing", 5, "Playing", interval=0.1)

        bench.set_title(a.mount, "Demo Artist - Tone Poem")
        wait_until(lambda: ctl("metadata", "title") == "Demo Artist - Tone Poem", 15,
                   "the stream title in the metadata", interval=0.2)
        assert ctl("metadata", "artist") == a.name
        assert ctl("metadata", "mpris:artUrl").startswith("file:///")

        ctl("pause")
        app.wait(lambda s: s["state"] == "paused", what="paused")
        wait_until(lambda: ctl("status") == "Paused", 5, "Paused", interval=0.1)
        assert listed(), "the player left the bus on pause"
        assert_silent(app)

        ctl("play")
        app.wait_hears(bench.mount(a.mount).freq_hz)
        # catch-up holds the stream: Position is the playhead in it, and Seek moves it back
        wait_until(lambda: float(ctl("position") or 0) >= 12, 20, "12 s held", interval=0.2)
        before = float(ctl("position"))
        ctl("position", "10-")
        wait_until(lambda: float(ctl("position") or 0) < before - 5, 10, "Seek back 10 s",
                   interval=0.2)
        app.wait(lambda s: any(t.endswith("behind live") for t in s["sections"]["player_bar"]),
                 what="the bar behind live")
        app.wait_hears(bench.mount(a.mount).freq_hz)
        ctl("next")
        app.wait(lambda s: s["station"] == b.id and s["state"] == "playing", what="playing B")
        app.wait_hears(bench.mount(b.mount).freq_hz)
        wait_until(lambda: ctl("metadata", "artist") == b.name, 5, "B in the metadata",
                   interval=0.1)
        assert ctl("metadata", "album"), "the program on now, as the album"

        ctl("volume", "0.3")
        wait_until(lambda: saved_volume(tmp_path) == 30, 10, "the app's volume at 30",
                   interval=0.1)
        wait_until(lambda: ctl("volume").startswith("0.3"), 5, "Volume read back",
                   interval=0.1)
    finally:
        assert app.stop() == 0, app.log_tail()
    logs = "".join(p.read_text(errors="replace") for p in tmp_path.glob("kivy/logs/*.txt"))
    assert "MPRIS: on the session bus as org.mpris.MediaPlayer2.onair" in logs


def assert_silent(app, for_s: float = 1.5) -> None:
    """The WAV stops growing (the stream is let go): within `for_s` seconds, no more than
    half a second of audio arrives after the pause (what libvlc had decoded already)."""
    import time

    from tests.support.audio import duration_s

    start, deadline = duration_s(app.wav), time.monotonic() + for_s
    while time.monotonic() < deadline:
        assert duration_s(app.wav) <= start + 0.5, "audio goes on after pause"
        time.sleep(0.1)
