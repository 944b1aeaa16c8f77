"""Proxies from the listener's environment, against a real forward proxy on loopback
(tests/support/proxy.py) that counts what it relays: the CLI's metadata requests, the
catch-up reader's stream and a stream libvlc opens itself (HLS) go through it; no_proxy
sends them direct. tests/conftest.py clears these variables for every other test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra.http import HttpClient
from infra.proxy_env import DIRECT_VAR, proxy_for
from player.libvlc_urls import UrlGate
from player.vlc_backend import make_backend
from tests.support.audio import analyse, duration_s
from tests.support.hls import HlsStream
from tests.support.proxy import VIA, ForwardProxy
from tests.support.repo import REPO_ROOT
from tests.support.wait import wait_until

PAGE = ('<!doctype html><html><head><title>KXYZ</title></head><body>'
        '<a href="/live.mp3">Listen</a></body></html>')


@pytest.fixture
def proxy():
    with ForwardProxy() as p:
        yield p


def _discover(url: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO_ROOT / "main.py"), "discover", url, "--json"],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path,
                          env={**os.environ, "ONAIR_CACHE_DIR": str(tmp_path / "cache"), **env})


@pytest.mark.parametrize("var", ["http_proxy", "HTTP_PROXY"])
def test_a_metadata_request_goes_through_the_proxy(proxy: ForwardProxy, httpserver,
                                                   tmp_path: Path, var: str) -> None:
    httpserver.expect_request("/").respond_with_data(PAGE, content_type="text/html")
    host = f"127.0.0.1:{httpserver.port}"
    run = _discover(f"http://{host}/", tmp_path, **{var: proxy.url})
    assert run.returncode == 0, run.stderr
    assert proxy.count(host) >= 1
    assert f"http://{host}/" in proxy.requests


def test_no_proxy_sends_metadata_direct(proxy: ForwardProxy, httpserver, tmp_path: Path) -> None:
    httpserver.expect_request("/").respond_with_data(PAGE, content_type="text/html")
    run = _discover(f"http://127.0.0.1:{httpserver.port}/", tmp_path,
                    http_proxy=proxy.url, no_proxy="127.0.0.1")
    assert run.returncode == 0, run.stderr
    assert proxy.requests == []
    assert len(httpserver.log) >= 1


def test_the_catch_up_reader_goes_through_the_proxy(proxy: ForwardProxy, httpserver,
                                                    tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("http_proxy", proxy.url)
    httpserver.expect_request("/live").respond_with_data(b"\xff\xfb" * 5000,
                                                         content_type="audio/mpeg")
    http = HttpClient(tmp_path / "cache")
    live = http.stream(httpserver.url_for("/live").replace("localhost", "127.0.0.1"))
    try:
        assert live.status == 200 and next(live.chunks())
    finally:
        live.close()
        http.close()
    assert proxy.count(f"127.0.0.1:{httpserver.port}") == 1


@pytest.mark.parametrize("bypass", [False, True], ids=["proxied", "no_proxy"])
def test_a_stream_libvlc_opens_itself_goes_through_the_proxy(proxy: ForwardProxy,
                                                            tmp_path: Path, monkeypatch,
                                                            bypass: bool) -> None:
    monkeypatch.setenv("PATH", os.environ["PATH"])  # the backend puts its helper first
    monkeypatch.setenv(DIRECT_VAR, "")
    monkeypatch.setenv("http_proxy", proxy.url)
    if bypass:
        monkeypatch.setenv("no_proxy", "localhost,127.0.0.1")
    wav = tmp_path / "out.wav"
    http = HttpClient(tmp_path / "cache")
    with HlsStream(freq_hz=700) as hls:
        backend = make_backend(str(wav), UrlGate(http, own_prefix="http://127.0.0.1:1/"))
        try:
            backend.open(hls.url, live=True)
            backend.play()
            wait_until(lambda: duration_s(wav) > 2.0, 20, "2 s of the HLS stream")
            freq, rms = analyse(wav, duration_s(wav) - 1.0)
            assert abs(freq - 700) < 15 and rms > 0.03
        finally:
            backend.shutdown()
            http.close()
        host = hls.url.split("/")[2]
    segments = [u for u in proxy.requests if u.endswith(".ts")]
    if bypass:
        assert proxy.requests == []
    else:  # the app's own check and libvlc's playlist and segment requests
        assert proxy.count(host) >= 3 and segments


def test_the_helper_answers_by_the_environment() -> None:
    env = {"http_proxy": "http://proxy:3128", "HTTPS_PROXY": "http://tls-proxy:3128",
           "no_proxy": "example.org,10.0.0.0/8", DIRECT_VAR: "http://127.0.0.1:4242/"}
    assert proxy_for("http://radio.example.com:8000", env) == "http://proxy:3128"
    assert proxy_for("https://radio.example.com", env) == "http://tls-proxy:3128"
    assert proxy_for("http://www.example.org", env) is None
    assert proxy_for("http://10.1.2.3:80", env) is None
    assert proxy_for("http://127.0.0.1:4242/token", env) is None  # the app's own relay
    assert proxy_for("http://127.0.0.1:4242", env) is None  # as libvlc asks: the origin
    assert proxy_for("http://127.0.0.1:4243/other", env) == "http://proxy:3128"
    assert proxy_for("file:///etc/passwd", env) is None


@pytest.mark.icecast
def test_a_held_stream_goes_through_the_proxy_and_the_relay_never_does(
        proxy: ForwardProxy, icecast, tmp_path: Path) -> None:
    """`onair play` of an Icecast mount: the catch-up reader fetches it through the proxy,
    libvlc plays it from the app's loopback relay, directly."""
    wav = tmp_path / "play.wav"
    url = icecast.url("/a.mp3")
    run = subprocess.run([sys.executable, str(REPO_ROOT / "main.py"), "play", url,
                          "--seconds", "2"], capture_output=True, text=True, timeout=60,
                         stdin=subprocess.DEVNULL,
                         env={**os.environ, "ONAIR_AUDIO_FILE": str(wav), "http_proxy": proxy.url,
                              "ONAIR_CACHE_DIR": str(tmp_path / "cache")})
    assert run.returncode == 0, run.stderr
    freq, rms = analyse(wav, 0.5)
    assert abs(freq - 440) < 15 and rms > 0.03
    host = url.split("/")[2]
    assert proxy.count(host) >= 1
    assert all(u.split("/")[2] == host for u in proxy.requests), proxy.requests  # no relay


