"""The HTTP layer against real loopback servers: cache, revalidation, stale copies, faults."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from werkzeug import Response

from infra.errors import SourceUnavailable
from infra.http import HttpClient, expect_content_type
from tests.support.metadata_server import big_body, silent_server, trickle_server

JSON = "application/json"


@pytest.fixture
def http(tmp_path):
    client = HttpClient(tmp_path / "cache", timeout=(1.0, 1.0), deadline_s=3.0)
    yield client
    client.close()


def hits(httpserver, path: str) -> list[int]:
    """Statuses of the requests the server got for `path`, in order."""
    return [resp.status_code for req, resp in httpserver.log if req.path == path]


def test_sends_user_agent_and_returns_the_answer(httpserver, http):
    httpserver.expect_request("/a").respond_with_data('{"x": 1}', content_type=JSON)
    got = http.get(httpserver.url_for("/a"), source="Test")
    assert got.content == b'{"x": 1}' and got.status == 200 and not got.stale
    assert got.content_type == JSON
    assert abs(got.fetched_at - datetime.now(UTC)) < timedelta(seconds=5)
    agent = httpserver.log[0][0].headers["User-Agent"]
    assert agent.startswith("OnAir/") and len(agent) > len("OnAir/")


def test_second_get_within_validity_makes_no_request(httpserver, http):
    httpserver.expect_request("/day").respond_with_data(
        "{}", content_type=JSON, headers={"Cache-Control": "max-age=600"})
    first = http.get(httpserver.url_for("/day"), source="Test")
    second = http.get(httpserver.url_for("/day"), source="Test")
    assert second.content == first.content and not second.stale
    assert hits(httpserver, "/day") == [200]


def test_expired_copy_is_revalidated_with_etag_and_304_is_used(httpserver, http):
    def handler(request):
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers={"ETag": '"v1"', "Cache-Control": "max-age=0"})
        return Response('{"v": 1}', content_type=JSON,
                        headers={"ETag": '"v1"', "Cache-Control": "max-age=0"})

    httpserver.expect_request("/day").respond_with_handler(handler)
    http.get(httpserver.url_for("/day"), source="Test")
    again = http.get(httpserver.url_for("/day"), source="Test")
    assert again.content == b'{"v": 1}' and not again.stale
    assert hits(httpserver, "/day") == [200, 304]


def test_last_modified_revalidation(httpserver, http):
    stamp = "Wed, 14 May 2025 14:00:00 GMT"

    def handler(request):
        if request.headers.get("If-Modified-Since") == stamp:
            return Response(status=304)
        return Response("[1]", content_type=JSON,
                        headers={"Last-Modified": stamp, "Cache-Control": "no-cache"})

    httpserver.expect_request("/day").respond_with_handler(handler)
    http.get(httpserver.url_for("/day"), source="Test")
    assert http.get(httpserver.url_for("/day"), source="Test").content == b"[1]"
    assert hits(httpserver, "/day") == [200, 304]


def test_server_error_serves_the_stale_copy_with_its_fetch_time(httpserver, http):
    httpserver.expect_oneshot_request("/day").respond_with_data(
        '{"good": true}', content_type=JSON, headers={"Cache-Control": "max-age=0"})
    first = http.get(httpserver.url_for("/day"), source="Test")
    httpserver.expect_request("/day").respond_with_data("oops", status=500)
    stale = http.get(httpserver.url_for("/day"), source="Test")
    assert stale.stale and stale.content == b'{"good": true}'
    assert abs(stale.fetched_at - first.fetched_at) < timedelta(seconds=1)
    assert "HTTP 500" in stale.problem


def test_server_gone_serves_the_stale_copy(tmp_path):
    from pytest_httpserver import HTTPServer

    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    server.expect_request("/day").respond_with_data(
        "[]", content_type=JSON, headers={"Cache-Control": "max-age=0"})
    http = HttpClient(tmp_path, timeout=(1.0, 1.0))
    url = server.url_for("/day")
    http.get(url, source="Test")
    server.stop()
    stale = http.get(url, source="Test")
    assert stale.stale and stale.content == b"[]" and "connection refused" in stale.problem
    http.close()


def test_unusable_answer_never_replaces_the_good_copy(httpserver, http):
    check = expect_content_type("json")
    httpserver.expect_oneshot_request("/day").respond_with_data(
        "[1]", content_type=JSON, headers={"Cache-Control": "max-age=0"})
    http.get(httpserver.url_for("/day"), source="Test", check=check)
    httpserver.expect_request("/day").respond_with_data("<html>", content_type="text/html")
    stale = http.get(httpserver.url_for("/day"), source="Test", check=check)
    assert stale.stale and stale.content == b"[1]"
    assert "answered text/html, expected json" in stale.problem


@pytest.mark.parametrize("status", [404, 500])
def test_error_status_without_copy_is_source_unavailable(httpserver, http, status):
    httpserver.expect_request("/day").respond_with_data("no", status=status)
    url = httpserver.url_for("/day")
    with pytest.raises(SourceUnavailable) as err:
        http.get(url, source="NPR Composer")
    assert str(err.value).startswith(f"NPR Composer: HTTP {status}")
    assert str(err.value).endswith(f"({url})")


def test_wrong_content_type_without_copy_is_a_clear_error(httpserver, http):
    httpserver.expect_request("/day").respond_with_data("<html>", content_type="text/html")
    with pytest.raises(SourceUnavailable, match="answered text/html, expected json"):
        http.get(httpserver.url_for("/day"), source="Test", check=expect_content_type("json"))


def test_server_that_never_answers_times_out(tmp_path):
    http = HttpClient(tmp_path, timeout=(1.0, 0.5))
    with silent_server() as base:
        started = time.monotonic()
        with pytest.raises(SourceUnavailable) as err:
            http.get(base + "/v1/widget/x/day", source="NPR Composer")
    assert time.monotonic() - started < 3
    assert str(err.value) == f"NPR Composer: timed out after 0.5 s ({base}/v1/widget/x/day)"


@pytest.mark.parametrize("in_headers", [False, True])
def test_trickling_server_is_cut_at_the_deadline(tmp_path, in_headers):
    http = HttpClient(tmp_path, timeout=(1.0, 1.0), deadline_s=1.0)
    with trickle_server(0.1, in_headers=in_headers) as base:
        started = time.monotonic()
        with pytest.raises(SourceUnavailable, match="took longer than 1 s"):
            http.get(base + "/day", source="Test")
    assert time.monotonic() - started < 3


def test_fifty_megabyte_body_stops_at_the_cap_fast(httpserver, http):
    httpserver.expect_request("/big").respond_with_response(
        Response(big_body(50_000_000), content_type=JSON))
    started = time.monotonic()
    with pytest.raises(SourceUnavailable, match="answered more than 5 MB"):
        http.get(httpserver.url_for("/big"), source="Test")
    assert time.monotonic() - started < 3


def test_retries_503_then_succeeds(httpserver, http):
    httpserver.expect_oneshot_request("/day").respond_with_data("busy", status=503)
    httpserver.expect_request("/day").respond_with_data("[]", content_type=JSON)
    assert http.get(httpserver.url_for("/day"), source="Test").content == b"[]"
    assert hits(httpserver, "/day") == [503, 200]


def test_gives_up_after_a_few_502(httpserver, http):
    httpserver.expect_request("/day").respond_with_data("bad gateway", status=502)
    with pytest.raises(SourceUnavailable, match="HTTP 502"):
        http.get(httpserver.url_for("/day"), source="Test")
    assert hits(httpserver, "/day") == [502, 502, 502]


def test_fetch_head_follows_redirects_and_reads_only_the_head(httpserver, http):
    httpserver.expect_request("/listen.pls").respond_with_response(
        Response(status=302, headers={"Location": "/edge/live.pls"}))
    httpserver.expect_request("/edge/live.pls").respond_with_response(
        Response(big_body(50_000_000), content_type="audio/x-scpls"))
    started = time.monotonic()
    head = http.fetch_head(httpserver.url_for("/listen.pls"), max_bytes=65536)
    assert time.monotonic() - started < 3
    assert head.final_url == httpserver.url_for("/edge/live.pls")
    assert head.content_type == "audio/x-scpls" and len(head.head) == 65536


def test_fetch_head_refuses_long_redirect_chains(httpserver, http):
    for i in range(8):
        httpserver.expect_request(f"/r{i}").respond_with_response(
            Response(status=302, headers={"Location": f"/r{i + 1}"}))
    with pytest.raises(SourceUnavailable, match="more than 5 redirects"):
        http.fetch_head(httpserver.url_for("/r0"))


def test_fetch_head_error_status(httpserver, http):
    httpserver.expect_request("/gone.m3u").respond_with_data("no", status=404)
    with pytest.raises(SourceUnavailable, match=r"HTTP 404 \(http://"):
        http.fetch_head(httpserver.url_for("/gone.m3u"))


def test_get_bytes_caps_the_size(httpserver, http):
    httpserver.expect_request("/img.jpg").respond_with_data(b"\xff" * 3000,
                                                            content_type="image/jpeg")
    assert len(http.get_bytes(httpserver.url_for("/img.jpg"), source="Image",
                              max_bytes=5000)) == 3000
    with pytest.raises(SourceUnavailable, match="Image: answered more than 2 kB"):
        http.get_bytes(httpserver.url_for("/img.jpg"), source="Image", max_bytes=2000)


def test_safe_from_many_threads(httpserver, http):
    httpserver.expect_request("/day").respond_with_data(
        "[]", content_type=JSON, headers={"Cache-Control": "max-age=0", "ETag": '"e"'})
    results: list[object] = []

    def work() -> None:
        try:
            results.append(http.get(httpserver.url_for("/day"), source="Test").content)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            results.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert results == [b"[]"] * 8


def test_unreachable_host_names_the_source(http):
    with pytest.raises(SourceUnavailable, match=r"^Feed: connection refused \(http://127"):
        http.get("http://127.0.0.1:9/feed.rss", source="Feed")


def test_fetch_head_of_a_slow_live_stream_returns_what_came(tmp_path):
    http = HttpClient(tmp_path, timeout=(1.0, 1.0), deadline_s=10.0)
    with trickle_server(0.05) as base:
        started = time.monotonic()
        head = http.fetch_head(base + "/live")
    assert time.monotonic() - started < 4
    assert 0 < len(head.head) < 65536 and head.head.strip() == b""


def test_a_corrupt_cache_file_is_started_afresh(httpserver, tmp_path):
    (tmp_path / "http_cache.sqlite").write_bytes(b"not a database" * 100)
    httpserver.expect_request("/day").respond_with_data("[]", content_type=JSON)
    http = HttpClient(tmp_path, timeout=(1.0, 1.0))
    assert http.get(httpserver.url_for("/day"), source="Test").content == b"[]"
    http.close()


CLOSE_RACE = """
import sys, threading, time
from pathlib import Path
from infra.errors import SourceUnavailable
from infra.http import HttpClient

