"""recording.recovery and recording.claim: only On Air's own leftovers are finished, every
other file in the folder stays byte for byte, and a large part is finished with bounded
memory (measured in a subprocess); names are claimed exclusively."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from mutagen.id3 import ID3

from recording.claim import PART, claim, part_of
from recording.recovery import recover
from recording.tags import sidecar_path
from tests.recording.conftest import decoded_seconds, encoded, frames_of

ROOT = Path(__file__).resolve().parents[2]
NAME = "KCUR 89.3 - Up To Date - 2025-05-14 1000"


def snapshot(folder: Path) -> dict[str, tuple[bytes, int, bool]]:
    """Every entry of `folder`: its bytes (a link's target name), mtime and whether a link."""
    out = {}
    for path in sorted(folder.iterdir()):
        link = path.is_symlink()
        out[path.name] = (os.readlink(path).encode() if link else path.read_bytes(),
                          path.lstat().st_mtime_ns, link)
    return out


def ours(folder: Path, name: str, codec: str, body: bytes, ext: str = "") -> Path:
    """A part On Air left: its sidecar (the marker) naming it; an ID3 tag (MP3, AAC), then
    `body`."""
    final = folder / f"{name}.{ext or codec}"
    sidecar_path(final).write_text(json.dumps(
        {"version": 1, "file": final.name, "codec": codec, "complete": False,
         "duration_s": 0.0, "note": "recording", "cues": [], "gaps": []}))
    part = part_of(final)
    part.write_bytes(b"")
    if codec in ("mp3", "aac"):
        ID3().save(part, v2_version=3)
    with part.open("ab") as fh:
        fh.write(body)
    return part


def foreign_files(folder: Path, name: str) -> None:
    """Files another program wrote, with every name a recording or its part could have."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "firefox-download.iso.part").write_bytes(b"\x00\x01partial download" * 100)
    (folder / f"{name}.mp3.part").write_bytes(b"\xff\xfb\x90\x00" + b"A" * 5000)
    (folder / f"{name}.aac.part").write_bytes(b"\xff\xf1\x50\x80" + b"B" * 5000)
    (folder / f"{name}.json").write_text('{"someone": "else"}')
    # our suffix without our marker, and with a sidecar naming another file
    (folder / f"Other - Show - 2025-05-14 1000.mp3{PART}").write_bytes(b"\xff\xfb" * 3000)
    (folder / f"Third - Show - 2025-05-14 1000.aac{PART}").write_bytes(b"\xff\xf1" * 3000)
    (folder / "Third - Show - 2025-05-14 1000.json").write_text(json.dumps(
        {"version": 1, "file": "something else.aac", "codec": "aac"}))
    # a marker with a codec nobody splits
    (folder / f"Fourth - Show - 2025-05-14 1000.wav{PART}").write_bytes(b"RIFF" * 1000)
    (folder / "Fourth - Show - 2025-05-14 1000.json").write_text(json.dumps(
        {"version": 1, "file": "Fourth - Show - 2025-05-14 1000.wav", "codec": "wav"}))
    # a part that is a link to somebody's file, with a perfect marker
    target = folder / "precious.mp3"
    target.write_bytes(b"\xff\xfb\x90\x00" * 2000)
    link = folder / f"Fifth - Show - 2025-05-14 1000.mp3{PART}"
    if not link.is_symlink():
        link.symlink_to(target.name)
    (folder / "Fifth - Show - 2025-05-14 1000.json").write_text(json.dumps(
        {"version": 1, "file": "Fifth - Show - 2025-05-14 1000.mp3", "codec": "mp3"}))


def test_foreign_files_are_untouched_byte_for_byte_and_ours_is_finished(tmp_path):
    frames = frames_of("mp3", encoded("mp3", 3))
    good = b"".join(f for f, _ in frames)
    foreign_files(tmp_path, NAME)
    before = snapshot(tmp_path)
    part = ours(tmp_path, "KCUR 89.3 - All Things - 2025-05-14 1600", "mp3",
                good + frames[1][0][:50])
    done = recover(tmp_path)
    assert [p.name for p in done] == ["KCUR 89.3 - All Things - 2025-05-14 1600.mp3"]
    assert not part.exists() and abs(decoded_seconds(done[0]) - 3) < 0.2
    after = snapshot(tmp_path)
    for name in ("KCUR 89.3 - All Things - 2025-05-14 1600.mp3",
                 "KCUR 89.3 - All Things - 2025-05-14 1600.json"):
        after.pop(name)
    assert after == before


def test_an_ogg_opus_part_is_finished_on_a_page_boundary(tmp_path):
    done = subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-f", "lavfi", "-i",
         "sine=frequency=440:sample_rate=48000:duration=4", "-c:a", "libopus", "-b:a", "48k",
         "-f", "ogg", "-"], capture_output=True, check=True, timeout=60)
    stream = done.stdout
    torn = stream + stream[stream.rindex(b"OggS"):][:60]  # a page cut short at the end
    part = ours(tmp_path, NAME, "opus", torn, ext="opus")
    [final] = recover(tmp_path)
    assert final.name == f"{NAME}.opus" and not part.exists()
    assert final.read_bytes() == stream
    assert abs(decoded_seconds(final) - 4) < 0.2
    side = json.loads(sidecar_path(final).read_text())
    # The Ogg splitter times a page by its granule's step from the page before; the first
    # audio page after the headers is estimated (a join in a live stream): ~1 s short here.
    assert side["complete"] is False and 2.9 < side["duration_s"] < 4.05


def test_a_finished_part_never_takes_the_name_of_a_file_that_came_meanwhile(tmp_path):
    frames = frames_of("aac", encoded("aac", 2))
    part = ours(tmp_path, NAME, "aac", b"".join(f for f, _ in frames))
    (tmp_path / f"{NAME}.aac").write_bytes(b"the listener's own file")
    [done] = recover(tmp_path)
    assert done.name == f"{NAME} (2).aac" and not part.exists()
    assert (tmp_path / f"{NAME}.aac").read_bytes() == b"the listener's own file"
    side = json.loads(sidecar_path(done).read_text())
    assert side["file"] == done.name and side["complete"] is False
    assert not (tmp_path / f"{NAME}.json").exists()  # moved with it


def test_names_are_claimed_exclusively_and_skip_what_is_there(tmp_path):
    (tmp_path / f"{NAME}.mp3").write_bytes(b"x")  # a foreign file of the name
    (tmp_path / f"{NAME} (2).json").write_text("{}")  # a foreign sidecar of the next
    claimed: list[Path] = []
    lock = threading.Lock()

    def one() -> None:
        path, fd = claim(tmp_path, f"{NAME}.mp3")
        os.close(fd)
        with lock:
            claimed.append(path)

    threads = [threading.Thread(target=one) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    names = sorted(p.name for p in claimed)
    assert len(set(names)) == 8
    assert f"{NAME}.mp3" not in names and f"{NAME} (2).mp3" not in names
    assert all(part_of(p).exists() for p in claimed)
    assert (tmp_path / f"{NAME}.mp3").read_bytes() == b"x"


LARGE_MB = 200
MEASURE = """
import sys
from pathlib import Path
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
from recording.recovery import recover
before = hwm()
done = recover(Path(sys.argv[1]))
print(before, hwm(), [str(p) for p in done])
"""


def test_a_large_part_is_finished_with_bounded_memory(tmp_path):
    frames = frames_of("mp3", encoded("mp3", 20))
    block = b"".join(f for f, _ in frames)
    part = ours(tmp_path, NAME, "mp3", b"")
    with part.open("ab") as fh:
        while fh.tell() < LARGE_MB * 1_000_000:
            fh.write(block)
        whole = fh.tell()
        fh.write(frames[0][0][:100])  # the last write torn mid-frame
    done = subprocess.run([sys.executable, "-c", MEASURE, str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-500:]
    before_kb, peak_kb, paths = done.stdout.split(" ", 2)
    grew_mb = (int(peak_kb) - int(before_kb)) / 1024
    assert grew_mb < 24, f"recovery's peak RSS grew by {grew_mb:.0f} MB"
    final = tmp_path / f"{NAME}.mp3"
    assert str(final) in paths and not part.exists()
    assert final.stat().st_size == whole  # cut after the last whole frame
    with final.open("rb") as fh:
        fh.seek(whole - len(block))
        assert fh.read() == block
