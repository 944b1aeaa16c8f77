"""A real Icecast2 server on a free loopback port, fed by ffmpeg with one tone per station.

Usable from pytest (see tests/player/conftest.py) and from plain scripts::

    with IcecastBench() as bench:
        print(bench.url("/a.mp3"))
        bench.set_title("/a.mp3", "Artist - Song")

Mounts (`MOUNTS`): station A is a 440 Hz tone, station B 1000 Hz, each as MP3 and as
AAC (ADTS). `RISING_MOUNTS` rise with time (the heard tone tells the moment);
`FORMAT_MOUNTS` are the codecs and MP3 parameters of the format matrix (MP3 CBR/VBR, 32 and
320 kbps, mono, 22.05/44.1/48 kHz, AAC-LC ADTS, Ogg Vorbis, Opus and FLAC). Icecast
refuses to run as root, so when we are root the config changes owner to `nobody`/`nogroup`
and the temp folder is made readable and its log folder writable for that user.
`stop()`/`start()` restart server and feeders on the same port; `freeze()`/`thaw()` send
SIGSTOP/SIGCONT to the server (a stalled server whose sockets stay open).
"""

from __future__ import annotations

import atexit
import base64
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from xml.sax.saxutils import escape

from tests.support.processes import stop_process


@dataclass(frozen=True)
class Mount:
    path: str
    freq_hz: int
    codec: str  # a key of _CODEC_ARGS: "mp3", "aac", "vorbis", "opus" or "flac"
    rising: bool = False  # the tone rises with time: rising_tone_hz(seconds since fed)
    rate: int = 44100  # the encoded sample rate (Hz)
    channels: int = 2
    quality: tuple[str, ...] = ("-b:a", "64k")  # the encoder's rate control (-q:a: VBR)
    hiss: float = 0.0  # white noise under a rising tone, so a VBR encoder varies its frames


MOUNTS = (
    Mount("/a.mp3", 440, "mp3"),
    Mount("/a.aac", 440, "aac"),
    Mount("/b.aac", 1000, "aac"),
    Mount("/b.mp3", 1000, "mp3"),
)

# A source whose tone tells the moment: freq_hz, +RISE_STEP_HZ every RISE_STEP_S seconds,
# back to freq_hz after RISE_STEPS steps (so it stays well inside the codecs' band).
RISE_STEP_S, RISE_STEP_HZ, RISE_STEPS = 10, 100, 12
RISING_MOUNTS = (Mount("/rise.mp3", 400, "mp3", rising=True),
                 Mount("/rise.aac", 400, "aac", rising=True))

# The format matrix (tests/player/test_format_matrix.py): every common codec and MP3's
# parameters, combined so each is covered by few encoders (they all run in real time on a
# 2-core machine). Each rises from its own base tone, 8 Hz apart modulo the 100 Hz step, so
# the heard tone names the mount as well as the moment.
FORMAT_MOUNTS = (  # path, base tone, codec, rising, sample rate, channels, rate control
    Mount("/cbr32-mono-22k.mp3", 300, "mp3", True, 22050, 1, ("-b:a", "32k")),
    Mount("/cbr320-48k.mp3", 308, "mp3", True, 48000, 2, ("-b:a", "320k")),
    Mount("/vbr-44k.mp3", 316, "mp3", True, 44100, 2, ("-q:a", "4"), hiss=0.05),
    Mount("/lc.aac", 324, "aac", True, 44100, 2, ("-b:a", "64k")),
    Mount("/vorbis.ogg", 332, "vorbis", True, 44100, 2, ("-b:a", "64k")),
    Mount("/opus.opus", 340, "opus", True, 48000, 2, ("-b:a", "64k")),
    Mount("/flac.ogg", 348, "flac", True, 22050, 1, ()),
)


