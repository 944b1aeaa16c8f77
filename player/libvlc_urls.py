"""The one way a URL reaches libvlc: `UrlGate.vetted(url)`, called by the libvlc backend
(player/vlc_backend.py) for every media it opens, at every try.

libvlc follows redirects itself, to any scheme its access modules know: a station whose
server answered `302 Location: file:///...` had libvlc play a local file (measured on
libvlc 3.0). So before libvlc sees a URL, the app's own HTTP client asks for it
(infra/http.py `first_read`: each redirect target vetted by infra/urls, at most 5 hops, a
non-http(s) target refused with its URL named) and libvlc is handed the final URL: one
request, no retries, its body read only when its Content-Type is not audio or video. An
answer that starts like an M3U (HLS included, which libvlc fetches entries of itself) is
read whole and refused unless every URI in it, relative ones resolved against the final URL,
is http(s); a master playlist's variant and rendition playlists are read and checked the
same way.

The app's own loopback relay is exempt: its URLs are the app's, not remote text. A started
relay says so (`add_own_prefix`, player/relay.py), and a gate can be given one too.

What stays out of reach (libvlc fetches these itself, after the check): a server that
answers libvlc differently from the app (a redirect only for libvlc's second request), an
HLS playlist served as audio/* or video/*, and HLS segments a live playlist lists later.
The checked URL is always http(s); libvlc's own redirects after that are not seen by the app
(libvlc 3.0 has no option to refuse them).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from typing import Protocol
from urllib.parse import urljoin

from infra.errors import OnAirError, SourceUnavailable
from infra.http_types import FetchedHead, Fetcher, RefusedTarget
from infra.proxy_env import DIRECT_VAR, proxy_for
from infra.urls import check_stream_url, one_line, url_problem
from player.playlists import MAX_PLAYLIST_BYTES

_own_lock = threading.Lock()
_own_prefixes: set[str] = set()  # the started relays' "http://127.0.0.1:PORT/"


def add_own_prefix(prefix: str) -> None:
    """URLs starting with `prefix` are the app's own (a started relay's): every gate hands
    them to libvlc as they are, and libvlc's proxy helper opens them directly."""
    with _own_lock:
        _own_prefixes.add(prefix)
        os.environ[DIRECT_VAR] = ",".join(sorted(_own_prefixes))


def remove_own_prefix(prefix: str) -> None:
    with _own_lock:
        _own_prefixes.discard(prefix)
        os.environ[DIRECT_VAR] = ",".join(sorted(_own_prefixes))


def _is_own(url: str, extra: str | None) -> bool:
    with _own_lock:
        prefixes = [*_own_prefixes, *([extra] if extra else [])]
    return any(url.startswith(p) for p in prefixes)


MAX_VARIANTS = 16  # variant playlists of one HLS master that are read and checked
_URI_ATTR = re.compile(r'URI\s*=\s*"([^"]*)"', re.IGNORECASE)


class Opener(Protocol):
    """The HTTP client's side (infra.http.HttpClient)."""

    def first_read(self, url: str, *,
                   body_for: Callable[[str], bool] | None = None) -> FetchedHead: ...

    def fetch_head(self, url: str, max_bytes: int = 65536) -> FetchedHead: ...


def _may_be_playlist(content_type: str) -> bool:
    """Whether an answer of this Content-Type is read to see if it is an M3U: not for audio
    and video types (a live stream's first bytes can take a while), for anything else."""
    ctype = content_type.split(";", 1)[0].strip().lower()
    return "mpegurl" in ctype or not ctype.startswith(("audio/", "video/"))


def _is_m3u(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:7].upper() == b"#EXTM3U"


_PLAYLIST_TAGS = ("#EXT-X-MEDIA", "#EXT-X-I-FRAME-STREAM-INF")  # their URI= is a playlist


def m3u_uris(text: str) -> tuple[list[tuple[str, bool]], bool]:
    """Every URI of an (extended) M3U with whether it names a playlist: its URL lines and
    the URI="..." attributes of its tags (keys, init segments, renditions), in order; and
    whether it is an HLS master (#EXT-X-STREAM-INF). A master's URL lines are variant
    playlists, and so are its renditions' and I-frame playlists' URIs."""
    found: list[tuple[str, bool]] = []
    master = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            tag = line.upper()
            master = master or tag.startswith("#EXT-X-STREAM-INF")
            found += [(uri, tag.startswith(_PLAYLIST_TAGS)) for uri in _URI_ATTR.findall(line)]
        else:
            found.append((line, True))
    return [(uri, master and playlist) for uri, playlist in found], master


def playlist_problem(text: str, base_url: str) -> tuple[str | None, list[str]]:
    """(why the playlist must not reach libvlc or None, the playlists a master names)."""
    uris, _master = m3u_uris(text)
    playlists: list[str] = []
    for uri, playlist in uris:
        try:
            url = urljoin(base_url, uri)
        except ValueError:
            url = uri
        problem = url_problem(url)
        if problem is not None:
            return f'it lists "{one_line(url, 120)}": {problem}', []
        if playlist:
            playlists.append(url)
    return None, list(dict.fromkeys(playlists))


class UrlGate:
    def __init__(self, http: Opener, own_prefix: str | None = None) -> None:
        """`own_prefix`: URLs starting with it are the app's own relay's ("http://127.0.0.1:
        PORT/"), handed to libvlc as they are and always opened without a proxy."""
        self._http = http
        self.own_prefix = own_prefix

    def vetted(self, url: str) -> str:
        """The URL to hand libvlc for `url` (its redirects resolved, see the module
        docstring). RefusedTarget naming the URL when it must not be played (a redirect
        target or playlist entry), BadInput for a URL that is no http(s) URL at all,
        SourceUnavailable when it cannot be reached."""
        check_stream_url(url)
        if _is_own(url, self.own_prefix):
            return url
        got = self._http.first_read(url, body_for=_may_be_playlist)
        check_stream_url(got.final_url)
        if _is_m3u(got.head):
            self._check_playlist(url, got.final_url, self._http.fetch_head)
        return got.final_url

    def refusal(self, url: str) -> str | None:
        """Why `url` is refused (RefusedTarget from `vetted`: a redirect target or a playlist
        entry the app never opens), None when it would be played or fails for another
        reason (describe_failure says why then)."""
        try:
            self.vetted(url)
        except RefusedTarget as err:
            return str(err)
        except OnAirError:
            return None
        return None

    def _check_playlist(self, url: str, final_url: str, fetch: Fetcher) -> None:
        whole = fetch(final_url, MAX_PLAYLIST_BYTES)
        text = whole.head.decode("utf-8", errors="replace")
        problem, variants = playlist_problem(text, whole.final_url)
        if problem is None and len(variants) > MAX_VARIANTS:
            problem = f"more than {MAX_VARIANTS} variant playlists"
        for variant in variants if problem is None else []:
            try:
                sub = fetch(variant, MAX_PLAYLIST_BYTES)
            except RefusedTarget:
                raise
            except SourceUnavailable:
                continue  # one that cannot be had is not played either: libvlc takes another
            problem, _ = playlist_problem(sub.head.decode("utf-8", errors="replace"),
                                          sub.final_url)
            if problem is not None:
                break
        if problem is not None:
            raise RefusedTarget(f'playlist "{one_line(url)}": {problem}')

    def describe(self, url: str, direct: Callable[[str], str]) -> str:
        """Why `url` gives no audio, for the player's reason line: a refusal (`refusal`);
        else `direct(url)` (player.recovery.describe_failure, its own plain request), or,
        when the environment sends `url` through a proxy, the HTTP client's reason (which
        goes through it: "HTTP 404", "connection refused", ...)."""
        if proxy_for(url, os.environ) is None:
            return self.refusal(url) or direct(url)
        try:
            self.vetted(url)
        except RefusedTarget as err:
            return str(err)
        except SourceUnavailable as err:
            return str(err).removeprefix("Stream: ").rsplit(" (", 1)[0]
        except OnAirError as err:
            return str(err)
        return "the server answered but no audio could be decoded"
