"""Stream resolution with a fake fetcher: what is fetched, what is played, in what order."""

import pytest

from infra.errors import BadInput, SourceUnavailable
from infra.http_types import FetchedHead
from player.resolver import resolve_stream, route, stream_candidates
from player.stations import Station, Stream
from tests.support.realworld import CDN_ERROR_PAGE, STATION_WEB_PAGE, shoutcast_pls

PLS = "audio/x-scpls"
M3U = "audio/x-mpegurl"


class FakeFetcher:
    """Answers from a dict (url -> (content type, body) or an exception); records calls."""

    def __init__(self, answers: dict, redirects: dict | None = None) -> None:
        self.answers = answers
        self.redirects = redirects or {}
        self.calls: list[str] = []

    def __call__(self, url: str, max_bytes: int = 65536) -> FetchedHead:
        self.calls.append(url)
        final = self.redirects.get(url, url)
        answer = self.answers.get(final, SourceUnavailable(f"{final}: 404 Not Found"))
        if isinstance(answer, Exception):
            raise answer
        ctype, body = answer
        return FetchedHead(final_url=final, content_type=ctype, head=body[:max_bytes])


def station(*urls: str) -> Station:
    return Station(id="test", name="Test", tagline="", city="", timezone="UTC",
                   homepage=None, logo=None, streams=tuple(Stream(u) for u in urls),
                   schedule=None, news_feed=None)


@pytest.mark.parametrize("url", [
    "https://18423.live.streamtheworld.com/KCURFMAAC.aac",
    "https://kcur.streamguys1.com/kcur-website-icy",
    "https://npr-ice.streamguys1.com/live.mp3",
    "http://h.example/stream.ogg",
    "http://h.example/stream.opus?token=abc",
    "http://h.example/",
])
def test_direct_streams_are_played_without_any_request(url: str) -> None:
    fetch = FakeFetcher({})
    assert resolve_stream(url, fetch) == [url]
    assert fetch.calls == []


def test_hls_is_handed_over_as_is_without_a_request() -> None:
    url = "https://hls.houstonpublicmedia.org/hpmnews/playlist.m3u8"
    fetch = FakeFetcher({})
    assert resolve_stream(url, fetch) == [url]
    assert fetch.calls == []


def test_pls_with_a_dead_first_entry_keeps_both_entries_in_order() -> None:
    body = (b"[playlist]\nNumberOfEntries=2\nFile1=http://dead.example:9/live\n"
            b"File2=http://alive.example/live\n")
    fetch = FakeFetcher({"http://h.example/listen.pls": (PLS, body)})
    assert resolve_stream("http://h.example/listen.pls", fetch) == [
        "http://dead.example:9/live", "http://alive.example/live"]
    assert fetch.calls == ["http://h.example/listen.pls"]


def test_m3u_relative_entries_resolve_against_the_redirect_target() -> None:
    fetch = FakeFetcher({"http://edge.example/radio/list.m3u": (M3U, b"#EXTM3U\nlive.mp3\n")},
                        redirects={"http://h.example/list.m3u": "http://edge.example/radio/list.m3u"})
    assert resolve_stream("http://h.example/list.m3u", fetch) == [
        "http://edge.example/radio/live.mp3"]


def test_a_playlist_url_that_answers_hls_is_played_as_a_stream() -> None:
    body = b"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nseg1.aac\n"
    fetch = FakeFetcher({"http://h.example/live.m3u": (M3U, body)})
    assert resolve_stream("http://h.example/live.m3u", fetch) == ["http://h.example/live.m3u"]


def test_ambiguous_urls_are_fetched_and_sniffed() -> None:
    pls = b"[playlist]\nFile1=http://a.example/live\n"
    fetch = FakeFetcher({"http://h.example/tune.php?station=kcur": ("audio/mpeg", b"\xff\xfb"),
                         "http://h.example/listen?type=.pls": ("text/plain", pls)})
    assert route("http://h.example/tune.php?station=kcur") == "fetch"
    assert resolve_stream("http://h.example/tune.php?station=kcur", fetch) == [
        "http://h.example/tune.php?station=kcur"]
    assert resolve_stream("http://h.example/listen?type=.pls", fetch) == ["http://a.example/live"]


def test_nested_playlists_expand_in_order() -> None:
    fetch = FakeFetcher({
        "http://h.example/top.m3u": (M3U, b"http://h.example/inner.pls\nhttp://c.example/3.mp3\n"),
        "http://h.example/inner.pls": (PLS, b"[playlist]\nFile1=http://a.example/1\n"
                                             b"File2=http://b.example/2\n"),
    })
    assert resolve_stream("http://h.example/top.m3u", fetch) == [
        "http://a.example/1", "http://b.example/2", "http://c.example/3.mp3"]