def rising_tone_hz(base_hz: float, seconds: float) -> float:
    """The tone of a rising mount `seconds` after its feeder started."""
    return base_hz + RISE_STEP_HZ * (int(seconds // RISE_STEP_S) % RISE_STEPS)


def rising_source(base_hz: int, rate: int = 44100, hiss: float = 0.0) -> str:
    """ffmpeg's lavfi source of a rising tone (see rising_tone_hz), at `rate` Hz, with
    white noise of amplitude `hiss` under it."""
    noise = f"+{hiss}*(2*random(0)-1)" if hiss else ""
    return (f"aevalsrc='{1 - hiss}*sin(2*PI*t*({base_hz}+{RISE_STEP_HZ}*mod(floor(t/"
            f"{RISE_STEP_S}),{RISE_STEPS}))){noise}':s={rate}")


_CODEC_ARGS = {  # Ogg pages of at most 100 ms, as a live Ogg encoder sends them
    "mp3": ["-c:a", "libmp3lame", "-content_type", "audio/mpeg", "-f", "mp3"],
    "aac": ["-c:a", "aac", "-content_type", "audio/aac", "-f", "adts"],
    "vorbis": ["-c:a", "libvorbis", "-content_type", "audio/ogg", "-f", "ogg",
               "-page_duration", "100000"],
    "opus": ["-c:a", "libopus", "-content_type", "audio/ogg", "-f", "ogg",
             "-page_duration", "100000"],
    "flac": ["-c:a", "flac", "-content_type", "audio/ogg", "-f", "ogg",
             "-page_duration", "100000"],
}

SOURCE_PASSWORD = "bench-source"
ADMIN_USER = "admin"
ADMIN_PASSWORD = "bench-admin"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _config(port: int, root: Path, owner: tuple[str, str] | None) -> str:
    share = Path("/usr/share/icecast2")
    change = (f"<changeowner><user>{owner[0]}</user><group>{owner[1]}</group></changeowner>"
              if owner else "")
    return f"""<icecast>
  <location>bench</location><admin>bench@localhost</admin>
  <limits>
    <clients>200</clients><sources>16</sources><queue-size>524288</queue-size>
    <client-timeout>30</client-timeout><header-timeout>15</header-timeout>
    <source-timeout>10</source-timeout><burst-on-connect>1</burst-on-connect>
    <burst-size>65535</burst-size>
  </limits>
  <authentication>
    <source-password>{SOURCE_PASSWORD}</source-password>
    <admin-user>{ADMIN_USER}</admin-user><admin-password>{ADMIN_PASSWORD}</admin-password>
  </authentication>
  <hostname>127.0.0.1</hostname>
  <listen-socket><port>{port}</port><bind-address>127.0.0.1</bind-address></listen-socket>
  <fileserve>1</fileserve>
  <paths>
    <basedir>{escape(str(root))}</basedir>
    <logdir>{escape(str(root / "log"))}</logdir>
    <webroot>{share / "web"}</webroot><adminroot>{share / "admin"}</adminroot>
  </paths>
  <logging>
    <accesslog>access.log</accesslog><errorlog>error.log</errorlog><loglevel>3</loglevel>
  </logging>
  <security><chroot>0</chroot>{change}</security>
</icecast>
"""


def _unprivileged_owner() -> tuple[str, str] | None:
    if os.geteuid() != 0:
        return None
    import grp
    import pwd

    for user, group in (("icecast2", "icecast"), ("nobody", "nogroup"), ("nobody", "nobody")):
        try:
            pwd.getpwnam(user)
            grp.getgrnam(group)
        except KeyError:
            continue
        return user, group
    raise RuntimeError("running as root and found no unprivileged user for icecast2")


class IcecastBench:
    """One Icecast2 server plus an ffmpeg feeder per mount. Not thread-safe."""

    def __init__(self, mounts: tuple[Mount, ...] = MOUNTS, port: int | None = None) -> None:
        if shutil.which("icecast2") is None or shutil.which("ffmpeg") is None:
            raise RuntimeError("the Icecast bench needs the icecast2 and ffmpeg packages")
        self.mounts = mounts
        self.port = port or free_port()
        self.root = Path(tempfile.mkdtemp(prefix="onair-icecast-"))
        self._server: subprocess.Popen[bytes] | None = None
        self._feeders: dict[str, subprocess.Popen[bytes]] = {}
        self.fed_since: dict[str, float] = {}  # mount -> time.time() its feeder started
        self._frozen = False
        owner = _unprivileged_owner()
        (self.root / "log").mkdir()
        self.root.chmod(0o755)
        if owner:
            shutil.chown(self.root / "log", owner[0], owner[1])
        self.config = self.root / "icecast.xml"
        self.config.write_text(_config(self.port, self.root, owner))
        atexit.register(self.close)

    # -- addresses -------------------------------------------------------
    def url(self, mount: str, scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{mount}"

    def mount(self, path: str) -> Mount:
        return next(m for m in self.mounts if m.path == path)

    @property
    def access_log(self) -> Path:
        return self.root / "log" / "access.log"

    # -- lifecycle -------------------------------------------------------
    def start(self, timeout: float = 15.0) -> None:
        """Start the server and all feeders; return when every mount is live."""
        if self._server is not None:
            return
        self._server = subprocess.Popen(
            ["icecast2", "-c", str(self.config)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while not self._port_open():
            if self._server.poll() is not None:
                raise RuntimeError(f"icecast2 exited with {self._server.returncode}: "
                                   f"{self._error_log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"icecast2 did not listen on port {self.port}")
            time.sleep(0.05)
        for m in self.mounts:
            self._feeders[m.path] = self._feed(m)
        self.wait_for_mounts(deadline - time.monotonic())

    def stop(self) -> None:
        """Kill feeders and server (listeners see the connection close)."""
        for proc in self._feeders.values():
            _kill(proc)
        self._feeders.clear()
        if self._server is not None:
            if self._frozen:
                self._server.send_signal(signal.SIGCONT)
            _kill(self._server)
            self._server = None
        self._frozen = False

    def freeze(self) -> None:
        """SIGSTOP the server: sockets stay open, no byte moves."""
        assert self._server is not None, "bench not started"
        self._server.send_signal(signal.SIGSTOP)
        self._frozen = True

    def thaw(self) -> None:
        assert self._server is not None, "bench not started"
        self._server.send_signal(signal.SIGCONT)
        self._frozen = False

    def stop_source(self, mount: str, timeout: float = 10.0) -> None:
        """Kill the ffmpeg feeding `mount` only (a station's encoder losing its link): the
        server drops that mount's listeners and answers 404 for it until `start_source`."""
        proc = self._feeders.pop(mount, None)
        if proc is not None:
            _kill(proc)
        deadline = time.monotonic() + timeout
        while mount in self.live_mounts():
            if time.monotonic() > deadline:
                raise RuntimeError(f"mount {mount} still live {timeout} s after its source died")
            time.sleep(0.02)

    def start_source(self, mount: str, timeout: float = 10.0) -> None:
        """Feed `mount` again (after `stop_source`); return when it is live."""
        if mount not in self._feeders:
            self._feeders[mount] = self._feed(self.mount(mount))
        self.wait_for_mounts(timeout)

    def close(self) -> None:
        """Stop everything and remove the temp folder (idempotent)."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
        atexit.unregister(self.close)

    def __enter__(self) -> IcecastBench:
        self.start()
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    @property
    def running(self) -> bool:
        return self._server is not None and self._server.poll() is None

    def healthy(self) -> bool:
        """Running, not frozen, every feeder alive and every mount live."""
        return (self.running and not self._frozen
                and all(f.poll() is None for f in self._feeders.values())
                and self.live_mounts() == {m.path for m in self.mounts})

    # -- metadata --------------------------------------------------------
    def set_title(self, mount: str, title: str) -> None:
        """Set the ICY StreamTitle of `mount` through the admin metadata endpoint."""
        query = urllib.parse.urlencode({"mount": mount, "mode": "updinfo", "song": title})
        body = self._admin(f"/admin/metadata?{query}")
        if b"<return>1</return>" not in body:
            raise RuntimeError(f"icecast refused the title update: {body[:200]!r}")

    def live_mounts(self) -> set[str]:
        try:
            body = self._admin("/admin/listmounts")
        except (OSError, urllib.error.URLError):
            return set()
        return {m.path for m in self.mounts if f'mount="{m.path}"'.encode() in body}

    def fed_bytes(self, mount: str) -> int:
        """Bytes the server has read from `mount`'s source so far (0 when not live). A new
        listener's burst-on-connect holds up to 64 KiB of it: a mount fed for a few seconds
        starts like a station on the air for long, a fresh one only as fast as its feed."""
        query = urllib.parse.urlencode({"mount": mount})
        try:
            body = self._admin(f"/admin/stats?{query}").decode(errors="replace")
        except (OSError, urllib.error.URLError):
            return 0
        _, _, rest = body.partition("<total_bytes_read>")
        return int(rest.split("<", 1)[0]) if rest else 0

    def wait_for_mounts(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + max(timeout, 0.5)
        wanted = {m.path for m in self.mounts}
        while (live := self.live_mounts()) != wanted:
            dead = [p for p, f in self._feeders.items() if f.poll() is not None]
            if dead or time.monotonic() > deadline:
                raise RuntimeError(f"mounts not live: {sorted(wanted - live)} "
                                   f"(feeders exited: {dead}) {self._error_log_tail()}")
            time.sleep(0.05)

    # -- internals -------------------------------------------------------
    def _admin(self, path: str) -> bytes:
        token = base64.b64encode(f"{ADMIN_USER}:{ADMIN_PASSWORD}".encode()).decode()
        req = urllib.request.Request(self.url(path), headers={"Authorization": f"Basic {token}"})
        with urllib.request.urlopen(req, timeout=3) as resp:
            return resp.read()

    def _port_open(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False

    def _feed(self, m: Mount) -> subprocess.Popen[bytes]:
        target = f"icecast://source:{SOURCE_PASSWORD}@127.0.0.1:{self.port}{m.path}"
        source = (rising_source(m.freq_hz, m.rate, m.hiss) if m.rising
                  else f"sine=frequency={m.freq_hz}:sample_rate={m.rate}")
        self.fed_since[m.path] = time.time()
        cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re",
               "-f", "lavfi", "-i", source, "-ac", str(m.channels), *m.quality,
               *_CODEC_ARGS[m.codec], "-flush_packets", "1",
               "-ice_name", f"Bench {m.path}", target]
        return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)

    def _error_log_tail(self) -> str:
        try:
            return (self.root / "log" / "error.log").read_text(errors="replace")[-600:]
        except OSError:
            return ""


def _kill(proc: subprocess.Popen[bytes]) -> None:
    stop_process(proc, timeout=3)
