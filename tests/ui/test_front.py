"""`onair gui STATION` and a second app's wish, in this process's window (fake audio): the
named station plays at start whatever autoplay says; a wish handed to the running app
(ui.front.WindowFront) plays its station, and an unknown one changes nothing. (The real
second process, under a window manager: tests/ui/test_single_instance.py.)"""

from __future__ import annotations

import pytest

from tests.ui.conftest import wait_until
from tests.ui.test_app import AppRunner, news_stations

pytestmark = pytest.mark.gui
__all__ = ["news_stations"]  # a fixture of tests/ui/test_app.py


class RequestedRunner(AppRunner):
    """AppRunner, the app built as cli.run_gui builds it: `onair gui STATION`'s station,
    and the WindowFront that takes a second app's wishes."""

    requested: str | None = None
    front = None

    def start(self):
        from services import Services
        from ui.front import WindowFront

        built = Services.gui_app

        def gui_app(svc, **kw):
            app = built(svc, **kw)
            app.requested_station = self.requested
            self.front = WindowFront(app)
            return app

        Services.gui_app = gui_app
        try:
            return super().start()
        finally:
            Services.gui_app = built


@pytest.fixture
def runner(window, tmp_path, news_stations):
    r = RequestedRunner(window, tmp_path, news_stations)
    yield r
    r.stop()


def test_a_station_named_on_the_command_line_plays_at_start(runner):
    runner.requested = "wkar"  # autoplay is off (the first start)
    app = runner.start()
    wait_until(lambda: app.player.state == "playing")
    assert app.player.station.id == "wkar" and runner.backend.url.endswith("/wkar.mp3")


def test_a_second_apps_wish_plays_its_station_in_the_running_window(runner):
    app = runner.start()
    front = runner.front
    assert app.player.state != "playing"
    front.bring_forward("not-a-station")
    assert app.player.state != "playing"
    front.bring_forward("kuhf")
    wait_until(lambda: app.player.state == "playing")
    assert app.player.station.id == "kuhf" and runner.backend.url.endswith("/kuhf.mp3")
    front.bring_forward(None)  # only forward: the station plays on
    assert app.player.station.id == "kuhf"
