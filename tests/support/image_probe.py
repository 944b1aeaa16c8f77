"""What loading one image through the app's own path costs in memory, in a process of its own.

    python -m tests.support.image_probe story URL WARM_URL [--texture] [--direct]
    python -m tests.support.image_probe favicon URL WARM_URL [--texture]

prints one JSON line: {"shown", "size", "rss_before_mb", "rss_after_mb", "peak_mb"}.
`story` is the news controller's path (NewsController.fetch_image: download, header check,
decode fitted to the reader, a Kivy image; with `--texture` its texture made on the Kivy
thread as the reader does); `--direct` instead decodes the checked file whole with Kivy's
ImageLoader, as the app did before (the comparison in bench/image_rss.py). `favicon` is the
directory icons' path (library.favicons.load_favicon; with `--texture` the icon is then
loaded by Kivy from its file, as the search dialog's Image does). WARM_URL (a small image)
goes through the same path first, so imports, plugins and GL are set up before the baseline.
RSS is /proc/self/status VmRSS; the peak is VmHWM after a reset (/proc/self/clear_refs).
`--texture` needs an X display (xvfb-run).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def rss_mb() -> float:
    return _status_kb("VmRSS") / 1024


def peak_mb() -> float:
    return _status_kb("VmHWM") / 1024


def reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS (Linux 4.0+)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=("story", "favicon"))
    parser.add_argument("url")
    parser.add_argument("warm_url")
    parser.add_argument("--texture", action="store_true")
    parser.add_argument("--direct", action="store_true")
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="onair-image-probe-"))
    os.environ.update(KIVY_NO_ARGS="1", KIVY_NO_CONSOLELOG="1", KIVY_NO_FILELOG="1",
                      KIVY_HOME=str(scratch / "kivy"))
    from infra.http import HttpClient

    if args.texture:
        from kivy.core.window import Window  # noqa: F401 - a GL context for textures
    http = HttpClient(scratch / "http")
    load = _story_loader(http, scratch, args) if args.kind == "story" else \
        _favicon_loader(http, scratch, args)
    try:
        load(args.warm_url)
        gc.collect()
        before = rss_mb()
        reset_peak()
        kept = load(args.url)  # held while measured, as a view holds its texture
        after, peak = rss_mb(), peak_mb()
    finally:
        http.close()
        shutil.rmtree(scratch, ignore_errors=True)
    print(json.dumps({"shown": kept is not None, "size": _size(kept),
                      "rss_before_mb": round(before, 1), "rss_after_mb": round(after, 1),
                      "peak_mb": round(peak, 1)}))
    return 0


def _size(kept: Any) -> list[int] | None:
    if kept is None:
        return None
    size = getattr(kept, "size", None)
    return list(size) if size is not None else None


def _story_loader(http: Any, scratch: Path, args: argparse.Namespace):
    from kivy.clock import Clock

    from infra.tasks import TaskRunner
    from news.controller import NewsController

    if args.direct:
        return _whole_loader(http, scratch, args)
    news = NewsController(http, scratch / "cache", tasks=TaskRunner())

    def load(url: str) -> Any:
        got: list[Any] = []
        news.fetch_image(url, lambda path, image: got.append(
            (image.texture if args.texture else image) if image is not None else None))
        deadline = time.monotonic() + 60
        while not got and time.monotonic() < deadline:
            Clock.tick()
            time.sleep(0.005)
        return got[0] if got else None

    return load


def _whole_loader(http: Any, scratch: Path, args: argparse.Namespace):
    """The path before the display decode: the checked file, decoded whole by Kivy's own
    loader (SDL2_image), as ImageLoader.load(keep_data=True) did in the news controller."""
    from kivy.core.image import ImageLoader

    from infra.images import fetch_image

    def load(url: str) -> Any:
        path = fetch_image(http, url, scratch / "cache" / "images")
        if path is None:
            return None
        image = ImageLoader.load(str(path), keep_data=True)
        return image.texture if args.texture else image

    return load


def _favicon_loader(http: Any, scratch: Path, args: argparse.Namespace):
    from library.favicons import load_favicon

    def load(url: str) -> Any:
        path = load_favicon(http, url, scratch / "favicons")
        if not path:
            return None
        if not args.texture:
            return Path(path)
        from kivy.core.image import Image as CoreImage

        return CoreImage(path).texture

    return load


if __name__ == "__main__":
    sys.exit(main())
