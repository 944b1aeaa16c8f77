"""Import and export the listener's stations as playlist files; the format is the extension.

Import: M3U/M3U8 (URL lines, names from `#EXTINF:-1 attrs,Name`), PLS (`FileN=` in N order,
names from `TitleN=`) and pyradio's stations CSV (`name,url[,encoding[,icon]]`, more columns
ignored, `#` comment lines, quoted fields, `name,-` group headers skipped). A line that cannot
be used (a URL that is not http(s), a row without a URL, an `#EXTINF` with no URL after it)
is skipped and reported with its line number ("stations.csv line 7: ..."); the rest is
imported. Consecutive entries with the same name are one station with mirrors (that is how a
station with several streams is exported). An HLS playlist (`#EXT-X-` tags) is one stream, not
a list of stations: refused, with a hint. Text is UTF-8 (a BOM is fine), else Latin-1.
Export: M3U (.m3u/.m3u8, UTF-8), PLS and CSV, one entry per stream, written atomically.
Export then import gives the same names and URLs.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from infra.errors import BadInput
from infra.paths import atomic_write_text
from infra.urls import one_line, url_problem
from library.user_catalogue import clean_name, new_station, station_id
from player.stations import Station

MAX_FILE_BYTES = 5_000_000
MAX_STATIONS = 2000
IMPORT_FORMATS = {".m3u": "m3u", ".m3u8": "m3u", ".pls": "pls", ".csv": "csv"}
EXPORT_FORMATS = IMPORT_FORMATS
_PLS_KEY = re.compile(r"(file|title)(\d{1,9})")


@dataclass(frozen=True)
class Entry:
    """One usable line of a playlist: where it is, its name (None: unnamed) and its URL."""

    line: int
    name: str | None
    url: str


@dataclass
class Parsed:
    entries: list[Entry] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, why)

    def url(self, line: int, name: str | None, url: str, what: str = "URL") -> None:
        problem = url_problem(url)
        if problem is None:
            self.entries.append(Entry(line, name, url))
        else:
            shown = f' "{one_line(url, 60)}"' if url else ""
            self.problems.append((line, f"{what}{shown}: {problem}"))


@dataclass
class ImportResult:
    stations: list[Station]
    problems: list[str]  # "stations.csv line 7: URL "file:///x": scheme "file" is not ..."


def _format(path: Path, formats: dict[str, str], verb: str) -> str:
    kind = formats.get(path.suffix.lower())
    if kind is None:
        known = ", ".join(sorted(formats))
        raise BadInput(f"{path}: cannot {verb} this kind of file (by its extension: {known})")
    return kind


def _extinf_title(rest: str) -> str:
    """The title of `#EXTINF:` + rest: after the first comma outside double quotes."""
    quoted = False
    for n, char in enumerate(rest):
        if char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            return rest[n + 1:].strip()
    return ""


def parse_m3u_text(text: str, source: str = "playlist") -> Parsed:
    """The entries of an (extended) M3U; BadInput for an HLS stream playlist."""
    out = Parsed()
    pending: tuple[int, str] | None = None  # an #EXTINF waiting for its URL
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        upper = line[:8].upper()
        if upper.startswith("#EXT-X-"):
            raise BadInput(f"{source}: an HLS stream playlist (#EXT-X- tags), not a list of "
                           "stations: add it with `onair stations add URL`")
        if upper.startswith("#EXTINF:"):
            if pending is not None:
                out.problems.append((pending[0], "#EXTINF without a URL after it"))
            pending = (n, _extinf_title(line[8:]))
            continue
        if line.startswith("#"):
            continue
        name = pending[1] if pending else None
        pending = None
        out.url(n, name or None, line)
    if pending is not None:
        out.problems.append((pending[0], "#EXTINF without a URL after it"))
    return out


def parse_pls_text(text: str) -> Parsed:
    """The FileN entries in N order, named by their TitleN."""
    files: dict[int, tuple[int, str]] = {}
    titles: dict[int, tuple[int, str]] = {}
    out = Parsed()
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in ";#" or (line[0] == "[" and line[-1] == "]"):
            continue
        key, sep, value = line.partition("=")
        if not sep:
            out.problems.append((n, f'not a KEY=VALUE line: "{one_line(line, 40)}"'))
        elif match := _PLS_KEY.fullmatch(key.strip().lower()):
            found = files if match[1] == "file" else titles
            found.setdefault(int(match[2]), (n, value.strip()))
    for index in sorted(files):
        line, url = files[index]
        title = titles.pop(index, (0, ""))[1]
        out.url(line, title or None, url, what=f"File{index}")
    out.problems += [(line, f"Title{i} has no File{i}") for i, (line, _) in titles.items()]
    return out


def parse_csv_text(text: str) -> Parsed:
    """pyradio's stations: `name,url[,encoding[,icon]...]` rows, `#` comments."""
    out = Parsed()
    for n, raw in enumerate(text.splitlines(), 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        try:
            row = next(csv.reader([raw], skipinitialspace=True, strict=True))
        except csv.Error as err:
            out.problems.append((n, f"not a CSV row ({one_line(str(err), 60)})"))
            continue
        if len(row) < 2 or not row[1].strip():
            out.problems.append((n, "expected name,url"))
            continue
        name, url = row[0].strip(), row[1].strip()
        if url == "-":  # a pyradio group header
            continue
        out.url(n, name or None, url)
    return out


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _stations(entries: list[Entry]) -> list[Station]:
    """One station per run of consecutive entries with the same name (its mirrors)."""
    groups: list[tuple[str | None, list[str]]] = []
    for entry in entries:
        name = clean_name(entry.name) if entry.name else None
        if name is not None and groups and groups[-1][0] == name:
            if entry.url not in groups[-1][1]:
                groups[-1][1].append(entry.url)
        else:
            groups.append((name, [entry.url]))
    stations: list[Station] = []
    taken: set[str] = set()
    for name, urls in groups:
        station = new_station(name or "", urls)
        sid = station_id(station.name, taken)
        taken.add(sid)
        stations.append(replace(station, id=sid))
    return stations


def import_stations(path: Path) -> ImportResult:
    """The stations of the playlist file at `path`; BadInput when it cannot be read, its
    extension is not known, or it holds no station at all (naming the first problem)."""
    kind = _format(path, IMPORT_FORMATS, "import")
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        raise BadInput(f"{path}: cannot read it ({err.strerror or err})") from None
    if len(data) > MAX_FILE_BYTES:
        raise BadInput(f"{path}: larger than {MAX_FILE_BYTES} bytes")
    text = _decode(data)
    parsed = (parse_m3u_text(text, str(path)) if kind == "m3u" else
              parse_pls_text(text) if kind == "pls" else parse_csv_text(text))
    problems = [f"{path.name} line {line}: {why}" for line, why in sorted(parsed.problems)]
    stations = _stations(parsed.entries)
    if len(stations) > MAX_STATIONS:
        problems.append(f"{path.name}: more than {MAX_STATIONS} stations; the rest is left out")
        stations = stations[:MAX_STATIONS]
    if not stations:
        why = f": {problems[0]}" if problems else ""
        raise BadInput(f"{path}: no stations to import{why}")
    return ImportResult(stations=stations, problems=problems)


def playlist_text(kind: str, stations: Sequence[Station]) -> str:
    """`stations` as an "m3u", "pls" or "csv" file's text, one entry per stream."""
    pairs = [(s.name, stream.url) for s in stations for stream in s.streams]
    if kind == "m3u":
        return "#EXTM3U\n" + "".join(f"#EXTINF:-1,{name}\n{url}\n" for name, url in pairs)
    if kind == "pls":
        lines = ["[playlist]"]
        for n, (name, url) in enumerate(pairs, 1):
            lines += [f"File{n}={url}", f"Title{n}={name}", f"Length{n}=-1"]
        lines += [f"NumberOfEntries={len(pairs)}", "Version=2"]
        return "\n".join(lines) + "\n"
    out = io.StringIO()
    out.write("# On Air stations, in pyradio's format: name,url\n")
    for name, url in pairs:
        quote_all = name.startswith(("#", " ")) or not name
        csv.writer(out, lineterminator="\n",
                   quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL).writerow([name, url])
    return out.getvalue()


def export_stations(path: Path, stations: Sequence[Station]) -> None:
    """Write `stations` to `path` in the format its extension names (atomically)."""
    kind = _format(path, EXPORT_FORMATS, "export")
    if not stations:
        raise BadInput(f"{path}: no stations to export")
    try:
        atomic_write_text(path, playlist_text(kind, stations))
    except OSError as err:
        raise BadInput(f"{path}: cannot write it ({err.strerror or err})") from None
