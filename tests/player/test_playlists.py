"""Playlist parsing: pure functions over bytes, entries kept in order as mirrors."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from player.playlists import MAX_ENTRIES, is_web_page, parse_m3u, parse_pls, sniff_playlist
from tests.support.realworld import CDN_ERROR_PAGE, STATION_WEB_PAGE, shoutcast_pls


def test_pls_keeps_every_entry_in_file_number_order() -> None:
    data = (b"[playlist]\nNumberOfEntries=2\nFile2=http://mirror.example/live\n"
            b"Title2=Backup\nLength2=-1\nFile1=http://dead.example/live\nTitle1=Main\n"
            b"Length1=-1\nVersion=2\n")
    assert parse_pls(data) == ["http://dead.example/live", "http://mirror.example/live"]


def test_pls_tolerates_bom_crlf_missing_count_junk_and_spaces() -> None:
    data = (b"\xef\xbb\xbf[playlist]\r\n; a comment\r\nthis is junk\r\n"
            b"  file1 = https://a.example/x.aac  \r\nFile10=https://c.example/z\r\n"
            b"File2=https://b.example/y\r\n")
    assert parse_pls(data) == ["https://a.example/x.aac", "https://b.example/y",
                               "https://c.example/z"]


def test_pls_drops_entries_that_are_not_http() -> None:
    data = (b"[playlist]\nFile1=file:///etc/passwd\nFile2=-vvv\nFile3=:sout=#file\n"
            b"File4=javascript:alert(1)\nFile5=http://ok.example/live\n")
    assert parse_pls(data) == ["http://ok.example/live"]


def test_pls_relative_entry_resolves_against_the_playlist_url() -> None:
    data = b"[playlist]\nFile1=live.aac\n"
    assert parse_pls(data, base_url="http://h.example/radio/listen.pls") == [
        "http://h.example/radio/live.aac"]
    assert parse_pls(data) == []


def test_m3u_skips_comments_and_extinf_and_keeps_order() -> None:
    data = (b"#EXTM3U\n#EXTINF:-1,KCUR 89.3\nhttps://a.example/live.mp3\n\n"
            b"# a comment\n#EXTINF:-1,Backup\nhttps://b.example/live.mp3\r\n")
    assert parse_m3u(data) == ["https://a.example/live.mp3", "https://b.example/live.mp3"]


def test_m3u_relative_entries_resolve_against_the_playlist_url() -> None:
    data = b"#EXTM3U\nstream.mp3\n../other/stream.aac\n/root.ogg\nhttp://abs.example/x\n"
    assert parse_m3u(data, base_url="https://h.example/a/b/list.m3u") == [
        "https://h.example/a/b/stream.mp3", "https://h.example/a/other/stream.aac",
        "https://h.example/root.ogg", "http://abs.example/x"]


def test_m3u_drops_unsafe_and_duplicate_entries() -> None:
    data = (b"file:///home/me/x.mp3\nsmb://nas/x.mp3\nhttp://a.example/1\n"
            b"http://a.example/1\n-vvv\n")
    assert parse_m3u(data) == ["http://a.example/1"]


def test_entries_are_capped() -> None:
    data = b"".join(b"http://a.example/%d\n" % n for n in range(MAX_ENTRIES * 3))
    assert len(parse_m3u(data)) == MAX_ENTRIES


@pytest.mark.parametrize(("url", "ctype", "head", "kind"), [
    ("http://h/x", "audio/mpeg", b"\xff\xfb\x90\x00" * 10, None),
    ("http://h/live", "audio/aacp", b"\xff\xf1" * 10, None),
    ("http://h/x", "text/plain", b"[playlist]\nFile1=http://a/1\n", "pls"),
    ("http://h/x", "audio/x-scpls", b"", "pls"),
    ("http://h/x.pls", "", b"", "pls"),
    ("http://h/x", "audio/x-mpegurl; charset=utf-8", b"http://a/1\n", "m3u"),
    ("http://h/x", "audio/mpegurl", b"", "m3u"),
    ("http://h/x.m3u", "application/octet-stream", b"", "m3u"),
    ("http://h/x", "text/plain", b"#EXTM3U\n#EXTINF:-1,x\nhttp://a/1\n", "m3u"),
    ("http://h/x", "text/plain", b"http://a/1\r\nhttp://b/2\r\n", "m3u"),
    ("http://h/x", "text/html", b"<html>not a playlist</html>", "html"),
    ("http://h/x.m3u", "audio/x-mpegurl",
     b"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-STREAM-INF:BANDWIDTH=64000\nlow.m3u8\n", "hls"),
    ("http://h/playlist.m3u8", "application/vnd.apple.mpegurl", b"", "hls"),
    ("http://h/playlist.m3u8", "", b"", "hls"),
])
def test_sniff_decides_by_content_then_type_then_extension(url, ctype, head, kind) -> None:
    assert sniff_playlist(url, ctype, head) == kind


def test_shoutcast_pls_keeps_sid_mirrors_and_drops_the_empty_entry() -> None:
    base = "http://yp.shoutcast.example/sbin/tunein-station.pls?id=99"
    assert parse_pls(shoutcast_pls().encode(), base_url=base) == [
        "http://198.51.100.7:8000/stream/1/", "http://198.51.100.7:8002",
        "http://198.51.100.7:8010/;stream.nsv"]


@pytest.mark.parametrize("line", [b"File1=", b"File1=   ", b"File1= sid=3"])
def test_an_empty_pls_entry_is_not_the_playlist_itself(line: bytes) -> None:
    data = b"[playlist]\nNumberOfEntries=2\n" + line + b"\nFile2=http://a.example/live\n"
    assert parse_pls(data, base_url="http://h.example/listen.pls") == ["http://a.example/live"]


def test_m3u_entry_with_a_sid_suffix_keeps_its_url() -> None:
    data = b"#EXTM3U\n#EXTINF:-1,KCUR\nhttp://198.51.100.7:8002 sid=8\n  \n"
    assert parse_m3u(data, base_url="http://h.example/listen.m3u") == [
        "http://198.51.100.7:8002"]


@pytest.mark.parametrize("page", [STATION_WEB_PAGE, CDN_ERROR_PAGE])
def test_a_web_page_is_never_a_playlist(page: str) -> None:
    data = page.encode()
    assert parse_m3u(data, base_url="https://www.kcur.org/listen.m3u") == []
    assert parse_pls(data, base_url="https://www.kcur.org/listen.pls") == []
    for url in ("https://www.kcur.org/listen.m3u", "https://www.kcur.org/listen.pls",
                "https://www.kcur.org/tune.php?id=1", "https://www.kcur.org/live"):
        for ctype in ("text/html; charset=UTF-8", "audio/x-mpegurl", "text/plain", ""):
            assert sniff_playlist(url, ctype, data) == "html", (url, ctype)


def test_html_lines_in_a_playlist_are_not_entries() -> None:
    data = b"<p>Stream offline</p>\n<br>\nhttp://a.example/live.mp3\n"
    assert parse_m3u(data, base_url="http://h.example/x.m3u") == ["http://a.example/live.mp3"]


@pytest.mark.parametrize(("ctype", "head", "page"), [
    ("text/html", b"", True),
    ("text/html; charset=utf-8", b"Stream temporarily unavailable", True),
    ("application/xhtml+xml", b'<?xml version="1.0"?><x/>', True),
    ("text/plain", b"  \r\n<!doctype html>\n<title>x</title>", True),
    ("", b"<HEAD><TITLE>Moved</TITLE></HEAD><BODY>x</BODY>", True),
    ("", b"<body onload='x()'>", True),
    # PHP scripts that print a playlist with PHP's default Content-Type
    ("text/html", b"[playlist]\nFile1=http://a.example/live\n", False),
    ("text/html", b"#EXTM3U\nhttp://a.example/live\n", False),
    ("text/html", b"http://a.example/live\r\nhttp://b.example/live\r\n", False),
    ("audio/mpeg", b"\xff\xfb\x90\x00" * 16, False),
    ("text/plain", b"<header>not a page start</header>", False),
    ("", b'<?xml version="1.0"?><playlist xmlns="http://xspf.org/ns/0/"/>', False),
])
def test_web_pages_are_told_by_their_start_or_content_type(ctype, head, page) -> None:
    assert is_web_page(ctype, head) is page
    assert (sniff_playlist("http://h/listen", ctype, head) == "html") is page


_LINES = st.one_of(st.binary(max_size=60), st.sampled_from([
    b"[playlist]", b"File1=http://a.example/1", b"file2 = ../x.mp3", b"#EXTM3U",
    b"#EXTINF:-1,x", b"http://b.example/2", b"stream.aac", b"\xef\xbb\xbf", b"File0=-vvv"]))
_PLAYLISTS = st.lists(_LINES, max_size=30).map(b"\r\n".join) | st.binary(max_size=2000)


@given(_PLAYLISTS, st.none() | st.just("http://h.example/dir/list"))
def test_arbitrary_bytes_give_only_http_entries(data: bytes, base: str | None) -> None:
    for entries in (parse_pls(data, base_url=base), parse_m3u(data, base_url=base)):
        assert all(e.startswith(("http://", "https://")) for e in entries)
        assert len(entries) == len(set(entries)) <= MAX_ENTRIES


@given(st.text(max_size=100), st.text(max_size=40), st.binary(max_size=500))
def test_sniff_never_fails(url: str, ctype: str, head: bytes) -> None:
    assert sniff_playlist(url, ctype, head) in {None, "pls", "m3u", "hls", "html"}
