"""Two `onair stations` commands changing the listener's catalogue at the same time (real
processes of main.py, one config dir): every change is kept, the file is valid JSON at every
moment, and a rename racing with imports is kept too (library.user_catalogue holds the
file's lock from its read to its write)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from tests.library.test_stations_cli import listed, ok, onair, user_file

ROUNDS = 10


def playlist(folder: Path, name: str) -> Path:
    path = folder / f"{name}.m3u"
    path.write_text(f"#EXTM3U\n#EXTINF:-1,Station {name}\nhttp://127.0.0.1:9/{name}.mp3\n")
    return path


def test_two_processes_changing_the_catalogue_lose_no_change(tmp_path):
    lists = tmp_path / "lists"
    lists.mkdir()
    ok(onair(tmp_path, "stations", "import", str(playlist(lists, "seed"))))
    problems: list[str] = []
    done = threading.Event()

    def watch() -> None:  # whatever moment the file is read, it is a whole catalogue
        while not done.is_set():
            try:
                json.loads(user_file(tmp_path).read_text())["stations"]
            except (ValueError, KeyError, OSError) as err:
                problems.append(f"invalid at a moment: {err}")

    def imports(prefix: str) -> None:
        for n in range(ROUNDS):
            run = onair(tmp_path, "stations", "import", str(playlist(lists, f"{prefix}{n}")))
            if run.returncode != 0:
                problems.append(run.stderr)

    def renames() -> None:
        for n in range(ROUNDS):
            run = onair(tmp_path, "stations", "rename", "station-seed", f"Seed {n}")
            if run.returncode != 0:
                problems.append(run.stderr)

    threads = [threading.Thread(target=watch)] + [
        threading.Thread(target=imports, args=(p,)) for p in ("a", "b")] + [
        threading.Thread(target=renames)]
    for t in threads:
        t.start()
    for t in threads[1:]:
        t.join(300)
    done.set()
    threads[0].join(10)
    assert problems == []
    stations = listed(tmp_path)
    names = {s["name"] for s in stations.values()}
    assert {f"Station {p}{n}" for p in "ab" for n in range(ROUNDS)} <= names
    assert stations["station-seed"]["name"] == f"Seed {ROUNDS - 1}"
    leftovers = sorted(p.name for p in user_file(tmp_path).parent.iterdir())
    assert leftovers == ["stations.json", "stations.json.bak"]
