"""Station directory records (Radio Browser): plain values and pure parsers, no I/O.

The directory is a community database that anyone edits, so every field is untrusted:
- a record is kept only when it has a station uuid and an http(s) stream URL that is safe to
  hand to libvlc (`url_resolved`, else `url`); file:, javascript:, data:, an option-like
  "-vvv" and the rest are dropped with their record;
- names, tags, state and codec become plain single-line text: HTML tags stripped, entities
  decoded, control characters and bidi overrides dropped, whitespace collapsed, capped.
  Text that looks like Kivy markup ("[b]", "[color=ff0000]") stays literal: the GUI escapes
  it when it shows it;
- homepage and favicon are kept only when they are http(s) URLs;
- numbers that are not numbers (`"bitrate": "abc"`, true, 1e300, 5000 digits) become unknown
  (None);
- a record that cannot be read at all is dropped with one log line, never the whole list.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from infra import remote_json
from infra.html_text import clean_text, plain
from infra.urls import one_line, url_problem

log = logging.getLogger(__name__)

MAX_NAME_CHARS = 200
MAX_TAGS_CHARS = 200  # the tags joined with ", "
MAX_TAG_CHARS = 60
MAX_TAG_PARTS = 100  # comma-separated parts read (more could never fit in MAX_TAGS_CHARS)
MAX_STATE_CHARS = 100
MAX_CODEC_CHARS = 20
MAX_BITRATE_KBPS = 100_000
MAX_VOTES = 1_000_000_000
_RAW_TEXT_CHARS = 4_000  # read no further into a field (a 2 MB name costs nothing)
# Radio Browser's ids are UUIDs; anything else that goes into a URL path is refused.
UUID_PATTERN = re.compile(r"[0-9A-Za-z][0-9A-Za-z-]{0,63}")
_COUNTRY = re.compile(r"[A-Za-z]{2}")
_DIGITS = re.compile(r"[0-9]{1,12}")


@dataclass(frozen=True)
class DirectoryStation:
    """One safe directory record. `url` is the playable http(s) stream; `country` the ISO
    3166-1 code ("US") or ""; `bitrate` (kbit/s) and `votes` None when unknown."""

    id: str  # stationuuid
    name: str
    url: str
    homepage: str | None
    favicon: str | None
    tags: tuple[str, ...]
    country: str
    state: str
    codec: str
    bitrate: int | None
    votes: int | None
    hls: bool

    def to_json(self) -> dict:
        """The `onair search --json` shape of one result."""
        return {"id": self.id, "name": self.name, "url": self.url, "homepage": self.homepage,
                "favicon": self.favicon, "tags": list(self.tags), "country": self.country,
                "state": self.state, "codec": self.codec, "bitrate": self.bitrate,
                "votes": self.votes}


def is_station_uuid(value: object) -> bool:
    return isinstance(value, str) and UUID_PATTERN.fullmatch(value) is not None


def _line(value: str, limit: int) -> str:
    """One printable line: plain text without format, private-use or unassigned characters
    (bidi overrides and zero-width marks in a name would disguise it)."""
    text = "".join(c for c in plain(value, max_chars=limit) if c.isprintable())
    return " ".join(text.split())


def _text(value: object, limit: int) -> str:
    if not isinstance(value, str):
        return ""
    return _line(value[:_RAW_TEXT_CHARS], limit)


def _link(value: object) -> str | None:
    """An http(s) URL as given (surrounding whitespace removed), or None."""
    if not isinstance(value, str):
        return None
    value = value[: 2 * _RAW_TEXT_CHARS].strip()
    return value if url_problem(value) is None else None


def _number(value: object, maximum: int, *, zero_unknown: bool = False) -> int | None:
    """A whole number in 0..maximum (an int, an integral float or a string of digits)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        value = int(value.strip())
    if not isinstance(value, int) or not 0 <= value <= maximum:
        return None
    return None if zero_unknown and value == 0 else value


def _tags(value: object) -> tuple[str, ...]:
    """The comma-separated tags as plain text, without repeats, at most MAX_TAGS_CHARS."""
    if not isinstance(value, str):
        return ()
    tags: list[str] = []
    seen: set[str] = set()
    used = 0
    for part in value[:_RAW_TEXT_CHARS].split(",")[:MAX_TAG_PARTS]:
        tag = _line(part, MAX_TAG_CHARS)
        if not tag or tag.casefold() in seen:
            continue
        cost = len(tag) + (2 if tags else 0)
        if used + cost > MAX_TAGS_CHARS:
            break
        tags.append(tag)
        seen.add(tag.casefold())
        used += cost
    return tuple(tags)


def _flag(value: object) -> bool:
    return value is True or (type(value) is int and value == 1) or value == "1"


def parse_record(obj: object) -> DirectoryStation | None:
    """One Radio Browser station object made safe, or None when it has no station uuid or
    no safe http(s) stream URL."""
    if not isinstance(obj, dict):
        return None
    uuid = obj.get("stationuuid")
    if not is_station_uuid(uuid):
        return None
    url = _link(obj.get("url_resolved")) or _link(obj.get("url"))
    if url is None:
        return None
    name = _text(obj.get("name"), MAX_NAME_CHARS) or clean_text(urlsplit(url).hostname or url)
    country = obj.get("countrycode")
    return DirectoryStation(
        id=uuid, name=name, url=url, homepage=_link(obj.get("homepage")),
        favicon=_link(obj.get("favicon")), tags=_tags(obj.get("tags")),
        country=country.upper() if isinstance(country, str) and _COUNTRY.fullmatch(country)
        else "",
        state=_text(obj.get("state"), MAX_STATE_CHARS),
        codec=_text(obj.get("codec"), MAX_CODEC_CHARS),
        bitrate=_number(obj.get("bitrate"), MAX_BITRATE_KBPS, zero_unknown=True),
        votes=_number(obj.get("votes"), MAX_VOTES), hls=_flag(obj.get("hls")))


def load_list(data: bytes) -> list:
    """The JSON list a directory answered; ValueError saying why when it is not one."""
    try:
        value = remote_json.loads(data)
    except RecursionError:
        raise ValueError("answered JSON nested too deep") from None
    except (ValueError, TypeError):  # JSONDecodeError, UnicodeDecodeError
        raise ValueError("answered something that is not JSON") from None
    if not isinstance(value, list):
        raise ValueError(f"answered a JSON {type(value).__name__}, not a list of stations")
    return value


def parse_records(data: bytes, limit: int | None = None) -> list[DirectoryStation]:
    """The safe stations of a directory answer (a JSON list), in its order, each uuid once,
    at most `limit`. Unsafe records are dropped; ValueError with the reason when `data` is not
    a JSON list."""
    return parse_list(load_list(data), limit)


def parse_list(items: list, limit: int | None = None) -> list[DirectoryStation]:
    """The safe stations among `items` (decoded JSON), in order, each uuid once, at most
    `limit` (a server may send more than was asked for: the rest is not read). A record
    that cannot be read at all is dropped with one log line naming its place in the list."""
    out: list[DirectoryStation] = []
    seen: set[str] = set()
    for n, obj in enumerate(items):
        if limit is not None and len(out) >= limit:
            break
        try:
            station = parse_record(obj)
        except Exception as err:  # noqa: BLE001 - one bad record is dropped, not the search
            log.info("Radio Browser directory: record %d dropped: %s", n,
                     one_line(f"{type(err).__name__}: {err}"))
            continue
        if station is not None and station.id not in seen:
            seen.add(station.id)
            out.append(station)
    return out
