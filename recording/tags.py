"""Tags and the sidecar of a recording.

Tags: an ID3v2.3 header (mutagen) for MP3 and for AAC in ADTS alike. ADTS has no tag
format of its own; a leading ID3v2 block is what stream rippers write and what ffprobe,
libvlc and mutagen read (checked here with ffprobe 6 and libvlc 3), so one tagger serves
both: title (the program), artist (the station), album (the program, so the airings group),
date and time of the start, the hosts (TXXX "host") and the description (comment).
An Ogg recording (Vorbis, FLAC: `.ogg`; Opus: `.opus`) starts with the stream's header
pages; the same tags go into its comment header as Vorbis comments (TITLE, ARTIST, ALBUM,
DATE, HOST, DESCRIPTION), written by mutagen (OggVorbis, OggOpus, OggFLAC) while the file
holds only the header pages, so the rewrite is small and a crash never leaves it half done.

The sidecar `<name>.json` beside the audio keeps what a tag cannot: the ICY titles heard,
as cue points (seconds into the file and the moment they were heard), the gaps of a stream
drop, the planned span, and whether the recording ended as planned. It is rewritten
atomically while recording, so an unclean exit leaves it readable.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from mutagen import MutagenError
from mutagen.id3 import COMM, ID3, TALB, TDRC, TIT2, TPE1, TXXX
from mutagen.oggflac import OggFLAC
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis

from infra.paths import atomic_write_text
from recording.model import Plan
from schedule.model import iso

SIDECAR_VERSION = 1
_OGG = {b"\x01vorbis": OggVorbis, b"OpusHead": OggOpus, b"\x7fFLAC": OggFLAC}


def tag_file(path: Path, plan: Plan) -> str | None:
    """Write the tags into `path` (empty, or an Ogg stream's header pages); None, or one line
    saying why they could not be written (a full disk): the audio is kept either way."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(64)
    except OSError as err:
        return f"tags not written ({err.strerror or err})"
    if head[:4] == b"OggS":
        return _tag_ogg(path, head, plan)
    tags = ID3()
    tags.add(TIT2(encoding=3, text=plan.title))
    tags.add(TPE1(encoding=3, text=plan.station_name))
    tags.add(TALB(encoding=3, text=plan.title))
    tags.add(TDRC(encoding=3, text=plan.start.strftime("%Y-%m-%dT%H:%M")))
    hosts = [h for h in plan.hosts if h.strip()]
    if hosts:
        tags.add(TXXX(encoding=3, desc="host", text=", ".join(hosts)))
    if plan.description:
        tags.add(COMM(encoding=3, lang="eng", desc="", text=plan.description))
    try:
        tags.save(path, v2_version=3, padding=lambda _info: 0)
    except (MutagenError, OSError) as err:
        return f"tags not written ({err})"
    return None


def _tag_ogg(path: Path, head: bytes, plan: Plan) -> str | None:
    packet = head[27 + head[26]:] if len(head) > 27 else b""
    kind = next((cls for magic, cls in _OGG.items() if packet.startswith(magic)), None)
    if kind is None:
        return "tags not written (an Ogg codec without a tag format we write)"
    try:
        audio = kind(path)
        if audio.tags is None:
            audio.add_tags()
        tags = audio.tags
        tags["TITLE"], tags["ARTIST"], tags["ALBUM"] = plan.title, plan.station_name, plan.title
        tags["DATE"] = plan.start.strftime("%Y-%m-%dT%H:%M")
        hosts = [h for h in plan.hosts if h.strip()]
        if hosts:
            tags["HOST"] = ", ".join(hosts)
        if plan.description:
            tags["DESCRIPTION"] = plan.description
        audio.save()
    except (MutagenError, OSError) as err:
        return f"tags not written ({err})"
    return None


def sidecar_path(audio: Path) -> Path:
    """`<name>.json` for `<name>.<ext>` (and for its `<name>.<ext>.part`)."""
    name = audio.name[:-5] if audio.name.endswith(".part") else audio.name
    return audio.with_name(f"{name.rsplit('.', 1)[0]}.json")


def _stamp(t: float) -> str | None:
    return iso(datetime.fromtimestamp(t, UTC))


def file_offset(t: float, begin: float, gaps: Sequence[tuple[float, float]]) -> float:
    """Seconds into the file of the stream moment `t`: the audio held between `begin` and
    `t` (the spans of `gaps` hold none)."""
    missing = sum(max(0.0, min(b, t) - max(a, begin)) for a, b in gaps)
    return max(0.0, t - begin - missing)


def cue_points(titles: Sequence[tuple[float, str]], begin: float, end: float,
               gaps: Sequence[tuple[float, float]]) -> list[dict]:
    """The ICY titles heard between `begin` and `end`, each with its offset in the file; the
    title already playing at `begin` (heard before) counts from 0."""
    cues: list[dict] = []
    for t, title in titles:
        if t >= end or not title:
            continue
        at = max(t, begin)
        if cues and cues[-1]["title"] == title:
            continue
        if cues and at <= begin:
            cues.pop()  # a later title was playing at the start
        cues.append({"at_s": round(file_offset(at, begin, gaps), 3), "time": _stamp(at),
                     "title": title})
    return cues


def gap_entries(gaps: Sequence[tuple[float, float]], begin: float) -> list[dict]:
    return [{"at_s": round(file_offset(a, begin, gaps), 3), "from": _stamp(a), "to": _stamp(b),
             "seconds": round(b - a, 3)} for a, b in gaps]


def sidecar(plan: Plan, *, file: str, codec: str, begin: float, duration_s: float,
            complete: bool, cues: list[dict], gaps: list[dict], note: str = "") -> dict:
    return {
        "version": SIDECAR_VERSION, "file": file, "station": plan.station_id,
        "station_name": plan.station_name, "program": plan.title, "hosts": list(plan.hosts),
        "description": plan.description, "start": iso(plan.start), "end": iso(plan.end),
        "padding_s": plan.padding_s, "codec": codec, "began_at": _stamp(begin),
        "duration_s": round(duration_s, 3), "complete": complete, "note": note,
        "gaps": gaps, "cues": cues,
    }


def write_sidecar(path: Path, data: dict) -> str | None:
    """Write the sidecar atomically; None, or why not (a full disk)."""
    try:
        atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    except OSError as err:
        return f"sidecar not written ({err.strerror or err})"
    return None


def read_sidecar(path: Path) -> dict | None:
    """A sidecar written by `sidecar`, or None when missing or not one of ours."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != SIDECAR_VERSION \
            or not isinstance(data.get("file"), str):
        return None
    return data
