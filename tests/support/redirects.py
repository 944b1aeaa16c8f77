"""What the redirect tests serve: a local WAV of a tone of its own (which must never be
heard: libvlc must never open it) and an MP3 of another tone behind legitimate redirects,
and the redirect targets the app must refuse."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

from werkzeug import Response

SECRET_HZ, SERVED_HZ = 1234, 900


def make_tones(folder: Path) -> dict[str, Path]:
    """{"secret": a local WAV at SECRET_HZ, "served": an MP3 at SERVED_HZ}, 20 s each."""
    out = {"secret": folder / "secret.wav", "served": folder / "served.mp3"}
    for (_name, path), freq in zip(out.items(), (SECRET_HZ, SERVED_HZ), strict=True):
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                        f"sine=frequency={freq}:sample_rate=44100", "-t", "20", str(path)],
                       check=True, timeout=60)
    return out


def refused_targets(tones: dict[str, Path], httpserver) -> dict[str, str]:
    """Where a hostile server redirects: file:, smb:, data:, and an http hop to file:."""
    data = base64.b64encode(tones["secret"].read_bytes()[:600]).decode()
    httpserver.expect_request("/hop2").respond_with_response(
        Response(status=302, headers={"Location": tones["secret"].as_uri()}))
    return {"file": tones["secret"].as_uri(),
            "smb": "smb://127.0.0.1/share/secret.wav",
            "data": f"data:audio/wav;base64,{data}",
            "second hop": httpserver.url_for("/hop2")}
