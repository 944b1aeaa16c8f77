"""The one HTTP layer: the only module that imports requests and requests-cache.

Every request has connect/read timeouts, an overall deadline (a server that
trickles bytes is cut off), a body size cap and `User-Agent: OnAir/<version>`.
GETs of metadata go through an HTTP cache on disk (requests-cache, SQLite in
the cache dir) that honours Cache-Control and revalidates with ETag /
Last-Modified. When the source fails or answers something unusable, the last
good copy is served marked stale, with the time it was fetched. Retries only
for GET/HEAD on connect errors and 502/503/504, with a small backoff.
Every failure becomes SourceUnavailable("<source>: <why> (<url>)").
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from importlib import metadata
from pathlib import Path

import requests
import requests_cache
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ReadTimeoutError
from urllib3.util.retry import Retry

from infra.errors import OnAirError, SourceUnavailable
from infra.http_types import Check, Fetched, FetchedHead, LiveStream
from infra.http_watch import Watch, WatchedPool, WatchedTLSPool, retries
from infra.urls import one_line

# Their warnings (retries, "using cached response" with a traceback) must not reach stderr:
# every failure is reported through our own messages.
for _name in ("requests_cache", "urllib3"):
    logging.getLogger(_name).addHandler(logging.NullHandler())

MAX_REDIRECTS = 5
DEFAULT_EXPIRE_S = 300  # cache validity when the server sends no caching headers
HEAD_WAIT_S = 2.0  # fetch_head returns what arrived by then (a live stream comes in real time)
KEEP_DAYS = 14  # stale copies older than this are deleted from the cache
_CHUNK = 65536


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


class _Failure(requests.RequestException):
    """Our own transport-level refusals, raised inside the adapter so the cache never keeps them."""


@dataclass
class _Limits:
    max_bytes: int
    deadline_s: float
    truncate: bool = False  # fetch_head: keep the first max_bytes and stop, no error
    check: Check | None = None
    started: float = field(default_factory=time.monotonic)  # the deadline counts from here
    failure: requests.RequestException | None = None  # the last transport failure
    stream: bool = False  # stream(): the caller reads the body
    sockets: list = field(default_factory=list)  # the request's (LiveStream.close shuts them)


def _size(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:g} MB"
    return f"{n / 1000:g} kB"


class _CappedAdapter(HTTPAdapter):
    """Reads every body itself: size cap, overall deadline, and the caller's check on 200s."""

    def __init__(self, retries: Retry) -> None:
        super().__init__(max_retries=retries)
        self.limits = _Limits(max_bytes=5_000_000, deadline_s=20.0)

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": WatchedPool,
                                                   "https": WatchedTLSPool}

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        limits = self.limits
        remaining = limits.deadline_s - (time.monotonic() - limits.started)
        watch = Watch(max(remaining, 0.0))
        limits.sockets = watch.sockets
        try:
            if remaining <= 0:
                raise _Failure(f"took longer than {limits.deadline_s:g} s")
            resp = self._send(request, timeout=timeout, verify=verify, cert=cert,
                              proxies=proxies)
            if watch.fired.is_set():  # the sockets were shut: the body may be cut short
                raise _Failure(f"took longer than {limits.deadline_s:g} s")
            return resp
        except requests.RequestException as exc:
            if watch.fired.is_set() and not isinstance(exc, _Failure):
                exc = _Failure(f"took longer than {limits.deadline_s:g} s")
            limits.failure = exc  # requests-cache may swallow it and answer from the cache
            raise exc from None
        finally:
            watch.stop()

    def _send(self, request, *, timeout, verify, cert, proxies):
        limits = self.limits
        resp = super().send(request, stream=True, timeout=timeout, verify=verify, cert=cert,
                            proxies=proxies)
        if limits.stream:
            return resp
        body = bytearray()
        try:
            while chunk := resp.raw.read1(_CHUNK, decode_content=True):
                body += chunk
                if len(body) > limits.max_bytes:
                    if limits.truncate:
                        del body[limits.max_bytes:]
                        break
                    raise _Failure(f"answered more than {_size(limits.max_bytes)}")
                if limits.truncate and time.monotonic() - limits.started > HEAD_WAIT_S:
                    break  # a live stream trickles in real time: what came is enough to sniff
        except _Failure:
            resp.raw.close()
            raise
        except Exception as exc:  # urllib3/http.client errors while reading the body
            resp.raw.close()
            raise requests.ConnectionError(f"answer cut off ({exc.__class__.__name__})") from exc
        if limits.truncate:
            resp.raw.close()
        resp._content = bytes(body)
        resp._content_consumed = True
        if limits.check is not None and resp.status_code == 200:
            try:
                limits.check(resp._content, resp.headers.get("Content-Type", ""))
            except (ValueError, OnAirError) as err:
                raise _Failure(str(err)) from err
        return resp


