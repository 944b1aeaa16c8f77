"""The keyboard map: each key of the help line does what it says."""

import pytest

from ui.keys import HELP, action_for


@pytest.mark.parametrize(("key", "char", "action"), [
    (32, " ", "toggle"), (273, None, "previous"), (274, None, "next"),
    (109, "m", "mute"), (61, "+", "volume_up"), (61, "=", "volume_up"),
    (270, None, "volume_up"), (45, "-", "volume_down"), (269, None, "volume_down"),
    (110, "n", "next_story"), (27, None, "close_reader"),
])
def test_keys(key, char, action):
    assert action_for(key, char, []) == action


def test_modified_keys_and_others_are_not_ours():
    assert action_for(110, "n", ["ctrl"]) is None
    assert action_for(113, "q", []) is None


def test_help_line_names_every_key():
    for words in ("Space", "Up/Down", "M mute", "+/- volume", "N next story", "Esc"):
        assert words in HELP


def test_library_keys():
    assert action_for(47, "/", []) == "search"
    assert action_for(102, "f", ["ctrl"]) == "search"
    assert action_for(127, None, []) == "remove"
    assert action_for(122, "z", ["ctrl"]) == "undo"
    assert action_for(283, None, []) == "rename"
    assert action_for(273, None, ["ctrl"]) == "move_up"
    assert action_for(274, None, ["alt"]) == "move_down"
    assert action_for(273, None, ["numlock"]) == "previous"  # lock keys are no modifiers
    assert action_for(122, "z", ["ctrl", "shift"]) is None
    for words in ("/ search", "F2 rename", "Del remove", "Ctrl+Z undo", "Ctrl+Up/Down move"):
        assert words in HELP


# -- the keys in the window, over the real controllers (fake audio) -------------------------
class LibraryApp:
    """OnAirApp built through main.Services from a catalogue file of the test stations,
    its library writing that file (as `onair --stations FILE` does)."""

    def __init__(self, window, tmp_path, stations) -> None:
        from player.catalogue import save_catalogue
        from player.stations import Catalogue

        self.window, self.tmp_path = window, tmp_path
        self.file = tmp_path / "stations.json"
        save_catalogue(Catalogue(stations, None), self.file)
        self.opened: list[str] = []
        self.app = None

    def start(self):
        from infra.paths import Paths
        from library.controller import LibraryController
        from library.user_catalogue import UserCatalogue
        from player.fake_backend import FakeBackend
        from services import Services
        from tests.ui.conftest import wait_until

        paths = Paths(self.tmp_path / "config", self.tmp_path / "cache", self.tmp_path / "state")
        self.services = svc = Services(str(self.file), paths=paths, env={})
        self.backend = FakeBackend()
        library = LibraryController(UserCatalogue(paths, str(self.file)), None,
                                    tasks=svc.tasks, state_dir=paths.state_dir,
                                    stations=svc.catalogue.stations, open_url=self.opened.append)
        self.app = svc.gui_app(player=svc.player(backend=self.backend), library=library)
        self.app.mount(self.window)
        wait_until(lambda: self.app.root.get_root_window() is not None)
        return self.app

    def stop(self) -> None:
        if self.app is not None:
            self.app.unmount(self.window)
            self.services.close()
            self.app = None


@pytest.fixture
def library_app(window, tmp_path, stations):
    runner = LibraryApp(window, tmp_path, stations)
    yield runner
    runner.stop()


def listed(app) -> list[str]:
    return [r["station_id"] for r in app.stations.data]


@pytest.mark.gui
def test_delete_removes_the_selected_station_and_ctrl_z_puts_it_back(library_app, window):
    from tests.ui.conftest import press, screenshot, wait_until

    app = library_app.start()
    assert app.player.station.id == "kcur"
    assert press(127)
    wait_until(lambda: listed(app) == ["kuhf", "wkar"])
    help_line = app.root.ids.help
    assert help_line.text == "Removed KCUR 89.3" and app.root.ids.undo.opacity == 1
    assert "Removed KCUR 89.3" in app.visible_state()["sections"]["notice"]
    screenshot(window, "app_removed_with_undo")
    assert press(122, "z", ("ctrl",))
    wait_until(lambda: listed(app) == ["kcur", "kuhf", "wkar"])
    assert app.root.ids.undo.opacity == 0
    assert app.player.station.id == "kuhf"  # selected when its neighbour went
    press(273)  # Up: the station put back
    assert app.player.station.id == "kcur"