def chain(n: int) -> FakeFetcher:
    """p0.m3u -> p1.m3u -> ... -> p{n-1}.m3u -> a direct stream."""
    answers = {f"http://h.example/p{i}.m3u": (M3U, f"http://h.example/p{i + 1}.m3u".encode())
               for i in range(n - 1)}
    answers[f"http://h.example/p{n - 1}.m3u"] = (M3U, b"http://h.example/end.mp3")
    return FakeFetcher(answers)


def test_nesting_within_the_depth_limit_resolves() -> None:
    assert resolve_stream("http://h.example/p0.m3u", chain(3), depth=3) == [
        "http://h.example/end.mp3"]


def test_nesting_beyond_the_depth_limit_is_refused() -> None:
    fetch = chain(6)
    with pytest.raises(SourceUnavailable, match=r'^playlist "http://h.example/p0.m3u": no '
                                                r'playable entry .*nested too deep'):
        resolve_stream("http://h.example/p0.m3u", fetch, depth=3)
    assert len(fetch.calls) == 3


def test_playlist_loops_are_fetched_once() -> None:
    fetch = FakeFetcher({
        "http://h.example/a.m3u": (M3U, b"http://h.example/b.m3u\nhttp://x.example/live\n"),
        "http://h.example/b.m3u": (M3U, b"http://h.example/a.m3u\n"),
    })
    with pytest.raises(SourceUnavailable):
        resolve_stream("http://h.example/b.m3u", FakeFetcher(
            {"http://h.example/b.m3u": (M3U, b"http://h.example/b.m3u\n")}))
    assert resolve_stream("http://h.example/a.m3u", fetch) == ["http://x.example/live"]
    assert sorted(fetch.calls) == ["http://h.example/a.m3u", "http://h.example/b.m3u"]


def test_a_failing_nested_entry_does_not_stop_its_siblings() -> None:
    fetch = FakeFetcher({"http://h.example/top.m3u": (
        M3U, b"http://gone.example/x.pls\nhttp://ok.example/live.aac\n")})
    assert resolve_stream("http://h.example/top.m3u", fetch) == ["http://ok.example/live.aac"]


def test_a_playlist_with_nothing_playable_names_its_url() -> None:
    fetch = FakeFetcher({"http://h.example/x.pls": (PLS, b"[playlist]\nFile1=file:///etc/passwd\n")})
    with pytest.raises(SourceUnavailable, match='^playlist "http://h.example/x.pls": no playable'):
        resolve_stream("http://h.example/x.pls", fetch)


def test_unsafe_urls_are_refused_before_any_request() -> None:
    fetch = FakeFetcher({})
    for url in ["file:///etc/passwd", "-vvv", ":sout=#file{dst=x}", "javascript:x", "junk"]:
        with pytest.raises(BadInput, match="^stream URL "):
            resolve_stream(url, fetch)
    assert fetch.calls == []


def test_candidates_skip_a_failing_mirror_and_remove_repeats() -> None:
    fetch = FakeFetcher({"http://h.example/b.pls": (
        PLS, b"[playlist]\nFile1=http://b.example/1\nFile2=http://a.example/live.mp3\n")})
    st = station("http://down.example/a.pls", "http://a.example/live.mp3",
                 "http://h.example/b.pls", "https://h.example/hls/playlist.m3u8")
    assert stream_candidates(st, fetch) == [
        "http://a.example/live.mp3", "http://b.example/1", "https://h.example/hls/playlist.m3u8"]


def test_candidates_name_the_station_when_nothing_is_playable() -> None:
    st = station("http://down.example/a.pls", "http://down.example/b.m3u")
    with pytest.raises(SourceUnavailable) as err:
        stream_candidates(st, FakeFetcher({}))
    assert str(err.value) == ('station "test": no playable stream: '
                              'http://down.example/a.pls: 404 Not Found and 1 more')


