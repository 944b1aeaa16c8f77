"""Finishing the recordings an unclean exit left: only On Air's own, read as a stream.

A leftover is a `<name>.<ext>.onair-part` (recording.claim) whose sidecar `<name>.json` is
On Air's (recording.tags.read_sidecar), names that very file and a codec the frame
splitter knows, and whose lock (flock, held by the recorder while it writes) is free.
Anything else in the folder (a browser's `.part`, a part without its sidecar, a sidecar of
another file) is never opened for writing, renamed or removed.

Finishing reads the file in chunks through the codec's frame splitter (player.frames, so
every codec a recording can have, Ogg pages included), notes where the last whole frame
ends and truncates there: memory stays bounded whatever the file's size. Then the part is
renamed to its final name (the next free one when a file took it meanwhile) and its
sidecar marked incomplete with the duration found.
"""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path

from player.frames import FrameSplitter
from recording import tags
from recording.claim import PART, final_of, free_path

log = logging.getLogger(__name__)

CHUNK = 1 << 20  # bytes read at a time
NOTE = "finished after an unclean exit (the end is missing)"


def id3_size(head: bytes) -> int:
    """Bytes of a leading ID3v2 tag (0 when there is none)."""
    if len(head) < 10 or head[:3] != b"ID3":
        return 0
    size = 0
    for b in head[6:10]:
        size = size << 7 | (b & 0x7F)
    return 10 + size + (10 if head[5] & 0x10 else 0)


def ours(part: Path) -> dict | None:
    """The sidecar of `part` when it marks `part` as an On Air recording; else None."""
    if not part.name.endswith(PART) or part.is_symlink() or not part.is_file():
        return None
    final = final_of(part)
    side = tags.sidecar_path(final)
    if side.is_symlink():
        return None
    data = tags.read_sidecar(side)
    if data is None or data.get("file") != final.name:
        return None
    try:
        FrameSplitter(str(data.get("codec")))
    except (KeyError, ValueError, TypeError):
        return None
    return data


def trim_to_whole_frames(fd: int, codec: str) -> float:
    """Truncate the open file `fd` after its last whole frame (a leading ID3 tag kept);
    the seconds of audio it holds. Reads CHUNK bytes at a time."""
    head = id3_size(os.pread(fd, 10, 0))
    size = os.fstat(fd).st_size
    if head >= size:  # no audio; a tag cut short is no tag
        if head > size:
            os.ftruncate(fd, 0)
        return 0.0
    splitter = FrameSplitter(codec)
    offset, end, seconds = head, head, 0.0
    while True:
        chunk = os.pread(fd, CHUNK, offset)
        if not chunk:
            break
        offset += len(chunk)
        frames = splitter.feed(chunk)
        if frames:
            seconds += sum(s for _, s in frames)
            end = head + splitter.consumed  # the frames out (and any stray bytes between)
        del chunk, frames
    if end < size:
        os.ftruncate(fd, end)
    return seconds


def finish(part: Path, fd: int, sidecar: dict) -> Path:
    """Trim `part` (open as `fd`, locked), rename it and mark its sidecar incomplete."""
    seconds = trim_to_whole_frames(fd, str(sidecar["codec"]))
    os.fsync(fd)
    final = final_of(part)
    side = tags.sidecar_path(final)
    if os.path.lexists(final):  # a file of that name came meanwhile: never over it
        final = free_path(part.parent, final.name)
    os.replace(part, final)
    side_final = tags.sidecar_path(final)
    tags.write_sidecar(side_final, {**sidecar, "file": final.name, "complete": False,
                                    "duration_s": round(seconds, 3), "note": NOTE})
    if side_final != side:
        side.unlink(missing_ok=True)
    return final


def recover(folder: Path) -> list[Path]:
    """Finish every On Air part in `folder` that no running recording holds; the paths of
    the files finished."""
    done: list[Path] = []
    try:
        parts = sorted(Path(folder).glob(f"*{PART}"))
    except OSError:
        return done
    for part in parts:
        sidecar = ours(part)
        if sidecar is None:
            continue
        try:
            fd = os.open(part, os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if not os.path.samestat(os.fstat(fd), os.stat(part)):
                raise FileNotFoundError(part)  # finished and renamed by its recorder
        except OSError:
            os.close(fd)
            continue  # being recorded right now, or no longer a part
        try:
            done.append(finish(part, fd, sidecar))
        except OSError as err:
            log.warning("%s: could not be finished (%s)", part, err)
        finally:
            os.close(fd)
    return done
