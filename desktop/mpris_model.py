"""What On Air says over MPRIS2, as plain values: no D-Bus library, no Kivy.

`PlayerView` is the player as MPRIS sees it (built on the Kivy thread by the bridge, read on
the adapter's thread: it is frozen). `root_properties()` and `player_properties(view)` give
every property as a D-Bus variant `(signature, value)`, the form jeepney sends. `metadata`
maps a view to the Metadata dict. `INTROSPECTION` is the object's XML (playerctl reads it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DESKTOP_ENTRY = "onair"  # assets/onair.desktop, installed by scripts/setup.sh

BUS_NAME = "org.mpris.MediaPlayer2.onair"
OBJECT_PATH = "/org/mpris/MediaPlayer2"
ROOT_IFACE = "org.mpris.MediaPlayer2"
PLAYER_IFACE = "org.mpris.MediaPlayer2.Player"
PROPERTIES_IFACE = "org.freedesktop.DBus.Properties"
INTROSPECTABLE_IFACE = "org.freedesktop.DBus.Introspectable"
PEER_IFACE = "org.freedesktop.DBus.Peer"
NO_TRACK = "/org/mpris/MediaPlayer2/TrackList/NoTrack"
TRACK_PREFIX = "/org/mpris/MediaPlayer2/onair/station/"

Variant = tuple[str, Any]

# Each method's input signature, as INTROSPECTION declares it: a call with any other
# signature is answered InvalidArgs before it is looked at (tests/desktop/test_mpris_limits.py).
IN_SIGNATURES: dict[tuple[str, str], str] = {
    (INTROSPECTABLE_IFACE, "Introspect"): "", (PEER_IFACE, "Ping"): "",
    (PROPERTIES_IFACE, "Get"): "ss", (PROPERTIES_IFACE, "GetAll"): "s",
    (PROPERTIES_IFACE, "Set"): "ssv",
    (ROOT_IFACE, "Raise"): "", (ROOT_IFACE, "Quit"): "",
    **{(PLAYER_IFACE, m): "" for m in ("Next", "Previous", "Pause", "PlayPause", "Stop", "Play")},
    (PLAYER_IFACE, "Seek"): "x", (PLAYER_IFACE, "SetPosition"): "ox",
    (PLAYER_IFACE, "OpenUri"): "s",
}


def in_signature(iface: str | None, member: str) -> str | None:
    """The input signature of `member` (of `iface`, or of whichever interface has it when the
    call names none), or None for no such method."""
    if iface is not None:
        return IN_SIGNATURES.get((iface, member))
    return next((sig for (_i, m), sig in IN_SIGNATURES.items() if m == member), None)

# The player's states (player/states.py) as MPRIS PlaybackStatus: on the way to audio counts
# as Playing (the listener asked for it), an error as Stopped.
_STATUS = {"playing": "Playing", "connecting": "Playing", "buffering": "Playing",
           "reconnecting": "Playing", "paused": "Paused", "stopped": "Stopped",
           "error": "Stopped"}


@dataclass(frozen=True)
class PlayerView:
    state: str = "stopped"  # the player controller's state
    volume: int = 100  # 0..100
    station_id: str = ""
    station_name: str = ""
    stream_title: str = ""
    program: str = ""  # the program on now on that station ("" unknown)
    logo: str = ""  # an absolute file path, or ""
    can_next: bool = False
    can_previous: bool = False
    can_seek: bool = False  # catch-up holds the stream (player.catchup): Seek moves in it
    position_us: int = 0  # the playhead after the oldest moment held, in microseconds

    @property
    def status(self) -> str:
        return _STATUS.get(self.state, "Stopped")


def track_id(station_id: str) -> str:
    """An object path naming the station (D-Bus path elements are [A-Za-z0-9_] only)."""
    if not station_id:
        return NO_TRACK
    return TRACK_PREFIX + re.sub(r"[^A-Za-z0-9_]", "_", station_id)


def file_url(path: str) -> str:
    return Path(path).absolute().as_uri() if path else ""


def metadata(view: PlayerView) -> dict[str, Variant]:
    """xesam:title is the stream title, else the program on now, else the station's name."""
    out: dict[str, Variant] = {"mpris:trackid": ("o", track_id(view.station_id))}
    if not view.station_id:
        return out
    title = view.stream_title or view.program or view.station_name
    out["xesam:title"] = ("s", title)
    out["xesam:artist"] = ("as", [view.station_name])
    if view.program:
        out["xesam:album"] = ("s", view.program)
    if view.logo:
        out["mpris:artUrl"] = ("s", file_url(view.logo))
    return out


