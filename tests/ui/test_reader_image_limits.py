"""The story reader in a real window with images over and at the pixel cap, from a loopback
server: an oversized PNG (a few dozen kB declaring 30000x30000) shows the placeholder, the
largest image the cap allows shows fitted to the display size, and a normal one still shows.
"""

from __future__ import annotations

import pytest

from infra.image_decode import STORY_DISPLAY_PIXELS, decode, kivy_image
from tests.support.big_images import solid_png
from tests.support.feeds import tiny_png
from tests.ui.conftest import screenshot, wait_until
from tests.ui.test_reader import news, reader, story  # noqa: F401 - the fixtures

pytestmark = pytest.mark.gui
ORANGE = (200, 80, 40, 255)


def test_an_oversized_story_image_shows_the_placeholder_and_a_normal_one_shows(
        reader, httpserver, window) -> None:  # noqa: F811 - the fixture
    httpserver.expect_request("/bomb.png").respond_with_data(solid_png(30000, 30000),
                                                             content_type="image/png")
    httpserver.expect_request("/8k.png").respond_with_data(solid_png(8000, 8000),
                                                           content_type="image/png")
    httpserver.expect_request("/lead.png").respond_with_data(tiny_png(320, 180),
                                                             content_type="image/png")
    for name in ("bomb.png", "8k.png"):
        reader.show(story(httpserver.url_for(f"/{name}"), title="A bomb for a lead image"))
        wait_until(lambda: reader.image_state == "failed", 15, f"the placeholder for {name}")
        assert reader.ids.image_placeholder.text == "Image unavailable"
        assert reader.ids.image.texture is None
    screenshot(window, "reader-image-oversized")
    reader.show(story(httpserver.url_for("/lead.png")))
    wait_until(lambda: reader.image_state == "ready", 10, "the normal image")
    assert reader.ids.image.texture.size == (320, 180)


def test_the_largest_image_the_cap_allows_shows_at_display_size(
        reader, httpserver, window) -> None:  # noqa: F811 - the fixture
    httpserver.expect_request("/max.png").respond_with_data(solid_png(4096, 4096, ORANGE),
                                                            content_type="image/png")
    reader.show(story(httpserver.url_for("/max.png")))
    wait_until(lambda: reader.image_state == "ready", 20, "the 4096x4096 image")
    assert reader.ids.image.texture.size == STORY_DISPLAY_PIXELS
    assert bytes(reader.ids.image.texture.pixels[:4]) == bytes(ORANGE)


def test_a_decoded_image_becomes_a_texture_of_its_size(tmp_path, window) -> None:
    path = tmp_path / "wide.png"
    path.write_bytes(solid_png(4000, 1000, ORANGE))
    pixels = decode(path)
    assert pixels is not None
    texture = kivy_image(pixels).texture
    assert texture.size == (2000, 500)
    assert bytes(texture.pixels[:4]) == bytes(ORANGE)
