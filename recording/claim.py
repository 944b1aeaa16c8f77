"""Claiming a recording's file name: what On Air writes while it records, and nothing else.

A recording `<name>.<ext>` is written as `<name>.<ext>.onair-part` (a suffix only On Air
uses, so a browser's `.part` download is never taken for one of ours) beside its sidecar
`<name>.json`, which is written before the first byte of audio and names the file and its
codec: together they are the marker `recording.recovery` looks for. The name is claimed
exclusively (O_CREAT | O_EXCL on the part file): two recorders into one folder, in one
process or two, never write the same file; the second gets `<name> (2).<ext>`. A name
whose file, part or sidecar already exists (the listener's own, or a foreign program's) is
skipped, so nothing that is there is ever written over.
"""

from __future__ import annotations

import os
from pathlib import Path

from recording import tags

PART = ".onair-part"
MAX_TRIES = 10_000


def part_of(path: Path) -> Path:
    """The file `path` is written as while it records."""
    return path.with_name(path.name + PART)


def final_of(part: Path) -> Path:
    """The recording a part file becomes (`part` must end with PART)."""
    return part.with_name(part.name[:-len(PART)])


def candidates(folder: Path, name: str):
    """`folder/name`, then `name (2)`, `name (3)`... (the extension kept)."""
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    yield folder / name
    for n in range(2, MAX_TRIES):
        yield folder / (f"{stem} ({n}).{ext}" if dot else f"{stem} ({n})")


def taken(path: Path) -> bool:
    """Whether `path`, its part or its sidecar is there (ours or anybody's)."""
    return any(os.path.lexists(p) for p in (path, part_of(path), tags.sidecar_path(path)))


def free_path(folder: Path, name: str) -> Path:
    """The first of `candidates` not `taken` (for a finished part renamed beside one)."""
    for path in candidates(folder, name):
        if not taken(path):
            return path
    raise FileExistsError(f"{folder / name}: every name up to ({MAX_TRIES - 1}) is taken")


def claim(folder: Path, name: str) -> tuple[Path, int]:
    """Claim the first free name of `candidates`: its part file is created exclusively
    (mode 0644) and returned open for writing. (the final path, the part's fd)."""
    for path in candidates(folder, name):
        if taken(path):
            continue
        try:
            fd = os.open(part_of(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC,
                         0o644)
        except FileExistsError:  # another recorder claimed it a moment ago
            continue
        if os.path.lexists(tags.sidecar_path(path)):  # a sidecar appeared meanwhile: not ours
            os.close(fd)
            part_of(path).unlink(missing_ok=True)
            continue
        return path, fd
    raise FileExistsError(f"{folder / name}: every name up to ({MAX_TRIES - 1}) is taken")
