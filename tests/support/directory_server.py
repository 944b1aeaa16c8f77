"""A Radio Browser directory server on loopback, in the real API's shapes (REFERENCE.md
section 5), with the hostile records a community database really holds.

    with DirectoryServer(demo_records(icecast=bench.url(""))) as good, \\
            DirectoryServer(status=500) as down, silent_server() as hung:
        env["ONAIR_RADIO_BROWSER"] = f"{down.url},{hung},{good.url}"
        ...
        assert good.clicks[TONE_A_UUID] == 1

Serves `GET /json/stations/search` (name, tag, countrycode, state, codec, language, order,
reverse, offset, limit, hidebroken; substring matches like the real server), `GET
/json/stations/byuuid/{uuid[,uuid]}` and `GET /json/url/{uuid}` (counted per uuid in
`clicks`, each call: the real server counts once per listener address a day). Every request
is kept in `seen` (path, query arguments, User-Agent). `DirectoryServer(status=500)`
answers every request with that status (an HTML error page); `body=` answers every request
200 with those bytes. `silent_server` (never answers) is re-exported for the hang.

Station icons: `GET /favicons/{name}` serves FAVICONS (a real tiny PNG, one over the GUI's
256 KB cap, an HTML page called image/png, a PNG signature over garbage); any other name is
a 404. `favicon_records(server.url)` are stations named "Icon ..." whose favicons point at
them (and one at a javascript: URL).
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

from werkzeug import Request, Response
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.support.feeds import tiny_png
from tests.support.metadata_server import silent_server

__all__ = ["DirectoryServer", "Seen", "demo_records", "hostile_records", "station_record",
           "silent_server", "favicon_records", "FAVICONS", "ICON_UUIDS", "TONE_A_UUID",
           "TONE_B_UUID", "BROKEN_UUID", "HOSTILE_UUIDS"]

TONE_A_UUID = "96062a7b-0601-11e8-ae97-52543be04c81"  # plays the bench's /a.mp3 (440 Hz)
TONE_B_UUID = "960e57c5-0601-11e8-ae97-52543be04c81"  # plays the bench's /b.aac (1000 Hz)
KUHF_UUID = "9617a958-0601-11e8-ae97-52543be04c81"
BBC_UUID = "98adecf7-2683-4408-9be7-02d3f9098eb8"
BROKEN_UUID = "c0ffee00-0000-4000-8000-000000000001"  # lastcheckok 0: hidebroken hides it
FILE_URL_UUID = "bad00000-0000-4000-8000-000000000001"
JS_URL_UUID = "bad00000-0000-4000-8000-000000000002"
DATA_URL_UUID = "bad00000-0000-4000-8000-000000000003"
OPTION_URL_UUID = "bad00000-0000-4000-8000-000000000004"
JS_FAVICON_UUID = "bad00000-0000-4000-8000-000000000005"
HUGE_NAME_UUID = "bad00000-0000-4000-8000-000000000006"
MARKUP_UUID = "bad00000-0000-4000-8000-000000000007"
CONTROL_UUID = "bad00000-0000-4000-8000-000000000008"
BAD_NUMBERS_UUID = "bad00000-0000-4000-8000-000000000009"
URL_ONLY_UUID = "bad00000-0000-4000-8000-00000000000a"  # url_resolved empty, url fine
HOSTILE_UUIDS = {  # uuid -> what a client must make of it ("dropped" or "kept")
    FILE_URL_UUID: "dropped", JS_URL_UUID: "dropped", DATA_URL_UUID: "dropped",
    OPTION_URL_UUID: "dropped", JS_FAVICON_UUID: "kept", HUGE_NAME_UUID: "kept",
    MARKUP_UUID: "kept", CONTROL_UUID: "kept", BAD_NUMBERS_UUID: "kept", URL_ONLY_UUID: "kept",
}
ICON_UUIDS = {  # what each favicon record's icon is: "good" shows, the rest are placeholders
    "1c000000-0000-4000-8000-000000000001": "good",
    "1c000000-0000-4000-8000-000000000002": "big",
    "1c000000-0000-4000-8000-000000000003": "page",
    "1c000000-0000-4000-8000-000000000004": "broken",
    "1c000000-0000-4000-8000-000000000005": "missing",
    JS_FAVICON_UUID: "script",
}
FAVICONS: dict[str, tuple[bytes, str]] = {  # name -> (body, Content-Type)
    "good.png": (tiny_png(16, 16, (220, 90, 40)), "image/png"),
    "big.png": (b"\x89PNG\r\n\x1a\n" + b"\0" * 2_000_000, "image/png"),
    "page.png": (b"<html><body>not an image</body></html>", "image/png"),
    "broken.png": (b"\x89PNG\r\n\x1a\n" + b"garbage, not a PNG" * 10, "image/png"),
}
NOWHERE = "http://127.0.0.1:9"  # the discard port: refused, for streams nobody plays here
MARKUP_NAME = "[b]Bold[/b] [color=ff0000]Red FM[/color] [size=80]x[/size]"
CONTROL_NAME = "Night\x00 Owl\x07\x1b Radio\r\nLine two\u202e\t\x85end"
HUGE_NAME = "Huge " + "A" * 2_000_000


def station_record(uuid: str, name: object, url: object, *, url_resolved: object = None,
                   **fields: object) -> dict:
    """A station object with every field the real API sends; `fields` override them."""
    record = {
        "changeuuid": "4f7e4097-4354-11e8-b74d-52543be04c81", "stationuuid": uuid,
        "serveruuid": None, "name": name, "url": url,
        "url_resolved": url if url_resolved is None else url_resolved,
        "homepage": "", "favicon": "", "tags": "", "country": "The United States Of America",
        "countrycode": "US", "iso_3166_2": None, "state": "", "language": "english",
        "languagecodes": "en", "votes": 0, "lastchangetime": "2025-01-05 10:00:00",
        "lastchangetime_iso8601": "2025-01-05T10:00:00Z", "codec": "MP3", "bitrate": 128,
        "hls": 0, "lastcheckok": 1, "lastchecktime": "2025-05-14 08:00:00",
        "lastchecktime_iso8601": "2025-05-14T08:00:00Z", "lastcheckoktime": "2025-05-14 08:00:00",
        "lastcheckoktime_iso8601": "2025-05-14T08:00:00Z",
        "lastlocalchecktime": "2025-05-14 07:00:00",
        "lastlocalchecktime_iso8601": "2025-05-14T07:00:00Z",
        "clicktimestamp": "2025-05-14 09:00:00", "clicktimestamp_iso8601": "2025-05-14T09:00:00Z",
        "clickcount": 0, "clicktrend": 0, "ssl_error": 0, "geo_lat": None, "geo_long": None,
        "has_extended_info": False,
    }
    record.update(fields)
    return record


def demo_records(icecast: str | None = None) -> list[dict]:
    """Good public-radio records (two of them play the Icecast bench at base URL `icecast`,
    e.g. "http://127.0.0.1:8000": TONE_A_UUID its /a.mp3, TONE_B_UUID its /b.aac), a broken
    one, then `hostile_records()`."""
    base = (icecast or NOWHERE).rstrip("/")
    return [
        station_record(TONE_A_UUID, "KCUR 89.3 Tone A", "http://stations.invalid/kcur.pls",
                       url_resolved=f"{base}/a.mp3", homepage="https://www.kcur.org/",
                       favicon="https://www.kcur.org/favicon.ico",
                       tags="npr,public radio,news,kansas city", state="Missouri",
                       codec="MP3", bitrate=64, votes=1200, clickcount=900),
        station_record(TONE_B_UUID, "WKAR Tone B", f"{base}/b.aac",
                       homepage="https://www.wkar.org/", tags="npr,public radio,classical",
                       state="Michigan", codec="AAC", bitrate=64, votes=300, clickcount=400),
        station_record(KUHF_UUID, "Houston Public Media News 88.7", f"{NOWHERE}/kuhf.mp3",
                       homepage="https://www.houstonpublicmedia.org/",
                       tags="npr,public radio,news", state="Texas", votes=250, clickcount=300),
        station_record(BBC_UUID, "BBC World Service", f"{NOWHERE}/bbc_world_service.aac",
                       country="The United Kingdom Of Great Britain And Northern Ireland",
                       countrycode="GB", tags="news,talk,world", codec="AAC", bitrate=48,
                       votes=5000, clickcount=2500),
        station_record(BROKEN_UUID, "Broken Public Radio", f"{NOWHERE}/broken.mp3",
                       tags="public radio", lastcheckok=0, clickcount=10_000),
        *hostile_records(base),
    ]


def hostile_records(icecast: str | None = None) -> list[dict]:
    """Records a client must drop or clean (HOSTILE_UUIDS says which), plus non-objects."""
    base = (icecast or NOWHERE).rstrip("/")
    return [
        station_record(FILE_URL_UUID, "Local File FM", "file:///etc/passwd",
                       tags="public radio,hostile", clickcount=50),
        station_record(JS_URL_UUID, "Script Radio", "javascript:alert(1)",
                       url_resolved="javascript:alert(1)", tags="hostile", clickcount=49),
        station_record(DATA_URL_UUID, "Data Radio", "data:audio/mpeg;base64,SUQz",
                       tags="hostile", clickcount=48),
        station_record(OPTION_URL_UUID, "Option Radio", "--extraintf=http",
                       url_resolved="-vvv", tags="hostile", clickcount=47),
        station_record(JS_FAVICON_UUID, "Favicon Trap Radio", f"{base}/b.mp3",
                       favicon="javascript:alert(document.cookie)",
                       homepage="javascript:alert(2)", tags="public radio,hostile",
                       clickcount=46),
        station_record(HUGE_NAME_UUID, HUGE_NAME, f"{NOWHERE}/huge.mp3",
                       tags="hostile," + "x" * 5000, clickcount=45),
        station_record(MARKUP_UUID, MARKUP_NAME, f"{NOWHERE}/markup.mp3",
                       tags="[b]bold[/b],public radio,hostile", clickcount=44),
        station_record(CONTROL_UUID, CONTROL_NAME, f"{NOWHERE}/control.mp3",
                       tags="ta\x00g\n,hostile", state="Kan\x1bsas\u200b", clickcount=43),
        station_record(BAD_NUMBERS_UUID, "Bad Numbers Radio", f"{NOWHERE}/numbers.mp3",
                       bitrate="abc", votes="lots", hls="maybe", tags="hostile",
                       countrycode="USA", clickcount=42),
        station_record(URL_ONLY_UUID, "Url Only Radio", f" {NOWHERE}/url-only.mp3\n",
                       url_resolved="", tags="hostile", clickcount=41),
        station_record("", "No Uuid Radio", f"{NOWHERE}/no-uuid.mp3", tags="hostile",
                       clickcount=40),
        "not a station", None, 42, ["nested"],  # type: ignore[list-item]
    ]


def favicon_records(base: str) -> list[dict]:
    """Stations named "Icon ..." (ICON_UUIDS) whose favicons are this server's (`base`)."""
    base = base.rstrip("/")
    records = [station_record(uuid, f"Icon {kind.title()} FM", f"{NOWHERE}/{kind}.mp3",
                              favicon=f"{base}/favicons/{kind}.png", clickcount=100 - n)
               for n, (uuid, kind) in enumerate(ICON_UUIDS.items()) if kind != "script"]
    return [*records, station_record(JS_FAVICON_UUID, "Icon Script FM", f"{NOWHERE}/js.mp3",
                                     favicon="javascript:alert(document.cookie)",
                                     clickcount=1)]


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: object) -> None:  # `seen` keeps what the tests need
        pass


