"""On-demand playback (the hourly newscast) with libvlc: position, seek, end, back to live."""

from __future__ import annotations

import functools
import http.server
import re
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from player.controller import PlayerController
from player.vlc_backend import make_backend
from tests.player.conftest import pump, station
from tests.support.audio import duration_s, hears
from tests.support.tasks import task_runner

pytestmark = pytest.mark.icecast


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with single Range requests, as podcast CDNs serve them."""

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        match = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        if not path.is_file() or not match:
            return super().do_GET()
        data = path.read_bytes()
        start = int(match[1])
        end = int(match[2]) if match[2] else len(data) - 1
        body = data[start:end + 1]
        self.send_response(206)
        self.send_header("Content-Type", "audio/mpeg")
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Range", f"bytes {start}-{start + len(body) - 1}/{len(data)}")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def newscast_url(tmp_path_factory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("cast")
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                    "sine=frequency=700:sample_rate=44100:duration=12", "-c:a", "libmp3lame",
                    "-b:a", "64k", str(root / "cast.mp3")], check=True)
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(RangeHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/cast.mp3"
    server.shutdown()
    server.server_close()


def test_newscast_position_seek_end_and_back_to_live(newscast_url, icecast, wav: Path) -> None:
    ctl = PlayerController(make_backend(str(wav)), tasks=task_runner())
    live = station("a", "Station A", icecast.url("/a.mp3"))
    try:
        ctl.play(live)
        pump(lambda: ctl.state == "playing", 10, "live playing")
        ctl.play_ondemand(newscast_url, "NPR News: 10 AM")
        assert ctl.mode == "ondemand" and ctl.now_playing == "NPR News: 10 AM"
        pump(lambda: ctl.state == "playing" and ctl.position_s > 0.5, 10, "newscast playing")
        assert ctl.seekable and abs(ctl.duration_s - 12) < 0.5
        pump(lambda: hears(wav, 700, duration_s(wav) - 0.4, duration_s(wav)), 5, "700 Hz")
        ctl.seek(10.0)
        pump(lambda: ctl.position_s >= 10.0, 5, "position after seek")
        pump(lambda: ctl.state == "stopped", 8, "end of the newscast")
        assert ctl.mode == "ondemand" and ctl.error == ""
        ctl.back_to_live()
        pump(lambda: ctl.state == "playing" and ctl.mode == "live", 10, "back to live")
        assert ctl.station is live
        pump(lambda: hears(wav, 440, duration_s(wav) - 0.4, duration_s(wav)), 5, "440 Hz")
    finally:
        ctl.shutdown()
