"""Images from the web, through the one HTTP layer: size-capped, checked, cached on disk.

Blocking; callers run `fetch_image` off the Kivy thread (story images, station icons).
Only http(s) URLs are fetched; the bytes must be a PNG, JPEG, GIF or WebP image (by
signature), whatever the server calls them, whose header Pillow reads, declaring at most
`max_pixels` (width, height): a few kB of one-colour PNG can declare 30000x30000, which a
decoder would allocate gigabytes for, so the size is read from the header (Pillow's
Image.open reads nothing more) before anything decodes it, and an image over the cap is
refused with one log line, as a missing one. Files are named by a hash of the URL, so a
second ask is a disk hit (its header checked again), and the directory keeps at most
`max_files` of them.
"""

from __future__ import annotations

import hashlib
import io
import logging
import warnings
from pathlib import Path

from PIL import Image

from infra.errors import BadInput, OnAirError
from infra.http import HttpClient
from infra.paths import atomic_write_bytes
from infra.urls import check_stream_url

MAX_IMAGE_BYTES = 5_000_000
MAX_CACHED_IMAGES = 200
STORY_IMAGE_MAX_PIXELS = (4096, 4096)  # (width, height): a story's lead image
PILLOW_FORMATS = ("PNG", "JPEG", "GIF", "WEBP")  # what image_kind lets through
PAST_PILLOW_LIMIT = (1 << 31, 1 << 31)  # the size told for one past Pillow's bomb limit
_log = logging.getLogger(__name__)
_IMAGE_MAGIC = ((b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpg"), (b"GIF87a", "gif"),
                (b"GIF89a", "gif"))


def image_kind(data: bytes) -> str | None:
    """File extension for an image Kivy can show (by signature), or None."""
    for magic, ext in _IMAGE_MAGIC:
        if data.startswith(magic):
            return ext
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def image_size(source: bytes | Path) -> tuple[int, int] | None:
    """The (width, height) an image's header declares, read by Pillow without decoding
    anything; None when Pillow cannot read it as a PNG, JPEG, GIF or WebP. A size past
    Pillow's own decompression-bomb limit (far above any cap here) is reported as it is."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source,
                            formats=PILLOW_FORMATS) as image:
                return image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return PAST_PILLOW_LIMIT  # refused before it said the size: over any cap here
    except Exception:  # noqa: BLE001 - whatever Pillow raises on a bad header: not an image
        return None


def within(size: tuple[int, int], cap: tuple[int, int]) -> bool:
    return 0 < size[0] <= cap[0] and 0 < size[1] <= cap[1]


def checked_size(source: bytes | Path, cap: tuple[int, int], *, what: str) -> bool:
    """Whether the image's header declares a size within `cap`; one log line when not."""
    size = image_size(source)
    if size is None:
        _log.info("%s not shown: not an image that can be read", what)
        return False
    if not within(size, cap):
        told = "too many" if size == PAST_PILLOW_LIMIT else f"{size[0]}x{size[1]}"
        _log.warning("%s not shown: %s pixels, over the %dx%d cap", what, told, *cap)
        return False
    return True


def http_url(url: object) -> str:
    """`url` stripped if it is an http(s) URL with a host, else ""."""
    if not isinstance(url, str) or not url.strip():
        return ""
    try:
        return check_stream_url(url.strip())
    except (BadInput, ValueError):
        return ""


def fetch_image(http: HttpClient, url: str, cache_dir: Path, *,
                max_bytes: int = MAX_IMAGE_BYTES, source: str = "Story image",
                max_files: int = MAX_CACHED_IMAGES,
                max_pixels: tuple[int, int] = STORY_IMAGE_MAX_PIXELS) -> Path | None:
    """The image as a file in `cache_dir` (named by a hash of the URL), or None.

    None for a non-http(s) URL, a failed download, a body over `max_bytes`, bytes that
    are not a PNG/JPEG/GIF/WebP image, or a header declaring more than `max_pixels`
    (width, height; one log line). Never raises OnAirError.
    """
    url = http_url(url)
    if not url:
        return None
    what = f"{source} {url[:200]}"
    digest = hashlib.sha256(url.encode()).hexdigest()[:32]
    try:
        for existing in cache_dir.glob(f"{digest}.*"):
            if existing.stat().st_size > 0:
                if checked_size(existing, max_pixels, what=what):
                    return existing
                existing.unlink(missing_ok=True)  # kept by an older version, or a smaller cap
                return None
    except OSError:
        pass
    try:
        data = http.get_bytes(url, source=source, max_bytes=max_bytes)
    except OnAirError:
        return None
    kind = image_kind(data)
    if kind is None or not checked_size(data, max_pixels, what=what):
        return None
    path = cache_dir / f"{digest}.{kind}"
    try:
        atomic_write_bytes(path, data)
    except OSError:
        return None
    _prune(cache_dir, keep=path, max_files=max_files)
    return path


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _prune(cache_dir: Path, *, keep: Path, max_files: int) -> None:
    """Keep the newest `max_files` images (other threads' temp files are left alone)."""
    try:
        files = [p for p in cache_dir.iterdir() if not p.name.startswith(".") and p != keep]
        files.sort(key=_mtime, reverse=True)
        for old in files[max_files - 1:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass
