"""The one HTTP layer: with its transport (infra/http_session.py), the only module that
imports requests and requests-cache.

Every request has connect/read timeouts, an overall deadline (a server that
trickles bytes is cut off), a body size cap and `User-Agent: OnAir/<version>`.
GETs of metadata go through an HTTP cache on disk (requests-cache, SQLite in
the cache dir) that honours Cache-Control and revalidates with ETag /
Last-Modified. When the source fails or answers something unusable, the last
good copy is served marked stale, with the time it was fetched. Retries only
for GET/HEAD on connect errors and 502/503/504, with a small backoff.
Every failure becomes SourceUnavailable("<source>: <why> (<url>)"). Redirect targets are
vetted hop by hop (only http(s)); proxies come from the environment (http_session.py).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from importlib import metadata
from pathlib import Path

import requests
import requests_cache

from infra.errors import SourceUnavailable
from infra.http_session import (
    HEAD_WAIT_S,
    MAX_REDIRECTS,
    CappedAdapter,
    Limits,
    RefusedRedirect,
    VettedCachedSession,
    VettedSession,
    setup,
    why,
)
from infra.http_types import Check, Fetched, FetchedHead, LiveStream, RefusedTarget
from infra.http_watch import retries
from infra.urls import one_line

# Their warnings (retries, "using cached response" with a traceback) must not reach stderr:
# every failure is reported through our own messages.
for _name in ("requests_cache", "urllib3"):
    logging.getLogger(_name).addHandler(logging.NullHandler())

__all__ = ["HEAD_WAIT_S", "MAX_REDIRECTS", "Fetched", "HttpClient", "default_user_agent",
           "expect_content_type"]
DEFAULT_EXPIRE_S = 300  # cache validity when the server sends no caching headers
KEEP_DAYS = 14  # stale copies older than this are deleted from the cache


def default_user_agent() -> str:
    try:
        version = metadata.version("onair")
    except metadata.PackageNotFoundError:
        version = "dev"
    return f"OnAir/{version}"


def expect_content_type(*fragments: str) -> Check:
    """A check accepting answers whose Content-Type contains one of `fragments` (e.g. "json")."""

    def check(_content: bytes, content_type: str) -> None:
        ctype = content_type.lower()
        if not any(f in ctype for f in fragments):
            shown = one_line(content_type, 60) or "no content type"
            raise ValueError(f"answered {shown}, expected {' or '.join(fragments)}")

    return check


def _unavailable(source: str, exc: requests.RequestException, timeout: tuple[float, float],
                 shown: str) -> SourceUnavailable:
    """The error for a failed request: RefusedTarget for a refused redirect target (the
    answer named a URL the app never opens), SourceUnavailable for everything else."""
    kind = RefusedTarget if isinstance(exc, RefusedRedirect) else SourceUnavailable
    return kind(f"{source}: {why(exc, timeout)} ({shown})")


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class HttpClient:
    """Thread-safe: each thread gets its own sessions over the one shared cache file."""

    def __init__(self, cache_dir: Path, *, timeout: tuple[float, float] = (3.05, 10.0),
                 max_bytes: int = 5_000_000, user_agent: str | None = None,
                 deadline_s: float = 20.0, expire_after_s: float = DEFAULT_EXPIRE_S) -> None:
        self.cache_path = Path(cache_dir) / "http_cache.sqlite"
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.deadline_s = deadline_s
        self.expire_after_s = expire_after_s
        self.user_agent = user_agent or default_user_agent()
        self._local = threading.local()
        self._lock = threading.Lock()
        self._sessions: list[requests.Session] = []
        self._busy: set[requests.Session] = set()  # in use by a thread right now
        self._closing: set[requests.Session] = set()  # busy ones close() asked to close
        self._pruned = False

    # -- sessions ---------------------------------------------------------------------------
    # Each thread has its own sessions (SQLite connections are not shared). A thread marks its
    # session busy while it uses it; close() from another thread never closes a busy one.
    @contextmanager
    def _session(self, kind: str) -> Iterator[tuple[requests.Session, CappedAdapter]]:
        with self._lock:
            pair = getattr(self._local, kind, None)
            if pair is None:
                pair = self._new_cached() if kind == "cached" else \
                    self._new_plain(retry=kind != "once")
                setattr(self._local, kind, pair)
                self._sessions.append(pair[0])
            self._busy.add(pair[0])
        try:
            yield pair
        finally:
            with self._lock:
                self._busy.discard(pair[0])
                close_now = pair[0] in self._closing
                self._closing.discard(pair[0])
            if close_now:
                pair[0].close()

    def _setup(self, session: requests.Session, retry: bool = True) -> CappedAdapter:
        return setup(session, retries() if retry else None, self.user_agent)

    def _new_cached(self) -> tuple[requests_cache.CachedSession, CappedAdapter]:
        self.cache_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            backend = requests_cache.SQLiteCache(self.cache_path, wal=True, busy_timeout=5000)
        except sqlite3.DatabaseError:  # a corrupt cache file: start a new one
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.cache_path}{suffix}").unlink(missing_ok=True)
            backend = requests_cache.SQLiteCache(self.cache_path, wal=True, busy_timeout=5000)
        session = VettedCachedSession(
            backend=backend, cache_control=True, expire_after=self.expire_after_s,
            allowable_methods=("GET",), allowable_codes=(200,), stale_if_error=False)
        adapter = self._setup(session)
        if not self._pruned:  # once per client: forget copies older than KEEP_DAYS
            self._pruned = True
            try:
                session.cache.delete(older_than=timedelta(days=KEEP_DAYS))
            except Exception:  # noqa: BLE001 - a cache that cannot be pruned still works
                pass
        return session, adapter

    def _new_plain(self, retry: bool = True) -> tuple[requests.Session, CappedAdapter]:
        session = VettedSession()
        return session, self._setup(session, retry)

    # -- public -----------------------------------------------------------------------------
    def get(self, url: str, *, source: str, params: dict | None = None,
            check: Check | None = None, revalidate: bool = False) -> Fetched:
        """A cached GET. `check` rejects unusable 200 answers (they never replace a good copy).

        `revalidate`: ask the source even while the cached copy is fresh (the caller knows it
        should have changed): conditionally when the copy has an ETag or Last-Modified."""
        with self._session("cached") as (session, adapter):
            adapter.limits = Limits(self.max_bytes, self.deadline_s, check=check)
            shown = one_line(url, 200)
            try:
                ask = self._revalidation(session, url, params) if revalidate else {}
                resp = session.get(url, params=params, timeout=self.timeout, **ask)
                if adapter.limits.failure is not None:  # a cached copy stood in for a failure
                    raise adapter.limits.failure
                if resp.status_code == 200:
                    self._keep(session, resp, url, params)
                    return self._fetched(resp, stale=False)
                problem = f"HTTP {resp.status_code} {one_line(resp.reason or '', 40)}".rstrip()
            except requests.RequestException as exc:
                problem = why(exc, self.timeout)
            except (OSError, ValueError, sqlite3.Error) as exc:  # cache file trouble, odd URLs
                problem = f"could not fetch ({exc.__class__.__name__})"
            cached = self._cached_copy(session, url, params)
            if cached is not None:
                return self._fetched(cached, stale=True, problem=f"{problem} ({shown})")
            raise SourceUnavailable(f"{source}: {problem} ({shown})")

    def fetch_head(self, url: str, max_bytes: int = 65536) -> FetchedHead:
        """The resolver's Fetcher: follows up to 5 redirects, reads only the first max_bytes
        (or what a live stream sent within HEAD_WAIT_S). Uncached."""
        resp = self._uncached(url, "Stream", Limits(max_bytes, self.deadline_s, truncate=True))
        return FetchedHead(final_url=resp.url, content_type=resp.headers.get("Content-Type", ""),
                           head=resp.content)

    def first_read(self, url: str, *,
                   body_for: Callable[[str], bool] | None = None) -> FetchedHead:
        """Where `url` leads and how it starts: its redirects followed (each target vetted,
        at most MAX_REDIRECTS), the last answer's Content-Type and one read of its body (what
        the server sent at once: a live stream never ends), only when `body_for(content
        type)` says so (None: always). One try, no retries: for a check before each play.
        SourceUnavailable naming the URL when it cannot be reached or answers an error,
        RefusedTarget when a redirect is refused; a Shoutcast v1 server's `ICY 200 OK` (not
        HTTP, so no redirect) leads to itself."""
        shown = one_line(url, 200)
        with self._session("once") as (session, adapter):
            adapter.limits = Limits(0, self.deadline_s, first_read=True, body_for=body_for)
            try:
                resp = session.get(url, timeout=self.timeout)
            except requests.RequestException as exc:
                if "BadStatusLine('ICY " in str(exc):
                    return FetchedHead(final_url=url, content_type="", head=b"")
                raise _unavailable("Stream", exc, self.timeout, shown) from None
            except (OSError, ValueError) as exc:
                raise SourceUnavailable(f"Stream: could not fetch ({exc.__class__.__name__}) "
                                        f"({shown})") from None
        if resp.status_code >= 400:
            raise SourceUnavailable(f"Stream: HTTP {resp.status_code} ({shown})")
        return FetchedHead(final_url=resp.url, content_type=resp.headers.get("Content-Type", ""),
                           head=resp.content)

    def get_bytes(self, url: str, *, source: str, max_bytes: int) -> bytes:
        """An uncached GET of at most max_bytes (images)."""
        return self._uncached(url, source, Limits(max_bytes, self.deadline_s)).content

    def stream(self, url: str, read_timeout: float = 10.0) -> LiveStream:
        """A live stream as it arrives: uncached, `Icy-MetaData: 1`, its own session."""
        session, timeout = VettedSession(), (self.timeout[0], read_timeout)
        limits = self._setup(session).limits = Limits(0, self.deadline_s, stream=True)
        try:
            resp = session.get(url, headers={"Icy-MetaData": "1"}, stream=True, timeout=timeout)
        except requests.RequestException as exc:  # nothing stays open: the session may go
            raise _unavailable("Stream", exc, timeout, one_line(url, 99)) from None
        return LiveStream(resp, limits.sockets, session, read_timeout)

    def close(self) -> None:
        """Close every session. One a thread is using is closed by that thread when its
        request ends: closing its SQLite connection under it would crash the process."""
        with self._lock:
            sessions, self._sessions = self._sessions, []
            idle = [s for s in sessions if s not in self._busy]
            self._closing.update(s for s in sessions if s in self._busy)
            self._local = threading.local()
        for session in idle:
            session.close()

    # -- helpers ----------------------------------------------------------------------------
    def _uncached(self, url: str, source: str, limits: Limits) -> requests.Response:
        with self._session("plain") as (session, adapter):
            adapter.limits = limits
            shown = one_line(url, 200)
            try:
                resp = session.get(url, timeout=self.timeout)
            except requests.RequestException as exc:
                raise _unavailable(source, exc, self.timeout, shown) from None
            except (OSError, ValueError) as exc:
                raise SourceUnavailable(f"{source}: could not fetch ({exc.__class__.__name__}) "
                                        f"({shown})") from None
            if resp.status_code != 200:
                raise SourceUnavailable(f"{source}: HTTP {resp.status_code} ({shown})")
            return resp

    @staticmethod
    def _key(session: requests_cache.CachedSession, url: str, params: dict | None) -> str:
        request = session.prepare_request(requests.Request("GET", url, params=params))
        return session.cache.create_key(request)

    def _keep(self, session: requests_cache.CachedSession, resp, url: str,
              params: dict | None) -> None:
        """Store a fresh answer the cache skipped (max-age=0 or no-cache without a validator),
        already expired, so it is still there as the last good copy if the source fails."""
        if getattr(resp, "from_cache", True) or getattr(resp, "cache_key", None):
            return
        if "no-store" in resp.headers.get("Cache-Control", "").lower():
            return
        try:
            session.cache.save_response(resp, self._key(session, url, params),
                                        expires=datetime.now(UTC))
        except Exception:  # noqa: BLE001 - failing to keep a spare copy is not an error
            return

    def _revalidation(self, session: requests_cache.CachedSession, url: str,
                      params: dict | None) -> dict[str, bool]:
        """requests-cache's options for asking now: `refresh` sends If-None-Match /
        If-Modified-Since from the copy; without a validator, `force_refresh` fetches anew."""
        cached = self._cached_copy(session, url, params)
        if cached is not None and ("ETag" in cached.headers or "Last-Modified" in cached.headers):
            return {"refresh": True}
        return {"force_refresh": True}

    def _cached_copy(self, session: requests_cache.CachedSession, url: str,
                     params: dict | None):
        """The stored copy for this request, however old, or None."""
        try:
            return session.cache.get_response(self._key(session, url, params))
        except Exception:  # noqa: BLE001 - a broken cache means "no copy", never a crash
            return None

    def _fetched(self, resp, *, stale: bool, problem: str | None = None) -> Fetched:
        return Fetched(url=resp.url, status=200, content=resp.content,
                       content_type=resp.headers.get("Content-Type", ""), stale=stale,
                       fetched_at=self._fetched_at(resp), problem=problem)

    @staticmethod
    def _fetched_at(resp) -> datetime:
        """When the copy was fetched, by one rule for a fresh answer and its cached copy.

        The server's Date header is used when it is plausible: a revalidation (304)
        moves it forward, and a fresh answer and the copy stored from it then agree
        to the second. A server whose clock is behind ours by over a minute, or a
        missing Date, falls back to when we received it.
        """
        now = datetime.now(UTC)
        created = getattr(resp, "created_at", None)
        cached = getattr(resp, "from_cache", False) and isinstance(created, datetime)
        received = _as_utc(created) if cached else now
        try:
            date = _as_utc(parsedate_to_datetime(resp.headers.get("Date", "")))
        except (TypeError, ValueError, IndexError):
            return received
        if date < received - timedelta(seconds=60):
            return received
        return min(date, now)
