"""LibraryController with the Kivy clock pumped: the real Directory against a loopback
Radio Browser (tests/support/directory_server.py), the real UserCatalogue in a temp config
dir, the real task runner."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kivy.clock import Clock

from infra.http import HttpClient
from infra.paths import Paths
from library.clicks import CLICKS_FILE
from library.controller import LibraryController
from library.directory import Directory
from library.favicons import FAVICON_DIR, Favicons
from library.user_catalogue import UserCatalogue
from tests.support.directory_server import (
    FAVICONS,
    ICON_UUIDS,
    MARKUP_NAME,
    TONE_A_UUID,
    TONE_B_UUID,
    DirectoryServer,
    favicon_records,
)
from tests.support.tasks import task_runner
from tests.support.wait import wait_until


def pump(condition, timeout: float = 5.0) -> bool:
    """Tick the Kivy clock (results land through it) until `condition` holds."""
    return wait_until(condition, timeout, str(condition), step=Clock.tick)


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    return Paths(tmp_path / "config", tmp_path / "cache", tmp_path / "state")


@pytest.fixture
def http(tmp_path: Path) -> Iterator[HttpClient]:
    client = HttpClient(tmp_path / "http", timeout=(1.0, 1.0), deadline_s=3.0)
    yield client
    client.close()


@pytest.fixture
def server() -> Iterator[DirectoryServer]:
    with DirectoryServer() as s:
        yield s


class Opened:
    """Stands in for webbrowser.open (a test must not start a browser)."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def __call__(self, url: str) -> bool:
        self.urls.append(url)
        return True


@pytest.fixture
def make(paths, http, server):
    made: list[LibraryController] = []

    def _make(directory: Directory | None = None, **options) -> LibraryController:
        store = UserCatalogue(paths)
        ctl = LibraryController(store, directory or Directory(http, [server.url]),
                                tasks=task_runner(), state_dir=paths.state_dir,
                                stations=store.load().stations, **options)
        made.append(ctl)
        return ctl

    yield _make
    for ctl in made:
        ctl.shutdown()


def ids(stations) -> list[str]:
    return [s.id for s in stations]


def on_disk(paths: Paths) -> list[str]:
    return ids(UserCatalogue(paths).load().stations)


def found(ctl: LibraryController, text: str) -> None:
    ctl.search(text)
    pump(lambda: ctl.status == "done" and ctl.message.endswith(f'match "{text}"')
         or ctl.message.endswith(f'matches "{text}"'))


# -- search -----------------------------------------------------------------------------------
def test_typing_searches_once_after_the_pause(make, server):
    ctl = make()
    Clock.tick()  # the clock's "now" (a trigger's timeout counts from the last tick)
    for text in ("t", "to", "ton", "tone"):
        ctl.search(text)
        Clock.tick()
    pump(lambda: ctl.status == "done")
    assert [a["name"] for a in server.searches()] == ["tone"]
    assert ids(ctl.results) == [TONE_A_UUID, TONE_B_UUID]  # most clicked first
    assert ctl.message == '2 stations match "tone"'
    assert server.searches()[0]["hidebroken"] == "true"


def test_results_are_safe_and_markup_stays_literal(make):
    ctl = make()
    found(ctl, "radio")
    urls = [r.url for r in ctl.results]
    assert urls and all(u.startswith("http") for u in urls)
    assert not [r for r in ctl.results if r.name in ("Local File FM", "Script Radio")]
    found(ctl, "Bold")
    assert [r.name for r in ctl.results] == [MARKUP_NAME]  # the views escape it


class SlowFirst:
    """The real directory; the first search waits until released (a slow answer)."""

    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self.release = threading.Event()
        self.calls = 0

    def search(self, query: str, **kwargs):
        self.calls += 1
        if self.calls == 1:
            self.release.wait(5)
        return self.directory.search(query, **kwargs)


