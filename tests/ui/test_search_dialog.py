"""The search dialog in a real window: typing shows results (escaped), keys choose and add,
over the real LibraryController, Directory (a loopback Radio Browser) and UserCatalogue."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.directory_server import MARKUP_NAME, TONE_A_UUID, DirectoryServer
from tests.support.tasks import task_runner
from tests.ui.conftest import click, press, screenshot, wait_until

pytestmark = pytest.mark.gui

ESC, ENTER, UP, DOWN, BACKSPACE = 27, 13, 273, 274, 8


def type_text(text: str) -> None:
    """Keys as SDL sends them: a key down, then the character (on_textinput)."""
    from kivy.core.window import Window

    for char in text:
        Window.dispatch("on_key_down", ord(char.lower()), 0, char, [])
        Window.dispatch("on_textinput", char)
    press(0)  # a frame


@pytest.fixture
def server() -> Iterator[DirectoryServer]:
    with DirectoryServer() as s:
        yield s


@pytest.fixture
def library(tmp_path, server):
    from infra.http import HttpClient
    from infra.paths import Paths
    from library.controller import LibraryController
    from library.directory import Directory
    from library.user_catalogue import UserCatalogue

    paths = Paths(tmp_path / "config", tmp_path / "cache", tmp_path / "state")
    http = HttpClient(tmp_path / "http", timeout=(1.0, 1.0), deadline_s=3.0)
    store = UserCatalogue(paths)
    ctl = LibraryController(store, Directory(http, [server.url]), tasks=task_runner(),
                            state_dir=paths.state_dir, stations=store.load().stations)
    yield ctl
    ctl.shutdown()
    http.close()


@pytest.fixture
def dialog(window, library):
    from ui.search_dialog import SearchDialog

    d = SearchDialog(library=library)
    d.open_search()
    wait_until(lambda: d.is_open and d.ids.query.focus, what="the dialog open, its field focused")
    yield d
    d.dismiss(animation=False)


def rows(dialog) -> list:
    layout = dialog.ids.results.children[0]
    return sorted(layout.children, key=lambda v: v.index)


def shown_names(dialog) -> list[str]:
    return [v.ids.name.text for v in rows(dialog) if v.index >= 0]


def test_typing_shows_results_then_enter_adds_the_chosen_one(dialog, library, server, window):
    type_text("tone")
    assert dialog.ids.query.text == "tone"
    wait_until(lambda: len(dialog.ids.results.data) == 2, what="two results")
    assert [a["name"] for a in server.searches()] == ["tone"]  # once, after the pause
    assert dialog.ids.status.text == '2 stations match "tone"'
    names = [r["name"] for r in dialog.ids.results.data]
    assert names == ["KCUR 89.3 Tone A", "WKAR Tone B"]
    assert dialog.ids.results.data[0]["detail"] == (
        "US · Missouri · MP3 64 kbps · npr, public radio, news, kansas city")
    assert dialog.ids.results.data[0]["selected"]
    screenshot(window, "search_dialog_results")
    before = len(library.stations)
    press(DOWN)
    assert dialog.selected == 1 and dialog.ids.results.data[1]["selected"]
    press(UP)
    press(ENTER)
    assert len(library.stations) == before + 1
    assert library.stations[-1].directory_uuid == TONE_A_UUID
    wait_until(lambda: dialog.ids.results.data[0]["added"], what="the row reads Added")
    wait_until(lambda: rows(dialog)[0].ids.add.text == "Added")
    assert dialog.ids.status.text == "Added KCUR 89.3 Tone A"
    wait_until(lambda: not library.saving)
    press(ENTER)  # again: already there
    assert len(library.stations) == before + 1
    screenshot(window, "search_dialog_added")
    press(ESC)
    assert not dialog.is_open


def test_remote_markup_is_shown_literally(dialog):
    type_text("Bold")
    wait_until(lambda: shown_names(dialog), what="a result row")
    label = rows(dialog)[0].ids.name
    assert label.markup
    assert label.text == MARKUP_NAME.replace("[", "&bl;").replace("]", "&br;")
    from ui.debug_state import plain

    assert plain(label.text) == MARKUP_NAME


def test_the_add_button_adds_that_row(dialog, library):
    type_text("wkar")
    wait_until(lambda: shown_names(dialog) == ["WKAR Tone B"], what="WKAR's row")
    click(rows(dialog)[0].ids.add)
    assert library.stations[-1].name == "WKAR Tone B"


def test_typing_on_replaces_the_results_and_no_match_says_so(dialog, server):
    type_text("wkar")
    wait_until(lambda: shown_names(dialog) == ["WKAR Tone B"])
    for _ in range(4):
        press(BACKSPACE)
    type_text("zzzz")
    wait_until(lambda: dialog.ids.status.text == 'No station matches "zzzz"')
    assert dialog.ids.results.data == []
    assert [a["name"] for a in server.searches()] == ["wkar", "zzzz"]


def test_directory_down_says_so(window, tmp_path):
    from infra.http import HttpClient
    from infra.paths import Paths
    from library.controller import LibraryController
    from library.directory import Directory
    from library.user_catalogue import UserCatalogue
    from ui.search_dialog import SearchDialog

    paths = Paths(tmp_path / "c", tmp_path / "k", tmp_path / "s")
    http = HttpClient(tmp_path / "http", timeout=(1.0, 1.0), deadline_s=3.0)
    with DirectoryServer(status=500) as down:
        ctl = LibraryController(UserCatalogue(paths), Directory(http, [down.url]),
                                tasks=task_runner(), state_dir=paths.state_dir)
        d = SearchDialog(library=ctl)
        d.open_search()
        wait_until(lambda: d.ids.query.focus)
        type_text("kcur")
        wait_until(lambda: "500" in d.ids.status.text, what="the failure in words")
        screenshot(window, "search_dialog_unavailable")
        d.dismiss(animation=False)
        ctl.shutdown()
    http.close()


def test_result_rows_show_icons_or_the_initials(window, tmp_path):
    from infra.http import HttpClient
    from infra.paths import Paths
    from library.controller import LibraryController
    from library.directory import Directory
    from library.favicons import Favicons
    from library.user_catalogue import UserCatalogue
    from player.catalogue import logo_path
    from tests.support.directory_server import ICON_UUIDS, favicon_records
    from ui.search_dialog import SearchDialog

    paths = Paths(tmp_path / "c", tmp_path / "k", tmp_path / "s")
    http = HttpClient(tmp_path / "http", timeout=(1.0, 1.0), deadline_s=3.0)
    tasks = task_runner()
    with DirectoryServer([]) as server:
        server.records = favicon_records(server.url)
        ctl = LibraryController(UserCatalogue(paths), Directory(http, [server.url]),
                                tasks=tasks, state_dir=paths.state_dir,
                                stations=UserCatalogue(paths).load().stations,
                                favicons=Favicons(http, paths.cache_dir, tasks))
        d = SearchDialog(library=ctl)
        d.open_search()
        wait_until(lambda: d.ids.query.focus)
        type_text("icon")
        wait_until(lambda: len(d.ids.results.data) == len(ICON_UUIDS), what="the icon rows")
        wait_until(lambda: len(ctl.favicons.icons) == 1, what="the good icon")
        wait_until(lambda: sum(1 for p in server.paths() if p.startswith("/favicons/")) == 5)
        press(0)
        kinds = {r["index"]: ICON_UUIDS[ctl.results[r["index"]].id] for r in d.ids.results.data}

        def shown() -> dict[str, tuple[bool, bool]]:  # kind -> (icon shown, initials shown)
            return {kinds[v.index]: (v.ids.icon.opacity == 1 and v.ids.icon.texture is not None,
                                     v.ids.initials.opacity == 1) for v in rows(d) if v.index >= 0}

        wait_until(lambda: shown().get("good") == (True, False), what="the good row's icon")
        assert all(shown()[k] == (False, True) for k in kinds.values() if k != "good")
        assert rows(d)[0].ids.initials.text == "Icon"
        screenshot(window, "search_dialog_icons")
        good = next(i for i, k in kinds.items() if k == "good")
        click(rows(d)[good].ids.add)
        added = ctl.stations[-1]
        assert str(logo_path(added)) == ctl.favicons.icons[added.directory_uuid]
        wait_until(lambda: not ctl.saving)
        d.dismiss(animation=False)
        ctl.shutdown()
    http.close()
