"""The station directory client (Radio Browser, REFERENCE.md section 5), over the one HTTP
layer (infra/http.py: its deadlines, size cap, User-Agent OnAir/<version> and cache).

Servers: `ONAIR_RADIO_BROWSER=URL[,URL...]` (tried in order), else found by DNS: the A/AAAA
records of all.api.radio-browser.info, a reverse lookup of each for its name (HTTPS needs
the name), shuffled. The standard library does this; no DNS package is needed. A server
that fails (cannot be reached, an HTTP error, a hang cut off by the HTTP client's deadline,
an answer that is not a JSON list) is passed over for the next; the one that answered is
asked first next time. When all fail: SourceUnavailable naming each server and why.

Searches go through the HTTP cache with its default expiry (a directory search is fresh
data, never kept for long); the click count (`/json/url/{uuid}`) is never cached.
"""

from __future__ import annotations

import logging
import random
import re
import socket
import threading
from collections.abc import Callable, Mapping, Sequence
from urllib.parse import quote, urlsplit

from infra.errors import BadInput, OnAirError, SourceUnavailable
from infra.http import HttpClient
from infra.urls import one_line, url_problem
from library.model import DirectoryStation, is_station_uuid, load_list, parse_list

log = logging.getLogger(__name__)

SOURCE = "Radio Browser directory"
ENV_VAR = "ONAIR_RADIO_BROWSER"
DISCOVERY_HOST = "all.api.radio-browser.info"
DNS_DEADLINE_S = 5.0
MAX_SERVERS = 16
MAX_LIMIT = 500
MAX_QUERY_CHARS = 200
MAX_FILTER_CHARS = 100
CLICK_MAX_BYTES = 65_536
_HOSTNAME = re.compile(r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                       r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*")


def servers_from_env(env: Mapping[str, str]) -> list[str] | None:
    """The servers of ONAIR_RADIO_BROWSER (comma-separated http(s) base URLs), or None when
    it is unset or empty; BadInput naming the variable for a URL that is not http(s)."""
    raw = env.get(ENV_VAR, "")
    servers = []
    for part in raw.split(","):
        part = part.strip().rstrip("/")
        if not part:
            continue
        problem = url_problem(part)
        if problem is not None:
            raise BadInput(f'{ENV_VAR}: "{one_line(part, 80)}": {problem}')
        servers.append(part)
    return servers or None


def _run_within(seconds: float, fn: Callable[[], object]) -> list:
    """fn() on a daemon thread; [result], or [] when it did not finish within `seconds`
    (the system resolver has no timeout of its own). Exceptions are re-raised here."""
    box: list = []
    done = threading.Event()

    def run() -> None:
        try:
            box.append((True, fn()))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            box.append((False, exc))
        finally:
            done.set()

    threading.Thread(target=run, name="onair-dns", daemon=True).start()
    if not done.wait(seconds):
        return []
    ok, value = box[0]
    if not ok:
        raise value
    return [value]


def discover_servers(host: str = DISCOVERY_HOST, *, deadline_s: float = DNS_DEADLINE_S,
                     shuffle: Callable[[list], None] = random.shuffle) -> list[str]:
    """The directory's servers as https://<name> base URLs, shuffled: the addresses of `host`
    (A and AAAA), each named by a reverse lookup. Only names inside `host`'s own domain are
    kept (for all.api.radio-browser.info: *.radio-browser.info). SourceUnavailable when DNS
    gives no server within `deadline_s`."""
    shown = f"DNS {one_line(host, 80)}"
    try:
        found = _run_within(deadline_s, lambda: socket.getaddrinfo(
            host, 443, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP))
    except (OSError, UnicodeError) as exc:
        raise SourceUnavailable(f"{SOURCE}: no servers found ({shown}: "
                                f"{one_line(str(exc), 80)})") from None
    if not found:
        raise SourceUnavailable(f"{SOURCE}: no servers found ({shown}: no answer within "
                                f"{deadline_s:g} s)")
    addresses = list(dict.fromkeys(info[4][0] for info in found[0]))[:MAX_SERVERS]
    domain = ".".join(host.lower().rstrip(".").split(".")[-2:])
    names: dict[str, None] = {}
    lock = threading.Lock()

    def name_of(address: str) -> None:
        try:
            name = socket.gethostbyaddr(address)[0].lower().rstrip(".")
        except (OSError, UnicodeError):
            return
        if _HOSTNAME.fullmatch(name) and (name == domain or name.endswith("." + domain)):
            with lock:
                names[name] = None

    lookups = [threading.Thread(target=name_of, args=(a,), name="onair-dns", daemon=True)
               for a in addresses]
    for thread in lookups:
        thread.start()
    _run_within(deadline_s, lambda: [t.join() for t in lookups])
    with lock:
        servers = [f"https://{name}" for name in names]
    if not servers:
        raise SourceUnavailable(f"{SOURCE}: no servers found ({shown}: no address has a "
                                f"name in {domain})")
    shuffle(servers)
    return servers


class Directory:
    """Search the directory, look a station up, count a click. Thread-safe: a search on the
    interactive lane and a click count on the background lane may run at once."""

    def __init__(self, http: HttpClient, servers: Sequence[str] | None = None, *,
                 resolver: Callable[[], list[str]] | None = None) -> None:
        self._http = http
        self._fixed = [s.rstrip("/") for s in servers] if servers else None
        self._resolver = resolver or discover_servers
        self._order: list[str] | None = None  # known servers, the last one that answered first
        self._lock = threading.Lock()

    # -- public -----------------------------------------------------------------------------
    def search(self, query: str = "", *, tag: str | None = None, country: str | None = None,
               state: str | None = None, codec: str | None = None,
               limit: int = 50) -> list[DirectoryStation]:
        """Stations matching all that is given, most clicked first, broken ones hidden.
        BadInput for a limit outside 1..500, a country that is not two letters, or text too
        long; SourceUnavailable when no server answers."""
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            raise BadInput(f"search limit {one_line(str(limit), 20)}: expected 1 to {MAX_LIMIT}")
        params: dict[str, str] = {}
        for key, value, most in (("name", query, MAX_QUERY_CHARS), ("tag", tag, MAX_FILTER_CHARS),
                                 ("state", state, MAX_FILTER_CHARS),
                                 ("codec", codec, MAX_FILTER_CHARS)):
            text = _search_text(key, value, most)
            if text:
                params[key] = text
        if country:
            code = country.strip()
            if not re.fullmatch(r"[A-Za-z]{2}", code):
                raise BadInput(f'search country "{one_line(country, 20)}": expected a '
                               "two-letter country code such as US")
            params["countrycode"] = code.upper()
        params.update(order="clickcount", reverse="true", limit=str(limit), hidebroken="true")
        return parse_list(self._ask("/json/stations/search", params), limit)

    def get(self, uuid: str) -> DirectoryStation:
        """The directory station with this stationuuid; BadInput when there is none (or it
        has no safe http(s) stream), SourceUnavailable when no server answers."""
        if not is_station_uuid(uuid):
            raise BadInput(f'directory station "{one_line(str(uuid), 40)}": not a station '
                           "uuid")
        raw = self._ask(f"/json/stations/byuuid/{uuid}", None)
        match = parse_list([r for r in raw if isinstance(r, dict)
                            and r.get("stationuuid") == uuid], 1)
        if match:
            return match[0]
        if raw:
            raise BadInput(f'directory station "{uuid}": no playable http(s) stream')
        raise BadInput(f'directory station "{uuid}": no such station in the directory')

    def count_click(self, uuid: str) -> None:
        """Tell the directory a listener started this station (`GET /json/url/{uuid}`, never
        cached), on the first server that answers. Never raises: a count that failed is not
        the listener's problem (it is logged)."""
        if not is_station_uuid(uuid):
            log.info("not counting a click for %r: not a station uuid", uuid)
            return
        try:
            servers = self._servers()
        except OnAirError as err:
            log.info("click for %s not counted: %s", uuid, err)
            return
        for server in servers:
            try:
                self._http.get_bytes(f"{server}/json/url/{quote(uuid)}", source=SOURCE,
                                     max_bytes=CLICK_MAX_BYTES)
            except OnAirError as err:
                log.info("click for %s not counted by %s: %s", uuid, server, err)
                continue
            self._answered(server)
            return
        log.info("click for %s not counted: no server answered", uuid)

    # -- helpers ----------------------------------------------------------------------------
    def _servers(self) -> list[str]:
        """Every known server, the last one that answered first (DNS asked on first use)."""
        with self._lock:
            if self._order is not None:
                return list(self._order)
        found = list(self._fixed) if self._fixed else self._resolver()
        servers = list(dict.fromkeys(s.rstrip("/") for s in found if url_problem(s) is None))
        if not servers:
            raise SourceUnavailable(f"{SOURCE}: no servers to ask")
        with self._lock:
            if self._order is None:
                self._order = servers
            return list(self._order)

    def _answered(self, server: str) -> None:
        with self._lock:
            if self._order and server in self._order and self._order[0] != server:
                self._order.remove(server)
                self._order.insert(0, server)

    def _ask(self, path: str, params: dict[str, str] | None) -> list:
        """The JSON list the first answering server gives for `path` (records unchecked)."""
        tried: list[str] = []
        for server in self._servers():
            url = server + path
            try:
                fetched = self._http.get(url, source=SOURCE, params=params, check=_check)
            except SourceUnavailable as err:
                tried.append(_reason(server, str(err)))
                continue
            if fetched.stale:  # the server failed and the cache stood in: ask the next one
                tried.append(_reason(server, fetched.problem or "failed"))
                continue
            try:
                raw = load_list(fetched.content)
            except ValueError as err:  # a cached copy that no longer parses
                tried.append(_reason(server, str(err)))
                continue
            self._answered(server)
            return raw
        raise SourceUnavailable(f"{SOURCE}: no server answered ({'; '.join(tried)})")


def _check(content: bytes, _content_type: str) -> None:
    """The HTTP layer's check: a 200 that is not a JSON list is a failure (never cached)."""
    load_list(content)


def _reason(server: str, message: str) -> str:
    """'host: why' from the HTTP layer's "<source>: <why> (<url>)"."""
    why = message.removeprefix(f"{SOURCE}: ")
    why = re.sub(r" \((?:https?://[^()]*)\)$", "", why)
    host = urlsplit(server).netloc or server
    return one_line(f"{host}: {why}", 160)


def _search_text(key: str, value: str | None, most: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadInput(f"search {key}: expected text")
    text = " ".join(value.split())
    if any(not c.isprintable() for c in text):
        raise BadInput(f'search {key} "{one_line(text, 40)}": contains control characters')
    if len(text) > most:
        raise BadInput(f"search {key}: longer than {most} characters")
    return text
