"""Recording models: durations, file names, which airing of a program to record.

Pure functions over plain values (no toolkit, no I/O). A recording is named
`<Station> - <Program> - YYYY-MM-DD HHMM.<ext>` (the program's start in the station's own
time, as the station lists it), each part made safe for every common file system. A
program is found by its title, compared without case, accents or punctuation, among the
airings of today's and tomorrow's schedule; when none matches, the closest titles are
named in the error. A rule says which airings a scheduled recording takes: `next` (one
airing), `weekday` (Monday to Friday, station time), `daily`, or `weekly` (the weekday of
the first airing chosen).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from infra.errors import BadInput
from infra.urls import one_line
from schedule.model import Program

RULES = ("next", "weekday", "daily", "weekly")
EVERY = ("weekday", "daily", "weekly")  # the rules `--every` takes
MAX_DURATION_S = 24 * 3600.0
MAX_PADDING_S = 3600.0
# codec -> file extension (ADTS keeps .aac; Ogg Vorbis and FLAC .ogg, Ogg Opus .opus)
EXTENSIONS = {"mp3": "mp3", "aac": "aac", "vorbis": "ogg", "opus": "opus", "flac": "ogg"}
_DURATION = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", re.ASCII | re.IGNORECASE)
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{n}" for n in range(1, 10)),
             *(f"lpt{n}" for n in range(1, 10))}
NAME_PART_CHARS = 80  # each of station and program
NAME_PART_BYTES = 100  # so that a whole name stays below 255 bytes


def parse_duration(text: str, what: str = "--for") -> float:
    """Seconds from "90s", "45m", "1h30m" or "1h"; BadInput saying what a duration looks like."""
    m = _DURATION.fullmatch(text.strip())
    if not text.strip() or m is None or not any(m.groups()):
        raise BadInput(f'{what} "{one_line(text, 30)}": not a duration like 90s, 45m or 1h30m')
    h, mi, s = (int(g or 0) for g in m.groups())
    seconds = float(h * 3600 + mi * 60 + s)
    if seconds <= 0 or seconds > MAX_DURATION_S:
        raise BadInput(f'{what} "{one_line(text, 30)}": must be more than 0 s and at most 24h')
    return seconds


def check_padding(seconds: float) -> float:
    if not 0 <= seconds <= MAX_PADDING_S:
        raise BadInput(f"--padding {seconds:g}: must be 0 to {MAX_PADDING_S:g} seconds")
    return float(seconds)


def safe_part(text: str, limit: int = NAME_PART_CHARS) -> str:
    """`text` as one part of a file name on Linux, macOS and Windows: no separators or
    reserved characters, nothing unprintable, no leading dot, no trailing dot or space,
    not a reserved device name, at most `limit` characters and 100 bytes; never empty."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(c if c.isprintable() and unicodedata.category(c) != "Cs" else " "
                   for c in _UNSAFE.sub(" ", text))
    text = " ".join(text.split())[:limit]
    while len(text.encode()) > NAME_PART_BYTES:  # a name must fit 255 bytes
        text = text[:-1]
    text = text.strip(" .")
    text = text.lstrip(".").strip() or "Untitled"
    if text.split(".")[0].lower() in _RESERVED:
        text = f"{text}_"
    return text


def recording_name(station_name: str, title: str, start: datetime, ext: str) -> str:
    """`<Station> - <Program> - YYYY-MM-DD HHMM.<ext>`; `start` in the station's zone."""
    return f"{safe_part(station_name)} - {safe_part(title)} - {start:%Y-%m-%d %H%M}.{ext}"


def extension(codec: str) -> str:
    return EXTENSIONS.get(codec, "bin")


def _key(title: str) -> str:
    """A title for comparison: no case, accents or punctuation; "&" reads as "and"."""
    text = unicodedata.normalize("NFKD", title.replace("&", " and "))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def same_program(title: str, name: str) -> bool:
    return _key(title) == _key(name)


