"""The HLS checks of player/libvlc_urls.py as pure functions: every URI of a playlist,
relative ones resolved against it, must be http(s); a master's variant and rendition
playlists are listed to be read too."""

from __future__ import annotations

from player.libvlc_urls import m3u_uris, playlist_problem

BASE = "http://cdn.example/radio/master.m3u8"
MASTER = """#EXTM3U
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="en",URI="audio/en.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=64000,AUDIO="a"
low/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=128000
https://other.example/high.m3u8
#EXT-X-I-FRAME-STREAM-INF:URI="iframes.m3u8"
"""
MEDIA = """#EXTM3U
#EXT-X-TARGETDURATION:6
#EXT-X-KEY:METHOD=AES-128,URI="key.bin"
#EXT-X-MAP:URI="init.mp4"
#EXTINF:6,
seg1.aac
#EXTINF:6,
/abs/seg2.aac
"""


def test_a_master_names_its_playlists_resolved_against_it() -> None:
    problem, playlists = playlist_problem(MASTER, BASE)
    assert problem is None
    assert playlists == ["http://cdn.example/radio/audio/en.m3u8",
                         "http://cdn.example/radio/low/index.m3u8",
                         "https://other.example/high.m3u8",
                         "http://cdn.example/radio/iframes.m3u8"]


def test_a_media_playlist_lists_no_playlists_and_passes() -> None:
    uris, master = m3u_uris(MEDIA)
    assert not master and [u for u, _ in uris] == ["key.bin", "init.mp4", "seg1.aac",
                                                  "/abs/seg2.aac"]
    assert playlist_problem(MEDIA, BASE) == (None, [])


def test_any_other_scheme_anywhere_is_refused() -> None:
    for bad in ('#EXT-X-KEY:METHOD=AES-128,URI="file:///etc/ssl/private/k"\nseg.aac',
                '#EXT-X-MAP:URI="data:video/mp4;base64,AAAA"\nseg.aac',
                "#EXTINF:6,\nsmb://host/share/seg.aac",
                '#EXT-X-MEDIA:TYPE=AUDIO,URI="file:///home/me/a.m3u8"',
                "#EXT-X-STREAM-INF:BANDWIDTH=1\nfile:///etc/passwd",
                "#EXTINF:6,\n-seg.aac ; :option"):
        problem, playlists = playlist_problem("#EXTM3U\n" + bad, BASE)
        assert problem is not None and problem.startswith("it lists "), bad
        assert playlists == []
