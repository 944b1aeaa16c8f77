"""The README's screenshots, made from the real window: docs/screenshots/*.png.

The whole app in the test window over the demo metadata server (schedule, stories, the
newscast on loopback) and PLAY's fake audio backend (so every state can be shown at will):
playing, reconnecting, error, a story open, the light theme and the settings view. Each
test saves its PNG in test-artifacts/screenshots/ and checks it is a real picture of the
window (its size, many colours, the words of its state on screen). With
ONAIR_SCREENSHOTS=docs/screenshots (`make screenshots`) they go to the README's folder
instead, so a plain test run leaves the committed pictures alone.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.ui.conftest import press, pump, wait_until

pytestmark = pytest.mark.gui
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / os.environ.get("ONAIR_SCREENSHOTS", "test-artifacts/screenshots")
STATE_WORDS = {"playing": "Playing", "connecting": "Connecting…"}


@pytest.fixture(autouse=True)
def dark_again():
    yield
    from ui.theme import THEME

    THEME.apply("dark", 1.0)


@pytest.fixture
def demo_app(window, tmp_path, site, media):
    """The app over the demo catalogue (demo metadata, fake audio), in the test window."""
    from infra.paths import Paths
    from player.catalogue import parse_catalogue
    from player.fake_backend import FakeBackend
    from player.recovery import RetryPolicy
    from services import Services
    from tests.support.demo_data import demo_catalogue

    doc = demo_catalogue(site, lambda mount: f"http://127.0.0.1:9{mount}", media)
    catalogue = parse_catalogue(json.dumps(doc).encode(), "demo stations.json")
    paths = Paths(tmp_path / "config", tmp_path / "cache", tmp_path / "state")
    services = Services(paths=paths, catalogue=catalogue)
    backend = FakeBackend()
    player = services.player(backend=backend, policy=RetryPolicy(max_tries=2, base_s=2.0),
                             describe=lambda url: "connection refused")
    app = services.gui_app(player=player)
    app.mount(window)
    app.backend = backend
    wait_until(lambda: app.guide.current is not None, 15, "the demo schedule")
    wait_until(lambda: app.news_panel.ids.get("newscast_play") is not None and
               len(app.news.stories) >= 3, 15, "the demo stories")
    yield app
    app.unmount(window)
    services.close()


def save(window, name: str) -> Path:
    """The window as SHOTS/<name>.png, checked to be a real picture of it."""
    from kivy.core.image import Image

    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    pump(3)
    saved = Path(window.screenshot(name=str(path)))
    saved.replace(path)
    image = Image.load(str(path), keep_data=True)
    assert (image.width, image.height) == tuple(window.size)
    colours = {tuple(image.read_pixel(x, y)) for x in range(0, image.width, 16)
               for y in range(0, image.height, 16)}
    assert len(colours) > 40, f"{path} is nearly blank ({len(colours)} colours)"
    assert path.stat().st_size > 20_000
    return path


def bar_text(app) -> str:
    from ui.debug_state import visible_texts

    return "\n".join(visible_texts(app.bar))


def test_playing(demo_app, window):
    demo_app.player.play()
    wait_until(lambda: demo_app.player.state == "playing", 10, "playing")
    demo_app.backend.set_title("Count Basie Orchestra - April in Paris")
    wait_until(lambda: "April in Paris" in bar_text(demo_app), what="the stream title")
    assert "LIVE" in bar_text(demo_app)
    save(window, "playing")


def test_reconnecting(demo_app, window):
    demo_app.player.play()
    wait_until(lambda: demo_app.player.state == "playing", 10, "playing")
    demo_app.backend.unreachable.add(demo_app.player.station.streams[0].url)
    demo_app.backend.drop()
    wait_until(lambda: "Reconnecting in" in bar_text(demo_app), 10, "reconnecting")
    assert "LIVE" not in bar_text(demo_app)
    save(window, "reconnecting")


def test_error(demo_app, window):
    demo_app.backend.unreachable.add(demo_app.player.station.streams[0].url)
    demo_app.player.play()
    wait_until(lambda: demo_app.player.state == "error", 30, "the error")
    assert "Error: " in bar_text(demo_app)
    save(window, "error")


def test_story_open(demo_app, window):
    demo_app.player.play()
    press(110, "n")
    wait_until(lambda: demo_app.reader.is_open, what="the story open")
    save(window, "news_open")


def test_light_theme(demo_app, window):
    from ui.theme import THEME

    demo_app.player.play()
    wait_until(lambda: demo_app.player.state == "playing", 10, "playing")
    demo_app.look.settings = demo_app.look.settings.with_(theme="light")
    wait_until(lambda: THEME.scheme == "light", what="light")
    save(window, "light_theme")


def test_settings(demo_app, window):
    demo_app.open_settings()
    wait_until(lambda: demo_app.look.settings_open(), what="the settings view")
    save(window, "settings")