def test_a_newer_query_drops_the_older(make, http, server):
    slow = SlowFirst(Directory(http, [server.url]))
    ctl = make(slow)
    ctl.search("KCUR")
    pump(lambda: slow.calls == 1)
    ctl.search("WKAR")
    pump(lambda: ctl.status == "done")
    assert [r.name for r in ctl.results] == ["WKAR Tone B"]
    slow.release.set()
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:  # the older answer arrives now, and is dropped
        Clock.tick()
    assert [r.name for r in ctl.results] == ["WKAR Tone B"]


def test_an_unreachable_directory_says_so(make, http):
    with DirectoryServer(status=500) as down:
        ctl = make(Directory(http, [down.url]))
        ctl.search("kcur")
        pump(lambda: ctl.status == "unavailable")
    assert ctl.results == []
    assert "500" in ctl.message and "directory" in ctl.message.lower()


def test_an_empty_query_clears_without_asking(make, server):
    ctl = make()
    found(ctl, "tone")
    ctl.search("  ")
    pump(lambda: ctl.status == "idle")
    assert ctl.results == [] and ctl.message == ""
    assert len(server.searches()) == 1


# -- edits -----------------------------------------------------------------------------------
def test_adding_a_result_shows_at_once_and_is_written(make, paths):
    ctl = make()
    shipped = ids(ctl.stations)
    found(ctl, "tone")
    record = ctl.results[0]
    ctl.add_result(record)
    assert len(ctl.stations) == len(shipped) + 1  # before the write
    assert ctl.notice == "Added KCUR 89.3 Tone A"
    pump(lambda: not ctl.saving)
    added = ctl.stations[-1]
    assert on_disk(paths) == ids(ctl.stations) == [*shipped, added.id]
    assert added.directory_uuid == TONE_A_UUID and added.streams[0].url == record.url
    assert ctl.is_added(record)
    ctl.add_result(record)  # twice: refused
    assert len(ctl.stations) == len(shipped) + 1
    assert "already" in ctl.notice


def test_remove_then_undo_puts_it_back_where_it_was(make, paths):
    ctl = make()
    before = ids(ctl.stations)
    second = before[1]
    ctl.remove(second)
    assert second not in ids(ctl.stations) and ctl.can_undo
    assert ctl.notice.startswith("Removed ")
    pump(lambda: not ctl.saving)
    assert second not in on_disk(paths)
    ctl.undo()
    assert ids(ctl.stations) == before
    pump(lambda: not ctl.saving)
    assert on_disk(paths) == before
    assert not ctl.can_undo


def test_rename_and_move_are_written_in_order(make, paths):
    ctl = make()
    first, second = ids(ctl.stations)[:2]
    ctl.rename(first, "  My   Kansas City  ")
    ctl.move(first, 1)
    ctl.move(second, -5)  # clamped to the top; already there after the first move
    assert ids(ctl.stations)[:2] == [second, first]
    assert ctl.stations[1].name == "My Kansas City"
    pump(lambda: not ctl.saving)
    stored = UserCatalogue(paths).load().stations
    assert ids(stored) == ids(ctl.stations)
    assert stored[1].name == "My Kansas City" and stored[1].id == first  # the id stays


def test_the_only_station_is_not_removed(make, paths):
    ctl = make()
    for station_id in ids(ctl.stations)[1:]:
        ctl.remove(station_id)
    pump(lambda: not ctl.saving)
    last = ids(ctl.stations)
    ctl.remove(last[0])
    assert ids(ctl.stations) == last and "only station" in ctl.notice


def test_a_corrupt_user_file_is_left_alone_and_named(make, paths):
    ctl = make()
    before = ids(ctl.stations)
    user_file = paths.config_dir / "stations.json"
    user_file.parent.mkdir(parents=True, exist_ok=True)
    user_file.write_bytes(b'{"stations": [ broken')
    ctl.remove(before[0])
    ctl.rename(before[1], "Never written")
    pump(lambda: not ctl.saving)
    assert ids(ctl.stations) == before, "the edits that were not written are undone"
    assert ctl.stations[1].name != "Never written"
    assert ctl.notice.startswith(f"Could not remove {ctl.stations[0].name}: {user_file}")
    assert user_file.read_bytes() == b'{"stations": [ broken'
    assert not ctl.can_undo


