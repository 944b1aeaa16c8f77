"""On Air Stations: rows show the catalogue, the playing station is lit, a click switches."""

from __future__ import annotations

import pytest

from tests.support.tasks import task_runner
from tests.ui.conftest import click, press, programs_around, screenshot, wait_until

pytestmark = pytest.mark.gui


@pytest.fixture
def station_list(show, player, guide, stations):
    from ui.station_list import StationList

    player.select(stations[0])
    widget = StationList(stations=stations, player=player, guide=guide,
                         size_hint=(None, None), size=(420, 400))
    return show(widget)


def row(station_list, station_id):
    for view in station_list.children[0].children:
        if view.station_id == station_id:
            return view
    raise AssertionError(f"no row for {station_id}")


def test_rows_show_name_city_and_logo(station_list):
    wait_until(lambda: len(station_list.data) == 3)
    names = [r["name"] for r in station_list.data]
    assert names == ["KCUR 89.3", "Houston Public Media", "WKAR 90.5"]
    houston = row(station_list, "kuhf")
    assert houston.city == "Houston, TX"
    assert houston.logo.endswith("kuhf.png")
    assert row(station_list, "kcur").selected and not row(station_list, "kcur").playing


def test_click_switches_and_plays_and_lights_the_row(station_list, player, fake_backend, window):
    wait_until(lambda: len(station_list.data) == 3)
    click(row(station_list, "kuhf"))
    wait_until(lambda: player.state == "playing" and player.station.id == "kuhf")
    assert fake_backend.url == "http://127.0.0.1:9/kuhf.mp3"
    wait_until(lambda: row(station_list, "kuhf").playing)
    assert not row(station_list, "kcur").selected
    screenshot(window, "station_list_playing")
    click(row(station_list, "wkar"))
    wait_until(lambda: player.station.id == "wkar" and row(station_list, "wkar").playing)
    assert not row(station_list, "kuhf").playing


def test_on_now_titles_and_escaped_markup(station_list, guide, stations):
    guide.set_station(stations[0])
    guide.today = programs_around(guide.clock(), titles=("[b]Up To Date[/b]", "Later"))
    guide.tick()
    station_list.tick()
    wait_until(lambda: "On now: " in row(station_list, "kcur").ids.detail.text)
    label = row(station_list, "kcur").ids.detail
    assert label.markup
    # Escaped: Kivy shows the title's brackets literally instead of making it bold.
    assert row(station_list, "kcur").program == "&bl;b&br;Up To Date&bl;/b&br;"


def test_station_that_cannot_play_says_why(station_list, player, fake_backend):
    fake_backend.unreachable.add("http://127.0.0.1:9/kuhf.mp3")
    click(row(station_list, "kuhf"))
    wait_until(lambda: player.state == "error", timeout=10)
    wait_until(lambda: row(station_list, "kuhf").problem.startswith("Cannot play: "))
    assert "connection refused" in row(station_list, "kuhf").ids.detail.text
    assert not row(station_list, "kuhf").playing


def test_newscast_is_not_shown_as_the_station_live(station_list, player, fake_backend):
    click(row(station_list, "kuhf"))
    wait_until(lambda: row(station_list, "kuhf").playing)
    fake_backend.length_s = 60.0
    player.play_ondemand("http://127.0.0.1:9/news.mp3", "NPR News Now")
    wait_until(lambda: player.state == "playing" and player.mode == "ondemand")
    wait_until(lambda: not row(station_list, "kuhf").playing)
    assert row(station_list, "kuhf").selected


def test_every_station_shows_its_program_on_now(show, player, stations, guide_clock, tmp_path,
                                                httpserver):
    """Not only the selected station: the others' programs are fetched in the background."""
    from dataclasses import replace

    from infra.http import HttpClient
    from player.stations import ScheduleSource
    from schedule.controller import GuideController
    from tests.support.metadata_server import CHICAGO, KCUR_UCS, hourly, serve_composer
    from ui.station_list import StationList

    day = guide_clock().astimezone(CHICAGO).date()  # 18:12 UTC is 12:12 in Houston
    base = serve_composer(httpserver, {day: hourly(CHICAGO, day, [f"Show {h}" for h in range(24)])})
    kcur, kuhf, wkar = stations
    kuhf = replace(kuhf, schedule=ScheduleSource("composer", KCUR_UCS, base))
    http = HttpClient(tmp_path / "http")
    guide = GuideController(http, clock=guide_clock, stations=(kcur, kuhf, wkar),
                            tasks=task_runner())
    player.select(kcur)
    guide.set_station(kcur)
    widget = show(StationList(stations=(kcur, kuhf, wkar), player=player, guide=guide,
                              size_hint=(None, None), size=(420, 400)))

    def houston_on_now() -> bool:
        guide.tick()  # the Up Next panel does this every second in the app
        return "On now: Show 12" in row(widget, "kuhf").ids.detail.text

    wait_until(houston_on_now, what="Houston's program on now")
    assert "On now" not in row(widget, "wkar").ids.detail.text  # no guide: nothing invented
    guide.shutdown()
    http.close()