def root_properties() -> dict[str, Variant]:
    return {
        "CanQuit": ("b", False), "CanRaise": ("b", False), "HasTrackList": ("b", False),
        "Identity": ("s", "On Air"), "DesktopEntry": ("s", DESKTOP_ENTRY),
        "SupportedUriSchemes": ("as", []), "SupportedMimeTypes": ("as", []),
    }


def player_properties(view: PlayerView) -> dict[str, Variant]:
    has_station = bool(view.station_id)
    return {
        "PlaybackStatus": ("s", view.status),
        "Rate": ("d", 1.0), "MinimumRate": ("d", 1.0), "MaximumRate": ("d", 1.0),
        "Metadata": ("a{sv}", metadata(view)),
        "Volume": ("d", max(0, min(100, view.volume)) / 100.0),
        "Position": ("x", view.position_us if view.can_seek else 0),
        "CanGoNext": ("b", view.can_next), "CanGoPrevious": ("b", view.can_previous),
        "CanPlay": ("b", has_station), "CanPause": ("b", has_station and view.status == "Playing"),
        "CanSeek": ("b", view.can_seek), "CanControl": ("b", True),
    }


def volume_from_mpris(value: float) -> int:
    """MPRIS Volume (0.0-1.0, values outside are clamped) as the player's 0-100."""
    return round(max(0.0, min(1.0, float(value))) * 100)


def changed(old: dict[str, Variant], new: dict[str, Variant]) -> dict[str, Variant]:
    """The properties whose value is not what it was (Position never counts: it is polled)."""
    return {k: v for k, v in new.items() if k != "Position" and old.get(k) != v}


def _prop(name: str, sig: str, access: str = "read") -> str:
    return f'    <property name="{name}" type="{sig}" access="{access}"/>\n'


def _introspection() -> str:
    root = "".join(_prop(k, s) for k, (s, _v) in root_properties().items())
    player = "".join(_prop(k, s, "readwrite" if k == "Volume" else "read")
                     for k, (s, _v) in player_properties(PlayerView()).items())
    simple = "".join(f'    <method name="{m}"/>\n' for m in
                     ("Next", "Previous", "Pause", "PlayPause", "Stop", "Play"))
    return f"""<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
<node>
  <interface name="{INTROSPECTABLE_IFACE}">
    <method name="Introspect"><arg name="xml_data" type="s" direction="out"/></method>
  </interface>
  <interface name="{PEER_IFACE}">
    <method name="Ping"/>
  </interface>
  <interface name="{PROPERTIES_IFACE}">
    <method name="Get"><arg name="interface_name" type="s" direction="in"/>
      <arg name="property_name" type="s" direction="in"/>
      <arg name="value" type="v" direction="out"/></method>
    <method name="GetAll"><arg name="interface_name" type="s" direction="in"/>
      <arg name="properties" type="a{{sv}}" direction="out"/></method>
    <method name="Set"><arg name="interface_name" type="s" direction="in"/>
      <arg name="property_name" type="s" direction="in"/>
      <arg name="value" type="v" direction="in"/></method>
    <signal name="PropertiesChanged"><arg name="interface_name" type="s"/>
      <arg name="changed_properties" type="a{{sv}}"/>
      <arg name="invalidated_properties" type="as"/></signal>
  </interface>
  <interface name="{ROOT_IFACE}">
    <method name="Raise"/>
    <method name="Quit"/>
{root}  </interface>
  <interface name="{PLAYER_IFACE}">
{simple}    <method name="Seek"><arg name="Offset" type="x" direction="in"/></method>
    <method name="SetPosition"><arg name="TrackId" type="o" direction="in"/>
      <arg name="Position" type="x" direction="in"/></method>
    <method name="OpenUri"><arg name="Uri" type="s" direction="in"/></method>
    <signal name="Seeked"><arg name="Position" type="x"/></signal>
{player}  </interface>
</node>
"""


INTROSPECTION = _introspection()


def parent_introspection(path: str) -> str | None:
    """The XML for a parent of OBJECT_PATH ("/", "/org", "/org/mpris"): one child node."""
    parts = OBJECT_PATH.strip("/").split("/")
    have = [p for p in path.strip("/").split("/") if p]
    if len(have) >= len(parts) or parts[:len(have)] != have:
        return None
    return f'<node>\n  <node name="{parts[len(have)]}"/>\n</node>\n'
