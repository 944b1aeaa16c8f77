"""The HTTP layer's transport (requests and urllib3, for infra/http.py only): the adapter that
reads every body itself (size cap, overall deadline, the caller's check), the sessions whose
redirects are vetted hop by hop, and the one-line reasons for failures.

Redirects: requests follows them (at most MAX_REDIRECTS hops), and each Location, made
absolute against the answer it came in, must pass infra/urls.url_problem (http or https, a
host, no option characters) before it is asked for: a redirect to file:, smb:, data: or any
other scheme is refused with a message naming the target, so neither the app nor libvlc
(which is handed only the final URL: player/libvlc_urls.py) ever opens it.

Proxies: the sessions trust the environment (http_proxy, https_proxy, all_proxy, no_proxy
and their upper-case forms, and REQUESTS_CA_BUNDLE), as requests does; ~/.netrc is never
read (no credentials are sent that the app did not choose).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin

import requests
import requests_cache
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ReadTimeoutError
from urllib3.util.retry import Retry

from infra.errors import OnAirError
from infra.http_types import Check
from infra.http_watch import Watch, WatchedPool, WatchedTLSPool
from infra.urls import one_line, url_problem

MAX_REDIRECTS = 5
HEAD_WAIT_S = 2.0  # fetch_head returns what arrived by then (a live stream comes in real time)
_CHUNK = 65536


class Failure(requests.RequestException):
    """Our own transport-level refusals, raised inside the adapter so the cache never keeps them."""


@dataclass
class Limits:
    max_bytes: int
    deadline_s: float
    truncate: bool = False  # fetch_head: keep the first max_bytes and stop, no error
    check: Check | None = None
    started: float = field(default_factory=time.monotonic)  # the deadline counts from here
    failure: requests.RequestException | None = None  # the last transport failure
    stream: bool = False  # stream(): the caller reads the body
    first_read: bool = False  # first_read(): the status, headers and one read of the body
    body_for: Callable[[str], bool] | None = None  # first_read(): by Content-Type, read it?
    sockets: list = field(default_factory=list)  # the request's (LiveStream.close shuts them)


def _size(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:g} MB"
    return f"{n / 1000:g} kB"


class CappedAdapter(HTTPAdapter):
    """Reads every body itself: size cap, overall deadline, and the caller's check on 200s."""

    def __init__(self, retries: Retry) -> None:
        super().__init__(max_retries=retries)
        self.limits = Limits(max_bytes=5_000_000, deadline_s=20.0)

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
                raise Failure(f"took longer than {limits.deadline_s:g} s")
            resp = self._send(request, timeout=timeout, verify=verify, cert=cert,
                              proxies=proxies)
            if watch.fired.is_set():  # the sockets were shut: the body may be cut short
                raise Failure(f"took longer than {limits.deadline_s:g} s")
            return resp
        except requests.RequestException as exc:
            if watch.fired.is_set() and not isinstance(exc, Failure):
                exc = Failure(f"took longer than {limits.deadline_s:g} s")
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
        if limits.first_read:  # what one read gives (a live stream never ends)
            wanted = resp.status_code < 300 and (
                limits.body_for is None or limits.body_for(resp.headers.get("Content-Type", "")))
            try:
                first = resp.raw.read1(_CHUNK, decode_content=True) if wanted else b""
            except Exception as exc:  # noqa: BLE001 - urllib3/http.client errors
                raise requests.ConnectionError(f"answer cut off ({exc.__class__.__name__})") \
                    from exc
            finally:
                resp.raw.close()
            resp._content, resp._content_consumed = first, True
            return resp
        body = bytearray()
        try:
            while chunk := resp.raw.read1(_CHUNK, decode_content=True):
                body += chunk
                if len(body) > limits.max_bytes:
                    if limits.truncate:
                        del body[limits.max_bytes:]
                        break
                    raise Failure(f"answered more than {_size(limits.max_bytes)}")
                if limits.truncate and time.monotonic() - limits.started > HEAD_WAIT_S:
                    break  # a live stream trickles in real time: what came is enough to sniff
        except Failure:
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
                raise Failure(str(err)) from err
        return resp


def why(exc: BaseException, timeout: tuple[float, float]) -> str:
    """One-line reason for a requests exception (no traceback, no library jargon)."""
    if isinstance(exc, Failure):
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


class _NoAuth(requests.auth.AuthBase):
    """Set as a session's auth so requests never looks in ~/.netrc for credentials."""

    def __call__(self, request):
        return request


class _Vetted:
    """A session mixin: every redirect target is vetted before it is followed (module
    docstring), and no credentials are taken from ~/.netrc on a redirect either."""

    def get_redirect_target(self, resp):
        target = super().get_redirect_target(resp)
        if target is None:
            return None
        try:
            absolute = urljoin(resp.url, target)
        except ValueError:
            absolute = target
        problem = url_problem(absolute)
        if problem is not None:
            raise RefusedRedirect(f'redirect to "{one_line(absolute, 120)}" refused: {problem}')
        return target

    def rebuild_auth(self, prepared_request, response) -> None:
        headers = prepared_request.headers
        if "Authorization" in headers and self.should_strip_auth(response.request.url,
                                                                 prepared_request.url):
            del headers["Authorization"]


class RefusedRedirect(Failure):
    """A redirect to a URL the app never opens (not http(s), no host, ...)."""


class VettedSession(_Vetted, requests.Session):
    pass


class VettedCachedSession(_Vetted, requests_cache.CachedSession):
    pass


def setup(session: requests.Session, retries: Retry | None, user_agent: str) -> CappedAdapter:
    """Mount the capped adapter on `session` and set its redirect limit, agent and proxies;
    `retries` None: one try only."""
    adapter = CappedAdapter(retries if retries is not None else Retry(0, read=False))
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.max_redirects = MAX_REDIRECTS
    session.headers["User-Agent"] = user_agent
    session.trust_env = True  # proxies from the environment, as every HTTP client does
    session.auth = _NoAuth()  # but never credentials from ~/.netrc
    return adapter
