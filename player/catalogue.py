"""Load, validate and save the station catalogue (DESIGN.md "Station catalogue").

Which file: an override (`--stations FILE`; main.py also maps ONAIR_STATIONS to
it) > the user's copy `<config_dir>/stations.json` > the shipped
assets/stations.json (found by infra.paths.asset in the installed package). Every
problem is one BadInput line naming the file, the station (position counted from 1,
and its id) and the field, e.g.
`stations.json: station 2 ("kuhf"): field "streams[1].url": no host`.
Optional fields beyond DESIGN.md's first schema: `support` (the donation page, an http(s)
URL) and `directory_uuid` (the Radio Browser stationuuid of a station added from there, so
its first play can be counted); both written as null when unknown.
"""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

from infra.errors import BadInput
from infra.paths import Paths, asset, atomic_write_text
from infra.urls import one_line, url_problem
from player.stations import Catalogue, ScheduleSource, Station, Stream

MAX_CATALOGUE_BYTES = 1_000_000
USER_FILE = "stations.json"
DEFAULT_FILE = asset("stations.json")
_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
_UCS = re.compile(r"[0-9a-fA-F]{24}")
_DIRECTORY_UUID = re.compile(r"[0-9A-Za-z][0-9A-Za-z-]{0,63}")  # as library.model checks it


class _Problem(Exception):
    """A field problem; the caller adds file and station to the message."""

    def __init__(self, field: str, why: str) -> None:
        super().__init__(f'field "{field}": {why}')


def _type_name(value: object) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false",
            type(None): "null", int: "a number", float: "a number"}.get(type(value), "?")


def _text(obj: dict, key: str, *, required: bool = True, limit: int = 200,
          prefix: str = "") -> str:
    field = prefix + key
    if key not in obj or (obj[key] is None and not required):
        if required:
            raise _Problem(field, "missing")
        return ""
    value = obj[key]
    if not isinstance(value, str):
        raise _Problem(field, f"must be a string, not {_type_name(value)}")
    if required and not value.strip():
        raise _Problem(field, "must not be empty")
    if len(value) > limit:
        raise _Problem(field, f"longer than {limit} characters")
    if not value.isprintable():
        raise _Problem(field, "contains control characters")
    return value


def _url(value: object, field: str) -> str:
    problem = url_problem(value)
    if problem is not None:
        shown = f' "{one_line(value, 60)}"' if isinstance(value, str) and value else ""
        raise _Problem(field, f"URL{shown}: {problem}")
    assert isinstance(value, str)
    return value


def _optional_url(obj: dict, key: str, field: str | None = None) -> str | None:
    value = obj.get(key)
    return None if value is None else _url(value, field or key)


def _object(value: object, field: str) -> dict:
    if not isinstance(value, dict):
        raise _Problem(field, f"must be an object, not {_type_name(value)}")
    return value


def _timezone(obj: dict) -> str:
    name = _text(obj, "timezone", limit=64)
    try:
        ZoneInfo(name)
    except (KeyError, ValueError, OSError):
        raise _Problem("timezone", f'unknown IANA time zone "{one_line(name, 40)}"') from None
    return name


def _stream(value: object, n: int) -> Stream:
    field = f"streams[{n}]"
    obj = _object(value, field)
    if "url" not in obj:
        raise _Problem(f"{field}.url", "missing")
    url = _url(obj["url"], f"{field}.url")
    fmt = obj.get("format")
    if fmt is not None and (not isinstance(fmt, str) or not fmt.isprintable() or len(fmt) > 40):
        raise _Problem(f"{field}.format", "must be a short string or null")
    bitrate = obj.get("bitrate")
    if bitrate is not None and (type(bitrate) is not int or not 0 < bitrate <= 10_000):
        raise _Problem(f"{field}.bitrate", "must be a whole number of kbps (1-10000) or null")
    return Stream(url=url, format=fmt, bitrate=bitrate)


def _schedule(value: object) -> ScheduleSource | None:
    if value is None:
        return None
    obj = _object(value, "schedule")
    source = _text(obj, "source", limit=40, prefix="schedule.")
    # No ucs: the station publishes it only in its homepage's player markup (read at run time).
    ucs = _text(obj, "ucs", required=False, limit=40, prefix="schedule.") or None
    if ucs is not None and not _UCS.fullmatch(ucs):
        raise _Problem("schedule.ucs", f'must be 24 hex digits, not "{one_line(ucs, 30)}"')
    return ScheduleSource(source=source, ucs=ucs,
                          base_url=_optional_url(obj, "base_url", "schedule.base_url"))


def _news_feed(value: object, field: str) -> str | None:
    if value is None:
        return None
    obj = _object(value, field)
    if "feed" not in obj:
        raise _Problem(f"{field}.feed", "missing")
    return _url(obj["feed"], f"{field}.feed")