def test_every_request_of_a_failing_play_goes_through_the_proxy(proxy: ForwardProxy,
                                                                httpserver,
                                                                tmp_path: Path) -> None:
    """`onair play` of a stream that answers 404: the reader, the check before libvlc and
    the reason given all ask through the proxy; the server never sees a direct request."""
    httpserver.expect_request("/gone").respond_with_data("no", status=404)
    url = f"http://127.0.0.1:{httpserver.port}/gone"
    run = subprocess.run([sys.executable, str(REPO_ROOT / "main.py"), "play", url,
                          "--seconds", "2"], capture_output=True, text=True, timeout=60,
                         stdin=subprocess.DEVNULL,
                         env={**os.environ, "http_proxy": proxy.url,
                              "ONAIR_AUDIO_FILE": str(tmp_path / "play.wav"),
                              "ONAIR_CACHE_DIR": str(tmp_path / "cache")})
    assert run.returncode == 3
    assert "HTTP 404" in run.stderr.strip().splitlines()[-1]
    assert len(httpserver.log) >= 2
    assert all(req.headers.get("Via") == VIA for req, _resp in httpserver.log)


def test_netrc_credentials_are_never_sent(httpserver, tmp_path: Path, monkeypatch) -> None:
    """trust_env reads proxies, not ~/.netrc: no Authorization reaches a server, directly or
    after a redirect."""
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login me password secret\n"
                     "machine localhost login me password secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    httpserver.expect_request("/page").respond_with_data(PAGE, content_type="text/html")
    httpserver.expect_request("/moved").respond_with_data(
        "", status=302, headers={"Location": f"http://127.0.0.1:{httpserver.port}/page"})
    http = HttpClient(tmp_path / "cache")
    try:
        http.get(f"http://127.0.0.1:{httpserver.port}/page", source="Page")
        http.fetch_head(f"http://localhost:{httpserver.port}/moved")
    finally:
        http.close()
    assert len(httpserver.log) == 3
    assert all("Authorization" not in req.headers for req, _resp in httpserver.log)
