"""The whole window with real controllers (fake audio backend): first start, keys, prefs."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from tests.support.feeds import demo_stories, station_rss, tiny_png
from tests.ui.conftest import press, screenshot, wait_until

pytestmark = pytest.mark.gui

SPACE, UP, DOWN, ESC = 32, 273, 274, 27


@pytest.fixture
def news_stations(httpserver, stations):
    """The test stations with a station RSS feed (and story images) on a loopback server."""
    base = httpserver.url_for("").rstrip("/")
    for n in range(1, 7):
        httpserver.expect_request(f"/images/story-{n}.png").respond_with_data(
            tiny_png(), content_type="image/png")
    feeds = []
    for station in stations:
        path = f"/{station.id}/news.rss"
        httpserver.expect_request(path).respond_with_data(
            station_rss(demo_stories(base), title=station.name),
            content_type="application/rss+xml")
        feeds.append(replace(station, news_feed=base + path))
    return tuple(feeds)


class AppRunner:
    """Builds OnAirApp in the test window, like App.run() without the blocking loop."""

    def __init__(self, window, tmp_path, stations) -> None:
        self.window, self.tmp_path, self.stations = window, tmp_path, stations
        self.app = None
        self.backend = None

    def start(self):
        from infra.paths import Paths
        from player.catalogue import Catalogue
        from player.fake_backend import FakeBackend
        from player.recovery import RetryPolicy
        from services import Services

        paths = Paths(self.tmp_path / "config", self.tmp_path / "cache", self.tmp_path / "state")
        self.services = Services(paths=paths, catalogue=Catalogue(self.stations, None))
        self.backend = FakeBackend()
        player = self.services.player(backend=self.backend,
                                      policy=RetryPolicy(max_tries=2, base_s=0.3),
                                      describe=lambda url: "connection refused")
        self.app = self.services.gui_app(player=player)
        self.app.mount(self.window)
        wait_until(lambda: self.app.root.get_root_window() is not None)
        return self.app

    def stop(self) -> None:
        if self.app is None:
            return
        self.app.unmount(self.window)
        self.services.close()
        self.app = None


@pytest.fixture
def runner(window, tmp_path, news_stations):
    r = AppRunner(window, tmp_path, news_stations)
    yield r
    r.stop()


def test_first_start_selects_first_station_and_space_plays_it(runner, window):
    app = runner.start()
    wait_until(lambda: app.player.station is not None)
    assert app.player.station.id == "kcur"
    assert app.player.state == "stopped"
    assert app.bar.ids.station_name.text == "KCUR 89.3"
    assert press(SPACE, " ")
    wait_until(lambda: app.player.state == "playing")
    assert runner.backend.url.endswith("/kcur.mp3")
    wait_until(lambda: len(app.news.stories) == 6, what="stories")
    wait_until(lambda: app.news_panel.ids.stories.data, what="story rows")
    screenshot(window, "app_playing")
    assert press(SPACE, " ")
    wait_until(lambda: app.player.state == "paused")


def test_up_down_select_and_play_at_once_while_playing(runner):
    app = runner.start()
    press(DOWN)
    assert app.player.station.id == "kuhf" and app.player.state == "stopped"
    press(SPACE, " ")
    wait_until(lambda: app.player.state == "playing")
    press(DOWN)
    wait_until(lambda: app.player.station.id == "wkar" and app.player.state == "playing")
    assert runner.backend.url.endswith("/wkar.mp3")
    press(DOWN)  # the last station stays selected
    assert app.player.station.id == "wkar"
    press(UP)
    wait_until(lambda: runner.backend.url.endswith("/kuhf.mp3") and app.player.state == "playing")
    wait_until(lambda: any(r["playing"] and r["station_id"] == "kuhf"
                           for r in app.stations.data))


def test_mute_and_volume_keys(runner):
    app = runner.start()
    volume = app.player.volume
    press(109, "m")
    assert app.player.muted and app.bar.ids.mute.icon == "muted"
    press(61, "+")
    assert app.player.volume == min(100, volume + 5)
    press(45, "-")
    press(45, "-")
    assert app.player.volume == min(100, volume + 5) - 10
    press(109, "m")
    assert not app.player.muted


def test_n_opens_next_story_and_esc_closes_it(runner, window):
    app = runner.start()
    wait_until(lambda: len(app.news_panel.ids.stories.data) == 6, timeout=10, what="stories")
    assert press(110, "n")
    wait_until(lambda: app.reader.is_open)
    first = app.news.stories[0].title
    assert app.reader.story.title == first
    assert app.reader.get_parent_window() is not None
    assert app.news_panel.parent is None  # the reader took the news column
    wait_until(lambda: app.reader.image_state in ("ready", "failed"), timeout=10)
    screenshot(window, "app_reader")
    press(110, "n")
    wait_until(lambda: app.reader.story.title == app.news.stories[1].title)
    assert press(ESC)
    wait_until(lambda: not app.reader.is_open and app.news_panel.parent is not None)
    assert app.reader.parent is None


def test_prefs_remembered_across_two_builds(runner, tmp_path):
    app = runner.start()
    press(DOWN)
    app.player.set_volume(40)
    press(109, "m")
    runner.window.size = (900, 650)
    runner.stop()
    saved = json.loads((tmp_path / "state" / "prefs.json").read_text())
    assert saved == {"last_station": "kuhf", "volume": 40, "muted": True,
                     "window_size": [900, 650], "autoplay": False}

    runner.window.size = (1024, 700)
    app = runner.start()
    assert app.player.station.id == "kuhf"
    assert app.player.state == "stopped"
    assert app.player.volume == 40 and app.player.muted
    assert tuple(runner.window.size) == (900, 650)


def test_autoplay_plays_the_last_station_on_start(runner, tmp_path):
    state = tmp_path / "state"
    state.mkdir(parents=True)
    (state / "prefs.json").write_text(json.dumps({"last_station": "wkar", "autoplay": True}))
    app = runner.start()
    wait_until(lambda: app.player.state == "playing")
    assert runner.backend.url.endswith("/wkar.mp3")


def test_corrupt_prefs_start_like_the_first_time(runner, tmp_path):
    state = tmp_path / "state"
    state.mkdir(parents=True)
    (state / "prefs.json").write_text("{\x00 garbage")
    app = runner.start()
    assert app.player.station.id == "kcur" and app.player.state == "stopped"
    (kept,) = state.glob("prefs.json.corrupt-*")
    assert kept.read_text() == "{\x00 garbage"


def test_window_minimum_size_and_help_line(runner):
    app = runner.start()
    assert (runner.window.minimum_width, runner.window.minimum_height) == (800, 600)
    assert "Space play/pause" in app.root.ids.help.text


@pytest.mark.parametrize("size", [(800, 600), (1920, 1080)])
def test_layout_fits_from_minimum_to_full_screen(runner, size):
    app = runner.start()
    runner.window.size = size
    wait_until(lambda: app.root.width == size[0] and app.root.height == size[1])
    wait_until(lambda: len(app.news_panel.ids.stories.data) == 6, timeout=10)
    bar = app.bar.ids
    for name in ("play", "stop", "mute", "volume"):
        x, _y = bar[name].to_window(bar[name].right, bar[name].y)
        assert x <= size[0], f"{name} cut off at {size}"
    assert bar.status.width > 150 and bar.program_title.width > 150
    assert app.stations.height >= 2 * 64  # at least two rows show
    assert app.news_panel.width > app.stations.width
    screenshot(runner.window, f"app_{size[0]}x{size[1]}")


def test_stations_card_fits_its_rows_and_up_next_gets_the_rest(runner):
    from kivy.metrics import dp

    from ui import theme

    app = runner.start()
    runner.window.size = (1100, 720)
    card = app.root.ids.stations_slot.parent
    three_rows = dp(44 + theme.RADIUS + 3 * theme.ROW_H)
    wait_until(lambda: app.root.height == 720 and card.height == three_rows, what="card height")
    assert app.stations.height >= 3 * dp(theme.ROW_H) - 1, "all three rows show at once"
    assert app.root.ids.up_next_slot.height > card.height


def test_a_long_catalogue_scrolls_in_at_most_44_percent(window, tmp_path):
    from kivy.metrics import dp

    from tests.ui.conftest import make_station
    from ui import theme

    many = tuple(make_station(f"s{n:02}", f"Station {n}") for n in range(12))
    runner = AppRunner(window, tmp_path, many)
    try:
        app = runner.start()
        window.size = (1100, 720)
        card = app.root.ids.stations_slot.parent
        column = card.parent
        wait_until(lambda: app.root.height == 720
                   and abs(card.height - (column.height - dp(theme.PAD)) * .44) < 1,
                   what="card capped at 44% of the column")
        wait_until(lambda: app.stations.children[0].height > app.stations.height,
                   what="the list scrolls")
    finally:
        runner.stop()