url, cache, seconds = sys.argv[1], Path(sys.argv[2]), float(sys.argv[3])
http = HttpClient(cache, timeout=(1.0, 1.0), deadline_s=3.0)
stop = time.monotonic() + seconds
answers, errors = [], []

def worker():
    while time.monotonic() < stop:
        try:
            answers.append(http.get(url, source="Test").content)
        except SourceUnavailable:
            pass
        except Exception as exc:
            errors.append(repr(exc))

threads = [threading.Thread(target=worker) for _ in range(4)]
for t in threads:
    t.start()
closes = 0
while time.monotonic() < stop:
    http.close()
    closes += 1
    time.sleep(0.002)
for t in threads:
    t.join()
http.close()
print(closes, len(answers), len(errors), errors[:3])
"""


def test_close_while_other_threads_fetch_never_crashes(httpserver, tmp_path):
    """The app's workers may be mid-request when the client is closed. Closing a thread's
    SQLite connection under it used to kill the whole process (segfault)."""
    import subprocess
    import sys
    from pathlib import Path

    httpserver.expect_request("/a").respond_with_data(
        "x" * 2000, content_type=JSON, headers={"Cache-Control": "max-age=0"})
    root = Path(__file__).resolve().parents[2]
    run = subprocess.run(
        [sys.executable, "-X", "faulthandler", "-c", CLOSE_RACE, httpserver.url_for("/a"),
         str(tmp_path), "3"], cwd=root, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, f"exit {run.returncode}: {run.stderr[-2000:]}"
    closes, answers, errors = run.stdout.split(maxsplit=3)[:3]
    assert int(closes) > 100 and int(answers) > 20, run.stdout
    assert errors == "0", run.stdout
