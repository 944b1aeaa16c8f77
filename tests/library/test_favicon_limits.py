"""Directory icons over the pixel cap: a search on the loopback Radio Browser
(tests/support/directory_server.py) whose records' favicons are oversized PNGs (a few dozen kB
declaring 30000x30000 or 8000x8000, over the 512x512 icon cap) gives those results no icon
(the placeholder: their initials), one log line each, nothing cached; a normal icon still
shows. The memory side is tests/infra/test_image_limits.py (a process of its own)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from kivy.clock import Clock

from infra.http import HttpClient
from infra.paths import Paths
from library.controller import LibraryController
from library.directory import Directory
from library.favicons import FAVICON_DIR, Favicons
from library.user_catalogue import UserCatalogue
from tests.support import directory_server
from tests.support.big_images import solid_png
from tests.support.directory_server import DirectoryServer, station_record
from tests.support.feeds import tiny_png
from tests.support.tasks import task_runner
from tests.support.wait import wait_until

ICONS = {  # uuid -> the favicon it points at
    "1c000000-0000-4000-8000-0000000000b1": "bomb30k.png",
    "1c000000-0000-4000-8000-0000000000b2": "bomb8k.png",
    "1c000000-0000-4000-8000-0000000000b3": "over.png",
    "1c000000-0000-4000-8000-0000000000b4": "fine.png",
}


def pump(condition, timeout: float = 10.0) -> bool:
    return wait_until(condition, timeout, str(condition), step=Clock.tick)


@pytest.fixture
def server(monkeypatch) -> Iterator[DirectoryServer]:
    for name, body in (("bomb30k.png", solid_png(30000, 30000)),
                       ("bomb8k.png", solid_png(8000, 8000)),
                       ("over.png", solid_png(513, 64, (1, 2, 3, 255))),
                       ("fine.png", tiny_png(32, 32, (20, 160, 90)))):
        monkeypatch.setitem(directory_server.FAVICONS, name, (body, "image/png"))
    with DirectoryServer([]) as s:
        s.records = [station_record(uuid, f"Bomb {n} FM", f"http://127.0.0.1:9/{n}.mp3",
                                    favicon=f"{s.url}/favicons/{name}", clickcount=50 - n)
                     for n, (uuid, name) in enumerate(ICONS.items())]
        yield s


@pytest.fixture
def http(tmp_path: Path) -> Iterator[HttpClient]:
    client = HttpClient(tmp_path / "http", timeout=(2.0, 5.0), deadline_s=10.0)
    yield client
    client.close()


def test_oversized_icons_show_the_placeholder_and_a_normal_one_shows(tmp_path, http, server,
                                                                    caplog) -> None:
    paths = Paths(tmp_path / "config", tmp_path / "cache", tmp_path / "state")
    store = UserCatalogue(paths)
    tasks = task_runner()
    ctl = LibraryController(store, Directory(http, [server.url]), tasks=tasks,
                            state_dir=paths.state_dir, stations=store.load().stations,
                            favicons=Favicons(http, paths.cache_dir, tasks))
    try:
        with caplog.at_level(logging.INFO, logger="infra.images"):
            ctl.search("bomb")
            pump(lambda: len(ctl.results) == len(ICONS))
            fine = next(u for u, name in ICONS.items() if name == "fine.png")
            pump(lambda: fine in ctl.favicons.icons)
            pump(lambda: sum(p.startswith("/favicons/") for p in server.paths()) == len(ICONS))
            pump(ctl.favicons.idle)  # every download has ended; its answer is delivered next
            Clock.tick()
        assert list(ctl.favicons.icons) == [fine]
        for uuid, name in ICONS.items():
            if name != "fine.png":
                assert ctl.favicons.icon(uuid) is None, name
        refused = [r.getMessage() for r in caplog.records if "over the 512x512 cap" in
                   r.getMessage()]
        assert len(refused) == 3, refused
        cached = {p.name for p in (paths.cache_dir / FAVICON_DIR).iterdir()}
        assert cached == {Path(ctl.favicons.icons[fine]).name}
    finally:
        ctl.shutdown()