def test_shutdown_writes_the_edits_still_queued(make, paths):
    ctl = make()
    before = ids(ctl.stations)
    ctl.move(before[0], 3)
    ctl.remove(before[1])
    ctl.rename(before[2], "Renamed on the way out")
    expected = ids(ctl.stations)
    ctl.shutdown()  # no clock tick: the writes were queued, not delivered
    stored = UserCatalogue(paths).load().stations
    assert ids(stored) == expected
    assert "Renamed on the way out" in [s.name for s in stored]


# -- playing ---------------------------------------------------------------------------------
def test_a_directory_station_is_counted_once_ever(make, server, paths):
    ctl = make()
    found(ctl, "tone")
    station = ctl.add_result(ctl.results[1])
    pump(lambda: not ctl.saving)
    added = ctl.stations[-1]
    ctl.played(added)
    ctl.played(added)
    pump(lambda: server.clicks[TONE_B_UUID] == 1)
    ctl.played(ctl.stations[0])  # a shipped station: not the directory's
    assert json.loads((paths.state_dir / CLICKS_FILE).read_text()) == {"counted": [TONE_B_UUID]}
    ctl.shutdown()

    again = make()  # the next start of the app
    again.played(added)
    deadline = time.monotonic() + 0.5
    while time.monotonic() < deadline:
        Clock.tick()
    assert server.clicks[TONE_B_UUID] == 1
    assert station is not None and station.directory_uuid == TONE_B_UUID
    assert [s.path for s in server.seen].count(f"/json/url/{TONE_B_UUID}") == 1


def test_support_opens_only_http_pages(make):
    from dataclasses import replace

    opened = Opened()
    ctl = make(open_url=opened)
    kcur = ctl.stations[0]
    assert ctl.open_support(replace(kcur, support="https://www.kcur.org/donate"))
    assert not ctl.open_support(replace(kcur, support="javascript:alert(1)"))
    assert not ctl.open_support(replace(kcur, support="file:///etc/passwd"))
    assert not ctl.open_support(replace(kcur, support=None))
    assert not ctl.open_support(None)
    pump(lambda: opened.urls)
    assert opened.urls == ["https://www.kcur.org/donate"]


def test_an_added_station_gets_what_its_website_tells(paths, http, httpserver):
    from functools import partial

    from library.add import enrich_from_homepage
    from tests.support.directory_server import station_record
    from tests.support.metadata_server import KCUR_UCS, grove_homepage

    page = grove_homepage().replace(
        "</nav>", '<a class="donate" href="https://www.kcur.org/donate">Donate</a></nav>')
    httpserver.expect_request("/").respond_with_data(page, content_type="text/html")
    homepage = httpserver.url_for("/")
    record = station_record(TONE_A_UUID, "KCUR Tone", "http://127.0.0.1:9/a.mp3",
                            homepage=homepage)
    with DirectoryServer([record]) as server:
        store = UserCatalogue(paths)
        ctl = LibraryController(store, Directory(http, [server.url]), tasks=task_runner(),
                                state_dir=paths.state_dir, stations=store.load().stations,
                                enrich=partial(enrich_from_homepage, http))
        found(ctl, "kcur")
        ctl.add_result(ctl.results[0])
        ctl.rename(ctl.stations[-1].id, "My Tone")  # while its website is read
        pump(lambda: ctl.stations[-1].support is not None and not ctl.saving)
        ctl.shutdown()
    added = UserCatalogue(paths).load().stations[-1]
    assert added.name == "My Tone"
    assert added.support == "https://www.kcur.org/donate"
    assert added.schedule is not None and added.schedule.ucs == KCUR_UCS
    assert added.news_feed == httpserver.url_for("/news.rss")