def _directory_uuid(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _DIRECTORY_UUID.fullmatch(value):
        raise _Problem("directory_uuid", "must be a Radio Browser station uuid or null")
    return value


def _station(obj: dict) -> Station:
    """Fields are checked in schema order, so the first problem is the one reported."""
    sid = _text(obj, "id", limit=40)
    if not _ID.fullmatch(sid):
        raise _Problem("id", "must be lowercase letters, digits, '-' or '_' (up to 40)")
    name = _text(obj, "name", limit=80)
    tagline = _text(obj, "tagline", required=False)
    city = _text(obj, "city", required=False, limit=80)
    timezone = _timezone(obj)
    homepage = _optional_url(obj, "homepage")
    logo = obj.get("logo")
    if logo is not None and (not isinstance(logo, str) or not logo or not logo.isprintable()):
        raise _Problem("logo", "must be a file path or null")
    streams = obj.get("streams")
    if not isinstance(streams, list) or not streams:
        raise _Problem("streams", "must be a non-empty list")
    return Station(
        id=sid, name=name, tagline=tagline, city=city, timezone=timezone,
        homepage=homepage, logo=logo,
        streams=tuple(_stream(s, n) for n, s in enumerate(streams, 1)),
        schedule=_schedule(obj.get("schedule")),
        news_feed=_news_feed(obj.get("news"), "news"),
        support=_optional_url(obj, "support"),
        directory_uuid=_directory_uuid(obj.get("directory_uuid")),
    )


def _decode(data: bytes, source: str) -> Any:
    if len(data) > MAX_CATALOGUE_BYTES:
        raise BadInput(f"{source}: larger than {MAX_CATALOGUE_BYTES} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise BadInput(f"{source}: not UTF-8 text (byte {err.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise BadInput(f"{source}: invalid JSON at line {err.lineno} column {err.colno}: "
                       f"{err.msg}") from None
    except (RecursionError, ValueError) as err:  # nesting too deep; an integer too long
        raise BadInput(f"{source}: invalid JSON: {one_line(str(err), 60)}") from None


def parse_catalogue(data: bytes, source: str) -> Catalogue:
    """Validate catalogue JSON bytes; `source` names the file in error messages."""
    doc = _decode(data, source)
    if not isinstance(doc, dict):
        raise BadInput(f"{source}: must be a JSON object with a \"stations\" list")
    items = doc.get("stations")
    if not isinstance(items, list) or not items:
        raise BadInput(f'{source}: field "stations": must be a non-empty list')
    stations: list[Station] = []
    seen: dict[str, int] = {}
    for n, item in enumerate(items, 1):
        raw_id = item.get("id") if isinstance(item, dict) else None
        where = f"{source}: station {n}"
        if isinstance(raw_id, str) and raw_id:
            where += f' ("{one_line(raw_id, 40)}")'
        if not isinstance(item, dict):
            raise BadInput(f"{where}: must be an object, not {_type_name(item)}")
        try:
            station = _station(item)
        except _Problem as err:
            raise BadInput(f"{where}: {err}") from None
        if station.id in seen:
            raise BadInput(f'{where}: field "id": duplicate of station {seen[station.id]}')
        seen[station.id] = n
        stations.append(station)
    try:
        newscast = _news_feed(doc.get("newscast"), "newscast")
    except _Problem as err:
        raise BadInput(f"{source}: {err}") from None
    return Catalogue(stations=tuple(stations), newscast_feed=newscast)


def read_catalogue(path: Path) -> Catalogue:
    try:
        data = path.read_bytes()
    except OSError as err:
        raise BadInput(f"{path}: cannot read the catalogue ({err.strerror or err})") from None
    return parse_catalogue(data, str(path))


def load_catalogue(override: str | None, paths: Paths) -> Catalogue:
    """The override file, else the user's copy in the config dir, else the shipped one."""
    if override:
        return read_catalogue(Path(override))
    user = paths.config_dir / USER_FILE
    if user.exists():
        return read_catalogue(user)
    return read_catalogue(DEFAULT_FILE)


def catalogue_to_json(cat: Catalogue) -> dict:
    """The catalogue in the DESIGN.md schema (what `save_catalogue` writes)."""
    return {
        "stations": [station_to_json(s) for s in cat.stations],
        "newscast": {"feed": cat.newscast_feed} if cat.newscast_feed else None,
    }


def station_to_json(s: Station) -> dict:
    sched = s.schedule
    return {
        "id": s.id, "name": s.name, "tagline": s.tagline, "city": s.city,
        "timezone": s.timezone, "homepage": s.homepage, "logo": s.logo,
        "streams": [{"url": st.url, "format": st.format, "bitrate": st.bitrate}
                    for st in s.streams],
        "schedule": None if sched is None else
        {"source": sched.source, "ucs": sched.ucs, "base_url": sched.base_url},
        "news": {"feed": s.news_feed} if s.news_feed else None,
        "support": s.support, "directory_uuid": s.directory_uuid,
    }


def save_catalogue(cat: Catalogue, path: Path) -> None:
    """Write `cat` atomically; what is written is validated first, so a broken
    catalogue never replaces a good file, and a failed write leaves the old one."""
    text = json.dumps(catalogue_to_json(cat), indent=2, ensure_ascii=False) + "\n"
    parse_catalogue(text.encode("utf-8"), str(path))
    atomic_write_text(path, text)


def logo_path(station: Station) -> Path | None:
    """The station's logo file, if it exists. An absolute path is taken as it is; a relative
    one is read as from the repo root, so "assets/logos/kcur.png" (the shipped catalogue's
    form) is the installed asset "logos/kcur.png", and any other relative path has no file."""
    if not station.logo:
        return None
    path = Path(station.logo)
    if not path.is_absolute():
        relative = PurePosixPath(station.logo)
        if relative.parts[0] != "assets" or len(relative.parts) < 2:
            return None
        path = asset(str(relative.relative_to("assets")))
    return path if path.is_file() else None
