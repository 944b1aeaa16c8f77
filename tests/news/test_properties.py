"""Property tests: arbitrary input into the parsers gives a result or the project's error."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.errors import OnAirError
from infra.html_text import html_to_text, plain
from news.feeds import parse_station_feed
from news.newscast import parse_duration, parse_newscast
from tests.support.feeds import station_rss

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
TAGS = st.sampled_from(["<p>", "</p>", "<br>", "<li>", "<script>", "</script>", "<iframe>",
                        "<svg>", "</svg>", "<img src='https://e.org/x.jpg'>", "&amp;", "&#0;",
                        "&#x110000;", "[b]", "<!--", "-->", "<![CDATA[", "]]>", "<", ">"])
HTMLISH = st.lists(st.one_of(st.text(max_size=20), TAGS), max_size=30).map("".join)


@SETTINGS
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_into_the_feed_parsers(data: bytes) -> None:
    for parse in (parse_station_feed, parse_newscast):
        try:
            parse(data, "Test feed")
        except OnAirError as err:
            assert str(err).startswith("Test feed: ")


@SETTINGS
@given(st.lists(st.fixed_dictionaries({}, optional={
    "title": st.text(max_size=40), "description": HTMLISH, "content": HTMLISH,
    "creators": st.lists(st.text(max_size=15), max_size=3),
    "link": st.text(max_size=30), "published": st.text(max_size=30),
}), max_size=4))
def test_arbitrary_item_text_gives_plain_stories(items: list[dict]) -> None:
    try:
        stories = parse_station_feed(station_rss(items), "Test feed")
    except OnAirError:
        return
    for story in stories:
        for text in (story.title, story.summary, *story.body, *story.authors):
            assert "<script" not in text.lower()
            assert not any(ord(c) < 32 and c != "\n" for c in text)
        assert story.url == "" or story.url.startswith(("http://", "https://"))


@SETTINGS
@given(HTMLISH)
def test_arbitrary_text_into_html_text(html: str) -> None:
    got = html_to_text(html, max_chars=500)
    assert sum(len(p) for p in got.paragraphs) <= 500
    assert all(p and p == p.strip() for p in got.paragraphs)
    line = plain(html)
    assert "\n" not in line and line == line.strip()


@SETTINGS
@given(st.text(max_size=20))
def test_arbitrary_duration_text(text: str) -> None:
    got = parse_duration(text)
    assert got is None or 0 < got <= 86400