def closest_titles(programs: Iterable[Program], name: str, n: int = 3) -> list[str]:
    """Up to `n` distinct titles nearest to `name`: titles containing it first, then by
    similarity; the first titles of the day when nothing is near."""
    titles = list(dict.fromkeys(p.title for p in programs))
    keys = {_key(t): t for t in titles}
    wanted = _key(name)
    near = [t for k, t in keys.items() if wanted and (wanted in k or k in wanted)]
    near += [keys[k] for k in difflib.get_close_matches(wanted, list(keys), n=n, cutoff=0.5)]
    near = list(dict.fromkeys(near)) or titles
    return near[:n]


def rule_allows(rule: str, start: datetime, tz: tzinfo, weekday: int | None = None) -> bool:
    """Whether an airing starting at `start` belongs to `rule` (weekday: Monday=0)."""
    day = start.astimezone(tz).weekday()
    if rule == "weekday":
        return day < 5
    if rule == "weekly":
        return weekday is None or day == weekday
    return True


def airings(programs: Iterable[Program], name: str) -> list[Program]:
    """The airings titled `name`, in order of start, each once."""
    found = {(p.start_ts, p.end_ts): p for p in programs if same_program(p.title, name)}
    return [found[k] for k in sorted(found)]


def next_airing(programs: Sequence[Program], name: str, at: datetime, *, rule: str = "next",
                tz: tzinfo, weekday: int | None = None, on_now: bool = True,
                after_start: datetime | None = None) -> Program | None:
    """The airing of `name` to record at `at`: the one on now (when `on_now`) or the first
    later one the rule allows; none starting at or before `after_start` (already recorded)."""
    t = at.timestamp()
    done = after_start.timestamp() if after_start is not None else None
    for program in airings(programs, name):
        if program.end_ts <= t or (not on_now and program.start_ts < t):
            continue
        if done is not None and program.start_ts <= done:
            continue
        if rule_allows(rule, program.start, tz, weekday):
            return program
    return None


def no_such_program(station_id: str, name: str, programs: Sequence[Program]) -> BadInput:
    """The exit-2 error: the program is on neither today's nor tomorrow's schedule."""
    near = closest_titles(programs, name)
    names = ", ".join(f'"{one_line(t, 60)}"' for t in near) if near else "none"
    return BadInput(f'no program "{one_line(name, 60)}" on {station_id}\'s schedule today or '
                    f"tomorrow (closest: {names})")


def follow(programs: Sequence[Program], airing: Program) -> Program | None:
    """The same airing in a fresh read of the guide: the program of that title whose span
    overlaps the old one most (it may have moved or shrunk), else the nearest start within
    an hour; None when it is gone."""
    same = airings(programs, airing.title)
    if not same:
        return None

    def overlap(p: Program) -> float:
        return min(p.end_ts, airing.end_ts) - max(p.start_ts, airing.start_ts)

    best = max(same, key=overlap)
    if overlap(best) > 0:
        return best
    nearest = min(same, key=lambda p: abs(p.start_ts - airing.start_ts))
    return nearest if abs(nearest.start_ts - airing.start_ts) <= 3600 else None


@dataclass(frozen=True)
class Plan:
    """What one recording takes: the station, the title and hosts for the name and tags,
    and the span of the stream (the airing plus padding; `start` names the file)."""

    station_id: str
    station_name: str
    title: str
    start: datetime  # the program's start (names the file), station-local
    end: datetime
    hosts: tuple[str, ...] = ()
    padding_s: float = 0.0
    description: str = ""

    @property
    def begin_ts(self) -> float:
        return self.start.timestamp() - self.padding_s

    @property
    def cut_ts(self) -> float:
        return self.end.timestamp() + self.padding_s

    def moved_to(self, program: Program) -> Plan:
        """The plan after the guide moved or shortened the airing (the name keeps the
        start of the file already begun)."""
        return Plan(self.station_id, self.station_name, self.title, self.start,
                    program.end, self.hosts, self.padding_s, self.description)


def plan_for(station_id: str, station_name: str, program: Program, tz: tzinfo,
             padding_s: float = 0.0) -> Plan:
    return Plan(station_id, station_name, program.title, program.start.astimezone(tz),
                program.end.astimezone(tz), program.hosts, padding_s, program.description)


def plan_span(station_id: str, station_name: str, title: str, start: datetime,
              seconds: float) -> Plan:
    """A `--for` recording: from `start` (station-local) for `seconds`."""
    return Plan(station_id, station_name, title, start, start + timedelta(seconds=seconds))
