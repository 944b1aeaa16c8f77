"""The story reader in a real window: every field of a story, escaped, and its lead image."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from news.model import Story, StoryImage
from tests.support.feeds import tiny_png
from tests.support.tasks import task_runner
from tests.ui.conftest import pump, screenshot, wait_until
from ui.markup import escape

pytestmark = pytest.mark.gui
TRAP = "[color=ff0000]x[/color] Streetcar extension & the [b]vote[/b]"
CHICAGO = ZoneInfo("America/Chicago")


def story(image_url: str | None, title: str = TRAP) -> Story:
    image = StoryImage(image_url, "Riders board at [Union] Station.", "Jane Doe / KCUR") \
        if image_url else None
    return Story(
        title=title, url="https://www.kcur.org/news/x",
        published=datetime(2026, 11, 28, 13, 5, tzinfo=UTC),
        updated=datetime(2026, 11, 28, 15, 30, tzinfo=UTC),
        authors=("Jane Doe", "Sam [i]Roe[/i]"), byline="By Jane Doe and Sam [i]Roe[/i]",
        image=image, summary="The vote clears the way.",
        body=("The council voted 10-3 on Thursday [to approve] the funding.",
              "Supporters said the line would connect neighborhoods.",
              "Opponents questioned the cost."))


@pytest.fixture
def news(tmp_path):
    from infra.http import HttpClient
    from news.controller import NewsController

    http = HttpClient(cache_dir=tmp_path / "http")
    controller = NewsController(http, tmp_path / "cache", tasks=task_runner())
    yield controller
    controller.shutdown()
    http.close()


@pytest.fixture
def reader(news, show):
    from ui.reader import StoryReader

    return show(StoryReader(news, local=CHICAGO))


def rendered(label) -> tuple[str, set]:
    """The text the markup renderer drew, and the colours it drew it in."""
    label.texture_update()
    words = [w for line in label._label._cached_lines for w in line.words]
    return "".join(w.text for w in words), {tuple(w.options["color"]) for w in words}


def test_reader_shows_every_field_and_the_image_once_downloaded(reader, news, httpserver,
                                                               window) -> None:
    httpserver.expect_request("/lead.png").respond_with_data(
        tiny_png(320, 180), content_type="image/png")
    assert not reader.is_open
    reader.show(story(httpserver.url_for("/lead.png")))
    assert reader.is_open
    assert reader.ids.image_placeholder.text == "Loading image…"
    assert reader.ids.byline.text == escape("By Jane Doe and Sam [i]Roe[/i]")
    assert reader.ids.dates.text == ("Saturday, November 28, 2026, 7:05 AM CST"
                                     " · Updated 9:30 AM CST")
    assert reader.ids.caption.text == escape("Riders board at [Union] Station. · Jane Doe / KCUR")
    paragraphs = list(reversed(reader.ids.body.children))
    assert [w.text for w in paragraphs] == list(story(None).body)  # "[to approve]" as is
    assert not any(w.markup for w in paragraphs)
    wait_until(lambda: reader.image_state == "ready", 10, "the lead image")
    assert reader.ids.image.texture.size == (320, 180)
    assert reader.ids.image_placeholder.text == ""
    screenshot(window, "reader-story")


def test_title_with_kivy_markup_is_shown_literally(reader) -> None:
    reader.show(story(None))
    title = reader.ids.title
    assert title.markup and title.text == escape(TRAP)
    text, colours = rendered(title)
    assert text == TRAP
    assert colours == {tuple(title.color)}  # one run in the label's colour: no red
    assert reader.ids.image_box.height == 0


def test_long_body_is_laid_out_over_several_frames(reader) -> None:
    from ui.reader import BODY_CHARS_PER_FRAME

    paragraph = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 14
    long = story(None)
    long = Story(**{**long.__dict__, "body": tuple(f"{n}. {paragraph}" for n in range(60))})
    reader.show(long)
    first = len(reader.ids.body.children)
    assert 0 < first * len(paragraph) <= BODY_CHARS_PER_FRAME + len(paragraph)
    wait_until(lambda: len(reader.ids.body.children) == 60, 10, "the whole body")
    assert reader.ids.body.children[0].text.startswith("59. ")
    reader.close()
    assert reader.ids.body.children == []


def test_image_failure_shows_the_placeholder(reader, httpserver, window) -> None:
    httpserver.expect_request("/gone.png").respond_with_data("no", status=404)
    reader.show(story(httpserver.url_for("/gone.png"), title="Jazz district turns 100"))
    wait_until(lambda: reader.image_state == "failed", 10, "the image failure")
    assert reader.ids.image_placeholder.text == "Image unavailable"
    assert reader.ids.image_box.height > 0
    screenshot(window, "reader-image-failed")


def test_close_empties_the_reader_and_ignores_a_late_image(reader, httpserver,
                                                          tmp_path) -> None:
    httpserver.expect_request("/late.png").respond_with_data(
        tiny_png(), content_type="image/png")
    reader.show(story(httpserver.url_for("/late.png")))
    reader.close()
    assert not reader.is_open and reader.ids.body.children == []
    other = story(None, title="Second story")
    reader.show(other)
    assert reader.ids.title.text == "Second story"
    wait_until(lambda: list((tmp_path / "cache" / "images").glob("*.png")), 10,
               "the first story's image on disk")
    pump(5)  # its on_done is delivered through the clock
    assert reader.image_state == "none" and reader.image_path == ""


def test_undecodable_image_shows_the_placeholder(reader, httpserver) -> None:
    httpserver.expect_request("/cut.png").respond_with_data(
        tiny_png(320, 180)[:40], content_type="image/png")  # a PNG signature, cut short
    reader.show(story(httpserver.url_for("/cut.png")))
    wait_until(lambda: reader.image_state == "failed", 10, "the decode failure")
    assert reader.ids.image_placeholder.text == "Image unavailable"


def test_reopening_a_story_shows_its_image_again(reader, httpserver) -> None:
    httpserver.expect_request("/again.png").respond_with_data(
        tiny_png(64, 48), content_type="image/png")
    same = story(httpserver.url_for("/again.png"))
    reader.show(same)
    wait_until(lambda: reader.image_state == "ready", 10, "the first showing")
    reader.close()
    reader.show(same)
    assert reader.image_state == "loading"
    wait_until(lambda: reader.image_state == "ready", 10, "the second showing")
    assert reader.ids.image.texture.size == (64, 48)