@pytest.mark.gui
def test_delete_while_playing_plays_on(library_app):
    from tests.ui.conftest import press, wait_until

    app = library_app.start()
    press(32, " ")
    wait_until(lambda: app.player.state == "playing")
    press(127)
    wait_until(lambda: listed(app) == ["kuhf", "wkar"])
    assert app.player.station.id == "kcur" and app.player.state == "playing"
    press(274)  # Down: the first of the list
    wait_until(lambda: app.player.station.id == "kuhf" and app.player.state == "playing")


@pytest.mark.gui
def test_f2_renames_and_the_other_keys_are_the_fields(library_app, window):
    from tests.ui.conftest import press, wait_until
    from tests.ui.test_search_dialog import type_text

    app = library_app.start()
    assert press(283)
    field = app.stations.view_adapter.get_visible_view(0).ids.rename
    wait_until(lambda: field.focus, what="the rename field focused")
    type_text("Kay Sea mn")  # 'm' and 'n' and space: letters here, not mute/story/play
    assert not app.player.muted and app.player.state == "stopped"
    press(13)
    wait_until(lambda: app.library.stations[0].name == "Kay Sea mn")
    wait_until(lambda: not app.library.saving)
    from player.catalogue import read_catalogue

    assert read_catalogue(library_app.file).stations[0].name == "Kay Sea mn"
    wait_until(lambda: app.bar.ids.station_name.text == "Kay Sea mn")  # the bar follows
    assert app.player.station.name == "Kay Sea mn" and app.player.state == "stopped"
    press(109, "m")
    assert app.player.muted  # the keys are the app's again


@pytest.mark.gui
def test_ctrl_up_down_move_the_selected_station(library_app):
    from tests.ui.conftest import press, wait_until

    app = library_app.start()
    press(274, None, ("ctrl",))
    wait_until(lambda: listed(app) == ["kuhf", "kcur", "wkar"])
    press(274, None, ("alt",))
    wait_until(lambda: listed(app) == ["kuhf", "wkar", "kcur"])
    press(273, None, ("ctrl",))
    wait_until(lambda: listed(app) == ["kuhf", "kcur", "wkar"])
    assert app.root.station_rows == 3
    wait_until(lambda: not app.library.saving)
    assert app.guide.roster.stations == tuple(app.library.stations)
    from player.catalogue import read_catalogue

    assert [s.id for s in read_catalogue(library_app.file).stations] == listed(app)


@pytest.mark.gui
def test_slash_opens_the_search_whose_field_takes_the_keys(library_app, window):
    from tests.ui.conftest import press, wait_until
    from tests.ui.test_search_dialog import type_text

    app = library_app.start()
    assert press(47, "/")
    wait_until(lambda: app.search is not None and app.search.ids.query.focus)
    type_text("m n")
    assert app.search.ids.query.text == "m n"
    assert not app.player.muted and app.player.state == "stopped"
    assert app.visible_state()["sections"]["search"][0] == "Add a station"
    press(27)
    assert not app.search.is_open
    press(102, "f", ("ctrl",))
    wait_until(lambda: app.search.is_open and app.search.ids.query.focus)
    assert app.search.ids.query.text == "m n"  # the query is kept
    press(27)


@pytest.mark.gui
def test_the_add_button_opens_the_search(library_app):
    from tests.ui.conftest import click, wait_until

    app = library_app.start()
    click(app.root.ids.add_station)
    wait_until(lambda: app.search is not None and app.search.is_open)
    app.search.dismiss(animation=False)


@pytest.mark.gui
def test_support_opens_the_playing_stations_page(window, tmp_path, stations):
    from dataclasses import replace

    from tests.ui.conftest import click, screenshot, wait_until

    kcur = replace(stations[0], support="https://www.kcur.org/donate")
    wkar = replace(stations[2], support="https://www.wkar.org/support")
    runner = LibraryApp(window, tmp_path, (kcur, stations[1], wkar))
    try:
        app = runner.start()
        support = app.bar.ids.support
        wait_until(lambda: support.text == "Support KCUR 89.3" and support.opacity == 1)
        screenshot(window, "app_support_button")
        click(support)
        wait_until(lambda: runner.opened == ["https://www.kcur.org/donate"])
        app.do("next")  # no donation page: no button
        wait_until(lambda: support.text == "" and support.opacity == 0 and support.disabled)
        app.do("next")
        wait_until(lambda: support.text == "Support WKAR 90.5")
        # A page that is no http(s) never opens (the catalogue refuses it too).
        assert not app.library.open_support(replace(wkar, support="javascript:alert(1)"))
    finally:
        runner.stop()