def _why(exc: BaseException, timeout: tuple[float, float]) -> str:
    """One-line reason for a requests exception (no traceback, no library jargon)."""
    if isinstance(exc, _Failure):
        return str(exc)
    if isinstance(exc, requests.ConnectTimeout):
        return f"could not connect within {timeout[0]:g} s"
    reason = getattr(exc.args[0], "reason", None) if exc.args else None  # urllib3 MaxRetryError
    if isinstance(exc, requests.ReadTimeout) or isinstance(reason, ReadTimeoutError):
        return f"timed out after {timeout[1]:g} s"
    if isinstance(exc, requests.TooManyRedirects):
        return f"more than {MAX_REDIRECTS} redirects"
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema,
                        requests.exceptions.MissingSchema)):
        return "not a usable http(s) URL"
    text = str(exc)
    if "Name or service not known" in text or "NameResolution" in text:
        return "host not found"
    if "Connection refused" in text:
        return "connection refused"
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS error"
    if text.startswith("answer cut off"):
        return text
    return f"could not connect ({exc.__class__.__name__})"


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
    def _session(self, kind: str) -> Iterator[tuple[requests.Session, _CappedAdapter]]:
        with self._lock:
            pair = getattr(self._local, kind, None)
            if pair is None:
                pair = self._new_cached() if kind == "cached" else self._new_plain()
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

    def _setup(self, session: requests.Session) -> _CappedAdapter:
        adapter = _CappedAdapter(retries())
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.max_redirects = MAX_REDIRECTS
        session.headers["User-Agent"] = self.user_agent
        session.trust_env = False  # no proxies or .netrc from the environment
        return adapter

    def _new_cached(self) -> tuple[requests_cache.CachedSession, _CappedAdapter]:
        self.cache_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            backend = requests_cache.SQLiteCache(self.cache_path, wal=True, busy_timeout=5000)
        except sqlite3.DatabaseError:  # a corrupt cache file: start a new one
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.cache_path}{suffix}").unlink(missing_ok=True)
            backend = requests_cache.SQLiteCache(self.cache_path, wal=True, busy_timeout=5000)
        session = requests_cache.CachedSession(
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

    def _new_plain(self) -> tuple[requests.Session, _CappedAdapter]:
        session = requests.Session()
        return session, self._setup(session)

    # -- public -----------------------------------------------------------------------------
    def get(self, url: str, *, source: str, params: dict | None = None,
            check: Check | None = None, revalidate: bool = False) -> Fetched:
        """A cached GET. `check` rejects unusable 200 answers (they never replace a good copy).

        `revalidate`: ask the source even while the cached copy is fresh (the caller knows it
        should have changed): conditionally when the copy has an ETag or Last-Modified."""
        with self._session("cached") as (session, adapter):
            adapter.limits = _Limits(self.max_bytes, self.deadline_s, check=check)
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
                problem = _why(exc, self.timeout)
            except (OSError, ValueError, sqlite3.Error) as exc:  # cache file trouble, odd URLs
                problem = f"could not fetch ({exc.__class__.__name__})"
            cached = self._cached_copy(session, url, params)
            if cached is not None:
                return self._fetched(cached, stale=True, problem=f"{problem} ({shown})")
            raise SourceUnavailable(f"{source}: {problem} ({shown})")

    def fetch_head(self, url: str, max_bytes: int = 65536) -> FetchedHead:
        """The resolver's Fetcher: follows up to 5 redirects, reads only the first max_bytes
        (or what a live stream sent within HEAD_WAIT_S). Uncached."""
        resp = self._uncached(url, "Stream", _Limits(max_bytes, self.deadline_s, truncate=True))
        return FetchedHead(final_url=resp.url, content_type=resp.headers.get("Content-Type", ""),
                           head=resp.content)

    def get_bytes(self, url: str, *, source: str, max_bytes: int) -> bytes:
        """An uncached GET of at most max_bytes (images)."""
        return self._uncached(url, source, _Limits(max_bytes, self.deadline_s)).content

    def stream(self, url: str, read_timeout: float = 10.0) -> LiveStream:
        """A live stream as it arrives: uncached, `Icy-MetaData: 1`, its own session."""
        session, timeout = requests.Session(), (self.timeout[0], read_timeout)
        limits = self._setup(session).limits = _Limits(0, self.deadline_s, stream=True)
        try:
            resp = session.get(url, headers={"Icy-MetaData": "1"}, stream=True, timeout=timeout)
        except requests.RequestException as exc:  # nothing stays open: the session may go
            raise SourceUnavailable(f"Stream: {_why(exc, timeout)} ({one_line(url, 99)})") from None
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
    def _uncached(self, url: str, source: str, limits: _Limits) -> requests.Response:
        with self._session("plain") as (session, adapter):
            adapter.limits = limits
            shown = one_line(url, 200)
            try:
                resp = session.get(url, timeout=self.timeout)
            except requests.RequestException as exc:
                raise SourceUnavailable(f"{source}: {_why(exc, self.timeout)} ({shown})") from None
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