# -- the library's list: follows its stations, edits inline -----------------------------------
@pytest.fixture
def library(tmp_path, stations):
    """A LibraryController over the test stations in their own catalogue file."""
    from infra.paths import Paths
    from library.controller import LibraryController
    from library.user_catalogue import UserCatalogue
    from player.catalogue import save_catalogue
    from player.stations import Catalogue

    path = tmp_path / "stations.json"
    save_catalogue(Catalogue(stations, None), path)
    paths = Paths(tmp_path / "config", tmp_path / "cache", tmp_path / "state")
    store = UserCatalogue(paths, str(path))
    ctl = LibraryController(store, None, tasks=task_runner(), state_dir=paths.state_dir,
                            stations=store.load().stations)
    ctl.file = path
    yield ctl
    ctl.shutdown()


@pytest.fixture
def edit_list(show, player, guide, library, stations):
    from ui.station_list import StationList

    player.select(stations[0])
    return show(StationList(player=player, guide=guide, library=library,
                            size_hint=(None, None), size=(520, 400)))


def stored_names(library) -> list[str]:
    from library.user_catalogue import UserCatalogue  # noqa: F401 - the file, read afresh
    from player.catalogue import read_catalogue

    return [s.name for s in read_catalogue(library.file).stations]


def test_the_list_follows_the_library(edit_list, library):
    wait_until(lambda: len(edit_list.data) == 3)
    library.remove("kuhf")
    wait_until(lambda: [r["station_id"] for r in edit_list.data] == ["kcur", "wkar"])
    library.undo()
    wait_until(lambda: [r["station_id"] for r in edit_list.data] == ["kcur", "kuhf", "wkar"])
    library.move("kcur", 2)
    wait_until(lambda: [r["station_id"] for r in edit_list.data] == ["kuhf", "wkar", "kcur"])
    wait_until(lambda: not library.saving)
    assert stored_names(library) == ["Houston Public Media", "WKAR 90.5", "KCUR 89.3"]


def test_only_the_selected_row_offers_rename_and_remove(edit_list, library, window):
    wait_until(lambda: row(edit_list, "kcur").selected)
    kcur, kuhf = row(edit_list, "kcur"), row(edit_list, "kuhf")
    assert kcur.ids.remove_button.get_root_window() is not None
    assert kcur.ids.remove_button.parent.opacity == 1
    assert kuhf.ids.remove_button.parent.opacity == 0 and kuhf.ids.remove_button.disabled
    screenshot(window, "station_list_edit_controls")
    click(kcur.ids.remove_button)
    wait_until(lambda: [r["station_id"] for r in edit_list.data] == ["kuhf", "wkar"])
    assert library.notice == "Removed KCUR 89.3" and library.can_undo


def test_rename_inline_enter_keeps_esc_drops(edit_list, library, window):
    from tests.ui.test_search_dialog import type_text

    wait_until(lambda: row(edit_list, "kcur").selected)
    click(row(edit_list, "kcur").ids.rename_button)
    field = row(edit_list, "kcur").ids.rename
    wait_until(lambda: field.focus, what="the name field focused")
    assert field.text == "KCUR 89.3" and field.selection_text == "KCUR 89.3"
    type_text("My [b]KC[/b]")  # typed over the selection
    screenshot(window, "station_list_renaming")
    press(13)
    wait_until(lambda: not row(edit_list, "kcur").editing)
    assert library.stations[0].name == "My [b]KC[/b]"
    assert row(edit_list, "kcur").name == "My &bl;b&br;KC&bl;/b&br;"  # shown literally
    wait_until(lambda: not library.saving)
    assert stored_names(library)[0] == "My [b]KC[/b]"

    edit_list.start_rename("kcur")
    wait_until(lambda: row(edit_list, "kcur").ids.rename.focus)
    type_text("dropped")
    press(27)
    wait_until(lambda: not row(edit_list, "kcur").editing)
    assert library.stations[0].name == "My [b]KC[/b]"