# -- favicons ---------------------------------------------------------------------------------
@pytest.fixture
def icon_server() -> Iterator[DirectoryServer]:
    with DirectoryServer([]) as s:
        s.records = favicon_records(s.url)
        yield s


def with_icons(paths: Paths, http: HttpClient, server: DirectoryServer) -> LibraryController:
    store = UserCatalogue(paths)
    tasks = task_runner()
    return LibraryController(store, Directory(http, [server.url]), tasks=tasks,
                             state_dir=paths.state_dir, stations=store.load().stations,
                             favicons=Favicons(http, paths.cache_dir, tasks,
                                               logos_dir=paths.config_dir / "logos"))


def test_good_favicons_become_icons_and_the_rest_do_not(paths, http, icon_server):
    ctl = with_icons(paths, http, icon_server)
    found(ctl, "icon")
    assert len(ctl.results) == len(ICON_UUIDS)
    good = [u for u, kind in ICON_UUIDS.items() if kind == "good"]
    pump(lambda: list(ctl.favicons.icons) == good)
    fetched = lambda: sorted(p for p in icon_server.paths() if p.startswith("/favicons/"))  # noqa: E731
    pump(lambda: len(fetched()) == 5)  # every http(s) one is asked, the javascript: one never
    assert fetched() == sorted(f"/favicons/{k}.png" for k in ICON_UUIDS.values()
                               if k != "script")
    pump(ctl.favicons.idle)  # every download has ended; its answer is delivered next
    Clock.tick()
    assert list(ctl.favicons.icons) == good  # too big, not an image, broken, 404: no icon
    icon = Path(ctl.favicons.icons[good[0]])
    assert icon.parent == paths.cache_dir / FAVICON_DIR and icon.read_bytes() == \
        FAVICONS["good.png"][0]
    assert {p.name for p in icon.parent.iterdir()} == {icon.name}  # the broken one is gone
    ctl.shutdown()


def test_an_added_station_keeps_its_icon_as_logo(paths, http, icon_server):
    from player.catalogue import logo_path

    ctl = with_icons(paths, http, icon_server)
    found(ctl, "icon")
    good = next(r for r in ctl.results if ICON_UUIDS[r.id] == "good")
    script = next(r for r in ctl.results if ICON_UUIDS[r.id] == "script")
    pump(lambda: good.id in ctl.favicons.icons)
    added = ctl.add_result(good)
    plain = ctl.add_result(script)
    assert added is not None and plain is not None
    # the icon is copied out of the cache (which is pruned) into the config dir
    assert Path(added.logo).read_bytes() == Path(ctl.favicons.icons[good.id]).read_bytes()
    assert Path(added.logo).parent == paths.config_dir / "logos"
    assert plain.logo is None
    pump(lambda: not ctl.saving)
    ctl.shutdown()
    stored = {s.directory_uuid: s for s in UserCatalogue(paths).load().stations}
    assert stored[good.id].logo == added.logo
    assert logo_path(stored[good.id]) == Path(added.logo)
    assert stored[script.id].logo is None


def test_newer_results_drop_the_icons_still_coming(paths, http, icon_server):
    ctl = with_icons(paths, http, icon_server)
    found(ctl, "icon")
    good = next(r.id for r in ctl.results if ICON_UUIDS[r.id] == "good")
    pump(lambda: good in ctl.favicons.icons)
    ctl.favicons.fetch(ctl.results)  # fetched again (from the cache) ...
    ctl.results = []  # ... and superseded before the Kivy thread hears back
    pump(ctl.favicons.idle)  # every download has ended; its answer is delivered next
    Clock.tick()
    Clock.tick()
    assert ctl.favicons.icons == {}
    ctl.shutdown()


def test_no_icons_without_an_http_client(make, server):
    ctl = make()
    found(ctl, "tone")
    pump(ctl.favicons.idle)  # every download has ended; its answer is delivered next
    Clock.tick()
    assert ctl.favicons.icons == {}
    assert not any(p.startswith("/favicons/") for p in server.paths())