def test_lazy_candidates_resolve_a_mirror_only_when_the_urls_before_it_are_taken() -> None:
    from player.resolver import lazy_candidates

    fetch = FakeFetcher({"http://h.example/b.pls": (
        PLS, b"[playlist]\nFile1=http://b.example/1\nFile2=http://a.example/live.mp3\n")})
    st = station("http://a.example/live.mp3", "http://h.example/b.pls",
                 "http://down.example/c.m3u", "http://c.example/live")
    urls = lazy_candidates(st, lambda url: resolve_stream(url, fetch))
    assert next(urls) == "http://a.example/live.mp3"
    assert fetch.calls == []  # the direct first mirror plays without any request
    assert next(urls) == "http://b.example/1"
    assert fetch.calls == ["http://h.example/b.pls"]
    assert next(urls) == "http://c.example/live"  # the repeat and the dead mirror skipped
    assert fetch.calls == ["http://h.example/b.pls", "http://down.example/c.m3u"]
    assert next(urls, None) is None


def test_lazy_candidates_name_the_station_only_at_the_end() -> None:
    from player.resolver import lazy_candidates

    st = station("http://down.example/a.pls", "http://down.example/b.m3u")
    urls = lazy_candidates(st, lambda url: resolve_stream(url, FakeFetcher({})))
    with pytest.raises(SourceUnavailable, match='^station "test": no playable stream: '):
        next(urls)


HTML = "text/html; charset=UTF-8"
WEB_PAGE = "no playable stream: the server sent a web page"


@pytest.mark.parametrize(("url", "ctype"), [
    ("https://www.kcur.org/listen.m3u", HTML),
    ("https://www.kcur.org/listen.m3u", M3U),  # a web page, whatever the header claims
    ("https://www.kcur.org/listen.pls", PLS),
    ("https://www.kcur.org/tune.php?station=kcur", HTML),
    ("https://www.kcur.org/listen?type=.pls", "text/plain"),
])
def test_a_web_page_is_neither_a_playlist_nor_a_stream(url: str, ctype: str) -> None:
    for page in (STATION_WEB_PAGE, CDN_ERROR_PAGE):
        fetch = FakeFetcher({url: (ctype, page.encode())})
        with pytest.raises(SourceUnavailable) as err:
            resolve_stream(url, fetch)
        assert str(err.value) == f"{url}: {WEB_PAGE}"


def test_a_text_html_answer_is_not_handed_to_libvlc_as_audio() -> None:
    url = "http://h.example/tune.php?station=kcur"
    fetch = FakeFetcher({url: ("text/html", b"Station is offline, please try later.")})
    with pytest.raises(SourceUnavailable, match=f"^{url.replace('?', '[?]')}: {WEB_PAGE}$"):
        resolve_stream(url, fetch)


def test_a_web_page_entry_is_skipped_and_named_when_nothing_else_plays() -> None:
    fetch = FakeFetcher({
        "http://h.example/top.pls": (PLS, b"[playlist]\nFile1=http://h.example/moved.m3u\n"
                                          b"File2=http://ok.example/live.aac\n"),
        "http://h.example/moved.m3u": (HTML, STATION_WEB_PAGE.encode()),
        "http://h.example/only.m3u": (M3U, b"http://h.example/moved.m3u\n"),
    })
    assert resolve_stream("http://h.example/top.pls", fetch) == ["http://ok.example/live.aac"]
    with pytest.raises(SourceUnavailable) as err:
        resolve_stream("http://h.example/only.m3u", fetch)
    assert str(err.value) == ('playlist "http://h.example/only.m3u": no playable entry '
                              f"(http://h.example/moved.m3u: {WEB_PAGE})")


def test_a_station_whose_only_mirror_is_a_web_page_says_so() -> None:
    fetch = FakeFetcher({"https://www.kcur.org/listen.m3u": (HTML, STATION_WEB_PAGE.encode())})
    with pytest.raises(SourceUnavailable) as err:
        stream_candidates(station("https://www.kcur.org/listen.m3u"), fetch)
    assert str(err.value) == f'station "test": https://www.kcur.org/listen.m3u: {WEB_PAGE}'
    assert str(err.value).count("no playable stream") == 1


def test_a_php_playlist_sent_as_text_html_still_resolves() -> None:
    url = "http://h.example/listen.php"
    fetch = FakeFetcher({url: ("text/html", b"[playlist]\r\nFile1=http://a.example/live\r\n")})
    assert resolve_stream(url, fetch) == ["http://a.example/live"]


def test_shoutcast_pls_resolves_to_its_mirrors_never_to_itself() -> None:
    url = "http://yp.shoutcast.example/tunein/kcur.pls"
    fetch = FakeFetcher({url: (PLS, shoutcast_pls().encode())})
    assert resolve_stream(url, fetch) == [
        "http://198.51.100.7:8000/stream/1/", "http://198.51.100.7:8002",
        "http://198.51.100.7:8010/;stream.nsv"]
    assert fetch.calls == [url]
