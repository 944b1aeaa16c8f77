"""Pixel caps on images from the web: the size is read from the header before anything
decodes it, an image over the cap is refused with one log line (a missing image), and what
is shown is decoded at no more than its display size.

Served from a real HTTP server on loopback (pytest-httpserver). The oversized PNGs are real:
one colour, a few dozen kB, declaring 8000x8000 or 30000x30000 (tests/support/big_images.py).
Memory is measured in a process of its own through the app's path
(tests/support/image_probe.py): VmHWM, the peak RSS, after a reset.
"""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from infra.http import HttpClient
from infra.image_decode import STORY_DISPLAY_PIXELS, decode
from infra.images import PAST_PILLOW_LIMIT, fetch_image, image_size
from library.favicons import FAVICON_MAX_PIXELS
from tests.support.big_images import solid_png
from tests.support.feeds import tiny_png

ROOT = Path(__file__).resolve().parents[2]
ORANGE = (200, 80, 40, 255)


@pytest.fixture
def http(tmp_path: Path) -> Iterator[HttpClient]:
    client = HttpClient(tmp_path / "http", timeout=(2.0, 5.0), deadline_s=10.0)
    yield client
    client.close()


def jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (20, 140, 60)).save(out, "JPEG", quality=80)
    return out.getvalue()


def test_the_size_comes_from_the_header_alone() -> None:
    assert image_size(solid_png(8000, 8000)) == (8000, 8000)
    assert image_size(solid_png(30000, 30000)) == PAST_PILLOW_LIMIT  # past Pillow's own limit
    assert image_size(tiny_png(320, 180)[:60]) == (320, 180)  # the header is all it reads
    assert image_size(jpeg(300, 200)) == (300, 200)
    assert image_size(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10) is None
    assert image_size(b"<html>not an image</html>") is None
    assert len(solid_png(30000, 30000)) < 200_000  # a few dozen kB declaring 900M pixels


@pytest.mark.parametrize(("name", "body"), [
    ("8k.png", lambda: solid_png(8000, 8000)),
    ("30k.png", lambda: solid_png(30000, 30000)),
    ("wide.png", lambda: solid_png(4097, 16, ORANGE)),
])
def test_a_story_image_over_the_cap_is_refused_with_one_log_line(
        httpserver, http, tmp_path, caplog, name, body) -> None:
    httpserver.expect_request(f"/{name}").respond_with_data(body(), content_type="image/png")
    with caplog.at_level(logging.INFO, logger="infra.images"):
        assert fetch_image(http, httpserver.url_for(f"/{name}"), tmp_path / "img") is None
    lines = [r.getMessage() for r in caplog.records if r.name == "infra.images"]
    assert len(lines) == 1 and "over the 4096x4096 cap" in lines[0] and name in lines[0], lines
    assert not list((tmp_path / "img").glob("*")), "an oversized image was cached"


def test_the_largest_story_image_is_kept_and_a_favicon_cap_is_smaller(httpserver, http,
                                                                     tmp_path) -> None:
    httpserver.expect_request("/max.png").respond_with_data(solid_png(4096, 4096, ORANGE),
                                                            content_type="image/png")
    url = httpserver.url_for("/max.png")
    kept = fetch_image(http, url, tmp_path / "img")
    assert kept is not None and image_size(kept) == (4096, 4096)
    assert fetch_image(http, url, tmp_path / "icons", max_pixels=FAVICON_MAX_PIXELS) is None
    # a file cached before the cap (or under a larger one) is checked on the disk hit too
    assert fetch_image(http, url, tmp_path / "img", max_pixels=FAVICON_MAX_PIXELS) is None
    assert not kept.exists()


def test_decode_fits_the_display_and_keeps_the_colour(tmp_path) -> None:
    big = tmp_path / "max.png"
    big.write_bytes(solid_png(4096, 4096, ORANGE))
    pixels = decode(big)
    assert pixels is not None
    assert (pixels.width, pixels.height, pixels.mode) == (*STORY_DISPLAY_PIXELS, "rgba")
    assert len(pixels.data) == 2048 * 2048 * 4 and pixels.data[:4] == bytes(ORANGE)
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(jpeg(4000, 3000))
    scaled = decode(photo)
    assert scaled is not None and scaled.mode == "rgb"
    assert scaled.width <= 2048 and scaled.height <= 2048 and scaled.width * 3 == scaled.height * 4
    small = tmp_path / "small.png"
    small.write_bytes(tiny_png(320, 180))
    same = decode(small)
    assert same is not None and (same.width, same.height, same.mode) == (320, 180, "rgb")
    gif = tmp_path / "t.gif"
    Image.new("P", (40, 30), 3).save(gif, "GIF", transparency=3)
    clear = decode(gif)
    assert clear is not None and (clear.width, clear.height, clear.mode) == (40, 30, "rgba")


def test_what_does_not_decode_is_none_with_one_log_line(tmp_path, caplog) -> None:
    cut = tmp_path / "cut.png"
    cut.write_bytes(tiny_png(320, 180)[:60])
    huge = tmp_path / "huge.png"
    huge.write_bytes(solid_png(8000, 8000))
    with caplog.at_level(logging.INFO):
        assert decode(cut) is None
        assert decode(huge) is None
        assert decode(tmp_path / "absent.png") is None
    assert len([r for r in caplog.records if r.name.startswith("infra.image")]) == 3


# -- memory, measured in a process of its own ------------------------------------------------
def probe(kind: str, url: str, warm: str, *flags: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "tests.support.image_probe", kind, url, warm,
                           *flags], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.gui
@pytest.mark.parametrize("kind", ["story", "favicon"])
def test_an_oversized_png_costs_no_memory_and_a_normal_one_still_shows(httpserver,
                                                                       kind) -> None:
    for name, body in (("30k.png", solid_png(30000, 30000)), ("8k.png", solid_png(8000, 8000)),
                       ("ok.png", tiny_png(64, 48)), ("warm.png", tiny_png(8, 8))):
        httpserver.expect_request(f"/{name}").respond_with_data(body, content_type="image/png")
    warm = httpserver.url_for("/warm.png")
    for name in ("30k.png", "8k.png"):
        result = probe(kind, httpserver.url_for(f"/{name}"), warm, "--texture")
        assert not result["shown"], result
        assert result["peak_mb"] - result["rss_before_mb"] < 16, result  # 8000x8000: 244 MB
    normal = probe(kind, httpserver.url_for("/ok.png"), warm, "--texture")
    assert normal["shown"] and normal["size"] == [64, 48], normal


@pytest.mark.gui
def test_the_largest_story_image_costs_at_most_64_mb_once_shown(httpserver) -> None:
    httpserver.expect_request("/max.png").respond_with_data(solid_png(4096, 4096, ORANGE),
                                                            content_type="image/png")
    httpserver.expect_request("/warm.png").respond_with_data(tiny_png(8, 8),
                                                             content_type="image/png")
    result = probe("story", httpserver.url_for("/max.png"), httpserver.url_for("/warm.png"),
                   "--texture")
    assert result["shown"] and result["size"] == list(STORY_DISPLAY_PIXELS), result
    assert result["rss_after_mb"] - result["rss_before_mb"] <= 64, result
