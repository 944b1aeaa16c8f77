"""`onair record` and `onair recordings` beside files that are not On Air's, and two
recordings of one station into one folder: real processes of main.py, the real Icecast
bench; files checked with ffmpeg."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from recording.tags import sidecar_path
from tests.recording.conftest import decoded_seconds
from tests.recording.test_cli import (
    audio_of,
    onair,
    start_onair,
    whole_frames,
    write_catalogue,
)
from tests.recording.test_recovery import foreign_files, snapshot
from tests.support.metadata_server import CHICAGO

pytestmark = pytest.mark.icecast


def names_now() -> list[str]:
    """Every name a `--for` recording started in the next minutes could take."""
    now = datetime.now(CHICAGO)
    return [f"KCUR 89.3 - Recording - {now + timedelta(minutes=m):%Y-%m-%d %H%M}"
            for m in range(-1, 4)]


def plant(folder: Path) -> dict:
    for name in names_now():
        foreign_files(folder, name)
        (folder / f"{name}.aac").write_bytes(b"the listener's own file, not a recording")
    return snapshot(folder)


def test_files_not_ours_stay_byte_for_byte_in_the_folder_and_with_out(bench, tmp_path):
    stations = write_catalogue(tmp_path, bench, "/a.aac")
    folder, out = tmp_path / "recordings", tmp_path / "elsewhere"
    before = {folder: plant(folder), out: plant(out)}
    made = []
    for args in (("--out", str(out)), ()):
        done = onair(tmp_path, stations, "record", "kcur-like", "--for", "3s", *args)
        assert done.returncode == 0, done.stderr
        path = Path(done.stdout.strip())
        assert path.parent == (out if args else folder)
        assert path.name.endswith(" (2).aac")  # the name was the listener's file's
        assert whole_frames("aac", audio_of(path)) and abs(decoded_seconds(path) - 3) < 1
        made.append(path)
    listed = onair(tmp_path, stations, "recordings", "--json")
    assert listed.returncode == 0, listed.stderr
    assert "unclean exit" not in listed.stderr
    recorded = json.loads(listed.stdout)["recorded"]
    assert [r["path"] for r in recorded if r["path"] == str(made[1])]
    for where, seen in before.items():
        now = snapshot(where)
        for path in made:
            if path.parent == where:
                now.pop(path.name)
                now.pop(sidecar_path(path).name)
        assert now == seen, f"{where}: a file that is not On Air's was changed"


def test_two_recordings_of_one_station_into_one_folder_write_two_files(bench, tmp_path):
    stations = write_catalogue(tmp_path, bench, "/b.aac")
    out = tmp_path / "both"
    procs = [start_onair(tmp_path, stations, "record", "kcur-like", "--for", "5s", "--out",
                         str(out), "--json") for _ in range(2)]
    results = []
    try:
        for proc in procs:
            stdout, stderr = proc.communicate(timeout=120)
            assert proc.returncode == 0, stderr
            results.append(json.loads(stdout))
    finally:
        for proc in procs:
            proc.kill()
            proc.wait(10)
    paths = [Path(r["path"]) for r in results]
    assert paths[0] != paths[1] and all(p.parent == out for p in paths)
    for path, result in zip(paths, results, strict=True):
        assert result["file"] == path.name and result["complete"] is True
        side = json.loads(sidecar_path(path).read_text())
        assert side["file"] == path.name
        assert whole_frames("aac", audio_of(path))
        assert abs(decoded_seconds(path) - 5) < 1
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [p.name for p in paths] + [sidecar_path(p).name for p in paths])
