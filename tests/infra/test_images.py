"""infra.images: size-capped image downloads, checked by signature, cached by URL hash."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug import Response

from infra.http import HttpClient
from infra.images import fetch_image, http_url, image_kind
from tests.support.feeds import tiny_png


@pytest.fixture
def http(tmp_path: Path) -> Iterator[HttpClient]:
    client = HttpClient(tmp_path / "http", timeout=(1.0, 1.0), deadline_s=3.0)
    yield client
    client.close()


@pytest.mark.parametrize(("data", "kind"), [
    (tiny_png(), "png"), (b"\xff\xd8\xff\xe0rest", "jpg"), (b"GIF89a...", "gif"),
    (b"GIF87a...", "gif"), (b"RIFF\0\0\0\0WEBPVP8 ", "webp"), (b"<html>", None), (b"", None),
])
def test_image_kind_is_told_by_signature(data: bytes, kind: str | None) -> None:
    assert image_kind(data) == kind


@pytest.mark.parametrize(("url", "kept"), [
    ("https://e.org/i.png", True), (" http://e.org/i.png\n", True), ("javascript:alert(1)", False),
    ("file:///etc/passwd", False), ("data:image/png;base64,AAAA", False), ("", False),
    (None, False), ("-vvv", False), ("http:///nohost.png", False),
])
def test_only_http_urls_are_fetched(url: object, kept: bool) -> None:
    assert bool(http_url(url)) is kept


def test_a_body_over_the_cap_gives_none(httpserver, http, tmp_path) -> None:
    httpserver.expect_request("/big.png").respond_with_response(
        Response(b"\x89PNG\r\n\x1a\n" + b"\0" * 300_000, content_type="image/png"))
    httpserver.expect_request("/small.png").respond_with_data(tiny_png(),
                                                              content_type="image/png")
    assert fetch_image(http, httpserver.url_for("/big.png"), tmp_path / "i",
                       max_bytes=256_000) is None
    small = fetch_image(http, httpserver.url_for("/small.png"), tmp_path / "i",
                        max_bytes=256_000, source="Station icon")
    assert small is not None and small.read_bytes() == tiny_png()


def test_the_cache_keeps_at_most_max_files(httpserver, http, tmp_path) -> None:
    for n in range(4):
        httpserver.expect_request(f"/{n}.png").respond_with_data(tiny_png(n + 1, 1),
                                                                 content_type="image/png")
    paths = [fetch_image(http, httpserver.url_for(f"/{n}.png"), tmp_path / "i", max_files=2)
             for n in range(4)]
    assert all(p is not None for p in paths)
    assert sorted((tmp_path / "i").iterdir()) == sorted(p for p in paths[-2:] if p)


def test_no_server_gives_none(http, tmp_path) -> None:
    assert fetch_image(http, "http://127.0.0.1:9/i.png", tmp_path / "i") is None
