"""Images from the web, through the one HTTP layer: size-capped, checked, cached on disk.

Blocking; callers run `fetch_image` off the Kivy thread (story images, station icons).
Only http(s) URLs are fetched; the bytes must be a PNG, JPEG, GIF or WebP image (by
signature), whatever the server calls them. Files are named by a hash of the URL, so a
second ask is a disk hit, and the directory keeps at most `max_files` of them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from infra.errors import BadInput, OnAirError
from infra.http import HttpClient
from infra.paths import atomic_write_bytes
from infra.urls import check_stream_url

MAX_IMAGE_BYTES = 5_000_000
MAX_CACHED_IMAGES = 200
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
                max_files: int = MAX_CACHED_IMAGES) -> Path | None:
    """The image as a file in `cache_dir` (named by a hash of the URL), or None.

    None for a non-http(s) URL, a failed download, a body over `max_bytes`, or bytes
    that are not a PNG/JPEG/GIF/WebP image. Never raises OnAirError.
    """
    url = http_url(url)
    if not url:
        return None
    digest = hashlib.sha256(url.encode()).hexdigest()[:32]
    try:
        for existing in cache_dir.glob(f"{digest}.*"):
            if existing.stat().st_size > 0:
                return existing
    except OSError:
        pass
    try:
        data = http.get_bytes(url, source=source, max_bytes=max_bytes)
    except OnAirError:
        return None
    kind = image_kind(data)
    if kind is None:
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