@dataclass(frozen=True)
class Seen:
    path: str
    args: dict[str, str]
    user_agent: str


def _text(record: object, key: str) -> str:
    value = record.get(key) if isinstance(record, dict) else None
    return value if isinstance(value, str) else ""


def _number(record: object, key: str) -> float:
    value = record.get(key) if isinstance(record, dict) else None
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


class DirectoryServer:
    """One Radio Browser API server on a free loopback port (werkzeug, threaded)."""

    def __init__(self, records: list | None = None, *, status: int = 200,
                 body: bytes | None = None) -> None:
        self.records = demo_records() if records is None else list(records)
        self.status = status
        self.body = body
        self.clicks: Counter[str] = Counter()
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True,
                                   request_handler=_QuietHandler)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def paths(self) -> list[str]:
        with self._lock:
            return [s.path for s in self.seen]

    def searches(self) -> list[dict[str, str]]:
        """The query arguments of every search this server was asked, in order."""
        with self._lock:
            return [s.args for s in self.seen if s.path == "/json/stations/search"]

    def start(self) -> DirectoryServer:
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True, name="directory-server")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> DirectoryServer:
        return self.start()

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # -- the API ----------------------------------------------------------------------------
    @Request.application
    def _app(self, request: Request) -> Response:
        with self._lock:
            self.seen.append(Seen(request.path, dict(request.args),
                                  request.headers.get("User-Agent", "")))
        if self.status != 200:
            return Response(f"<html><body><h1>{self.status} Server Error</h1></body></html>",
                            status=self.status, content_type="text/html")
        if self.body is not None:
            return Response(self.body, content_type="application/json")
        path = request.path
        if path == "/json/stations/search":
            return self._json(self._search(request.args))
        if path.startswith("/json/stations/byuuid/"):
            wanted = set(path.removeprefix("/json/stations/byuuid/").split(","))
            return self._json([r for r in self.records if _text(r, "stationuuid") in wanted])
        if path.startswith("/json/url/"):
            return self._json(self._click(path.removeprefix("/json/url/")))
        if path.startswith("/favicons/") and path.removeprefix("/favicons/") in FAVICONS:
            body, ctype = FAVICONS[path.removeprefix("/favicons/")]
            return Response(body, content_type=ctype)
        return Response("not found", status=404, content_type="text/plain")

    @staticmethod
    def _json(value: object) -> Response:
        return Response(json.dumps(value), content_type="application/json; charset=utf-8")

    def _click(self, uuid: str) -> dict:
        record = next((r for r in self.records if _text(r, "stationuuid") == uuid), None)
        if record is None:
            return {"ok": False, "message": "did not find station with matching id",
                    "stationuuid": uuid, "name": "", "url": ""}
        with self._lock:
            self.clicks[uuid] += 1
        return {"ok": True, "message": "retrieved station url", "stationuuid": uuid,
                "name": record.get("name"), "url": record.get("url_resolved") or record.get("url")}

    def _search(self, args) -> list:
        def has(key: str, field: str, exact: bool = False) -> Callable[[object], bool]:
            want = args.get(key, "").casefold()
            if not want:
                return lambda r: True
            if exact:
                return lambda r: _text(r, field).casefold() == want
            return lambda r: want in _text(r, field).casefold()

        tests = [has("name", "name"), has("tag", "tags"), has("state", "state"),
                 has("language", "language"), has("countrycode", "countrycode", exact=True),
                 has("codec", "codec", exact=True)]
        hide = args.get("hidebroken", "false") == "true"
        found = [r for r in self.records
                 if (not isinstance(r, dict) or all(t(r) for t in tests))
                 and not (hide and isinstance(r, dict) and r.get("lastcheckok") == 0)]
        # Non-objects (hostile) always come back: the real server would never send them.
        order = args.get("order", "name")
        key = (lambda r: _number(r, order)) if order in ("clickcount", "votes", "bitrate") \
            else (lambda r: _text(r, order).casefold())
        found.sort(key=key, reverse=args.get("reverse", "false") == "true")
        offset = int(args.get("offset", "0") or 0)
        limit = int(args.get("limit", "100000") or 100000)
        return found[offset:offset + limit]
