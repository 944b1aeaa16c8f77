"""Memory for the largest story image the pixel cap lets through (4096x4096), loaded as the
app does, against the whole-image decode the app used before, and for oversized images.

Prints one JSON document. Images are served from a loopback HTTP server; each load runs in
a process of its own (tests/support/image_probe.py), after a small warm-up image took the
same path: VmRSS before, VmRSS after (the texture held, as the reader holds it) and the peak
(VmHWM, reset before the load). Ways:
- display: the app's path (news.controller fetch_image: download, header check, Pillow
  decode fitted to the reader's 2048x2048, the texture made on the Kivy thread);
- whole: the same checked file decoded whole by Kivy's ImageLoader (SDL2_image), as before.
Images: a 4096x4096 RGBA PNG (one colour; the costliest to decode), a 4096x4096 JPEG (photo-like),
and oversized PNGs (8000x8000, 30000x30000: refused from the header).
Target (issue 14): RSS after loading the largest image the caps allow at most +64 MB.
Needs an X display (make bench runs it under xvfb-run).

Usage: xvfb-run -a .venv/bin/python bench/image_rss.py [RUNS]
"""

from __future__ import annotations

import io
import json
import statistics
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.big_images import solid_png  # noqa: E402
from tests.support.feeds import tiny_png  # noqa: E402

RUNS = 3
TARGET_MB = 64


def photo_jpeg(side: int) -> bytes:
    """A photo-like JPEG: gradients under grain, about 3.5 MB at 4096x4096 (within the 5 MB
    download cap)."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(14)
    y, x = np.mgrid[0:side, 0:side]
    base = np.stack([x * 255 // side, y * 255 // side, (x + y) * 255 // (2 * side)], -1)
    grain = rng.integers(-16, 17, (side, side, 3))
    pixels = np.clip(base + grain, 0, 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(out, "JPEG", quality=85)
    return out.getvalue()


def serve(images: dict[str, bytes]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            body = images.get(self.path.lstrip("/"))
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "image/jpeg" if self.path.endswith(".jpg")
                             else "image/png")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def probe(url: str, warm: str, *flags: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "tests.support.image_probe", "story", url,
                           warm, "--texture", *flags], cwd=ROOT, capture_output=True,
                          text=True, timeout=180)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def measured(url: str, warm: str, runs: int, *flags: str) -> dict:
    results = [probe(url, warm, *flags) for _ in range(runs)]
    after = [r["rss_after_mb"] - r["rss_before_mb"] for r in results]
    peak = [r["peak_mb"] - r["rss_before_mb"] for r in results]
    return {"shown": results[0]["shown"], "texture_size": results[0]["size"],
            "rss_after_minus_before_mb": round(statistics.median(after), 1),
            "peak_minus_before_mb": round(statistics.median(peak), 1), "runs": runs}


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else RUNS
    images = {"max.png": solid_png(4096, 4096, (200, 80, 40, 255)),
              "max.jpg": photo_jpeg(4096), "8k.png": solid_png(8000, 8000),
              "30k.png": solid_png(30000, 30000), "warm.png": tiny_png(8, 8)}
    server = serve(images)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        report: dict = {"bench": "image_rss", "target": f"rss after at most +{TARGET_MB} MB",
                        "bytes": {k: len(v) for k, v in images.items() if k != "warm.png"}}
        for name in ("max.png", "max.jpg"):
            report[f"story_4096x4096_{name.split('.')[1]}"] = {
                "display": measured(f"{base}/{name}", f"{base}/warm.png", runs),
                "whole": measured(f"{base}/{name}", f"{base}/warm.png", runs, "--direct")}
        for name in ("8k.png", "30k.png"):
            report[f"story_oversized_{name.split('.')[0]}"] = measured(
                f"{base}/{name}", f"{base}/warm.png", 1)
    finally:
        server.shutdown()
        server.server_close()
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
