"""HttpClient.get(revalidate=True) against a loopback server: it asks even while the cached
copy is fresh, conditionally when the copy has a validator."""

from __future__ import annotations

import pytest
from werkzeug import Response

from infra.http import HttpClient

XML = "text/xml"
STAMP = "Tue, 23 Jul 2024 08:06:00 GMT"


@pytest.fixture
def http(tmp_path):
    client = HttpClient(tmp_path / "cache", timeout=(1.0, 1.0), deadline_s=3.0)
    yield client
    client.close()


def seen(httpserver, path: str) -> list[tuple[int, str | None, str | None]]:
    """(status, If-None-Match, If-Modified-Since) of each request for `path`."""
    return [(resp.status_code, req.headers.get("If-None-Match"),
             req.headers.get("If-Modified-Since"))
            for req, resp in httpserver.log if req.path == path]


def validated(etag: str | None = None, modified: str | None = None):
    headers = {"Cache-Control": "max-age=3600"}
    if etag:
        headers["ETag"] = etag
    if modified:
        headers["Last-Modified"] = modified

    def handler(request):
        if (etag and request.headers.get("If-None-Match") == etag) or (
                modified and request.headers.get("If-Modified-Since") == modified):
            return Response(status=304, headers=headers)
        return Response("<rss/>", content_type=XML, headers=headers)

    return handler


def test_a_fresh_copy_is_revalidated_with_its_etag(httpserver, http) -> None:
    httpserver.expect_request("/feed").respond_with_handler(validated(etag='"v1"'))
    url = httpserver.url_for("/feed")
    http.get(url, source="Feed")
    http.get(url, source="Feed")  # max-age=3600: the cache answers
    assert seen(httpserver, "/feed") == [(200, None, None)]
    again = http.get(url, source="Feed", revalidate=True)
    assert again.content == b"<rss/>" and not again.stale
    assert seen(httpserver, "/feed") == [(200, None, None), (304, '"v1"', None)]


def test_a_fresh_copy_is_revalidated_with_its_last_modified(httpserver, http) -> None:
    httpserver.expect_request("/feed").respond_with_handler(validated(modified=STAMP))
    url = httpserver.url_for("/feed")
    http.get(url, source="Feed")
    assert http.get(url, source="Feed", revalidate=True).content == b"<rss/>"
    assert seen(httpserver, "/feed") == [(200, None, None), (304, None, STAMP)]


def test_a_changed_source_answers_the_new_body(httpserver, http) -> None:
    httpserver.expect_ordered_request("/feed").respond_with_data(
        "<rss>1</rss>", content_type=XML, headers={"ETag": '"v1"', "Cache-Control": "max-age=3600"})
    httpserver.expect_ordered_request("/feed").respond_with_data(
        "<rss>2</rss>", content_type=XML, headers={"ETag": '"v2"', "Cache-Control": "max-age=3600"})
    url = httpserver.url_for("/feed")
    http.get(url, source="Feed")
    assert http.get(url, source="Feed", revalidate=True).content == b"<rss>2</rss>"
    assert http.get(url, source="Feed").content == b"<rss>2</rss>"  # stored: no third request
    assert [status for status, *_ in seen(httpserver, "/feed")] == [200, 200]


def test_without_a_validator_it_fetches_anew(httpserver, http) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        "<rss/>", content_type=XML, headers={"Cache-Control": "max-age=3600"})
    url = httpserver.url_for("/feed")
    http.get(url, source="Feed")
    http.get(url, source="Feed", revalidate=True)
    assert seen(httpserver, "/feed") == [(200, None, None), (200, None, None)]


def test_a_failed_revalidation_serves_the_stale_copy(httpserver, http) -> None:
    httpserver.expect_oneshot_request("/feed").respond_with_handler(validated(etag='"v1"'))
    url = httpserver.url_for("/feed")
    http.get(url, source="Feed")
    httpserver.expect_request("/feed").respond_with_data("down", status=503)
    got = http.get(url, source="Feed", revalidate=True)
    assert got.stale and got.content == b"<rss/>" and "HTTP 503" in (got.problem or "")
