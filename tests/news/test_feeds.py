"""Station RSS to stories: the fields a listener sees, image fallbacks, and broken feeds."""

from datetime import UTC, datetime, timedelta

import pytest

from infra.errors import SourceUnavailable
from news.feeds import parse_station_feed
from news.model import Story
from tests.support.feeds import demo_stories, station_rss

SRC = "KCUR 89.3 news feed"
T0 = datetime(2024, 7, 23, 14, 5, tzinfo=UTC)


def one(story: dict) -> Story:
    stories = parse_station_feed(station_rss([story]), SRC)
    assert len(stories) == 1
    return stories[0]


def test_a_full_item_gives_every_field() -> None:
    s = one({
        "title": "Council approves streetcar money",
        "link": "https://www.kcur.org/news/streetcar",
        "description": "<p>The vote was <b>10-3</b>.</p>",
        "content": '<img src="https://www.kcur.org/inline.jpg"><p>First para.</p><p>Second.</p>',
        "published": "Tue, 23 Jul 2024 09:05:00 -0500",
        "creators": ["Celisa Calacal", "Frank Morris"],
        "image": {"url": "https://www.kcur.org/lead.jpg", "title": "The council chamber",
                  "credit": "Carlos Moreno / KCUR 89.3"},
    })
    assert s.title == "Council approves streetcar money"
    assert s.url == "https://www.kcur.org/news/streetcar"
    assert s.published == T0 and s.published.utcoffset() == timedelta(0)
    assert s.updated is None
    assert s.authors == ("Celisa Calacal", "Frank Morris")
    assert s.byline == "By Celisa Calacal and Frank Morris"
    assert s.image is not None and s.image.url == "https://www.kcur.org/lead.jpg"
    assert s.image.caption == "The council chamber"
    assert s.image.credit == "Carlos Moreno / KCUR 89.3"
    assert s.summary == "The vote was 10-3."
    assert s.body == ("First para.", "Second.")


def test_json_shape_matches_design() -> None:
    doc = one({"title": "T", "link": "https://e.org/x", "published": T0,
               "image": {"url": "https://e.org/i.jpg"}}).to_json()
    assert set(doc) == {"title", "url", "published", "updated", "authors", "byline", "image",
                        "summary", "body"}
    assert doc["published"] == "2024-07-23T14:05:00+00:00" and doc["updated"] is None
    assert doc["image"] == {"url": "https://e.org/i.jpg", "caption": "", "credit": ""}
    assert doc["authors"] == [] and doc["body"] == []


@pytest.mark.parametrize(("names", "byline"), [
    ([], ""), (["A"], "By A"), (["A", "B"], "By A and B"), (["A", "B", "C"], "By A, B and C"),
    (["A", "A", "B"], "By A and B"), (["By Jane Doe", " ", "&lt;b&gt;Ann&lt;/b&gt;"],
                                       "By Jane Doe and Ann"),
])
def test_byline_from_every_dc_creator(names: list[str], byline: str) -> None:
    s = one({"title": "T", "creators": names})
    assert s.byline == byline


def test_enclosure_image_when_no_media_content() -> None:
    s = one({"title": "T", "enclosure": {"url": "https://e.org/enc.jpg", "type": "image/jpeg"}})
    assert s.image is not None and s.image.url == "https://e.org/enc.jpg"


def test_media_thumbnail_when_no_other_image() -> None:
    rss = station_rss([{"title": "T", "content": "<p>x</p>"}]).replace(
        b"<title>T</title>", b'<title>T</title><media:thumbnail url="https://e.org/thumb.jpg"/>')
    stories = parse_station_feed(rss, SRC)
    assert stories[0].image is not None and stories[0].image.url == "https://e.org/thumb.jpg"


def test_audio_enclosure_is_not_an_image_and_body_image_is_the_fallback() -> None:
    s = one({"title": "T", "enclosure": {"url": "https://e.org/a.mp3", "type": "audio/mpeg"},
             "content": '<p>x</p><img src="/img/body.jpg" alt="Alt text">',
             "link": "https://www.kcur.org/news/t"})
    assert s.image is not None
    assert (s.image.url, s.image.caption) == ("https://www.kcur.org/img/body.jpg", "Alt text")


def test_image_urls_that_are_not_http_are_refused() -> None:
    s = one({"title": "T", "image": {"url": "javascript:alert(1)"},
             "enclosure": {"url": "file:///etc/passwd", "type": "image/png"},
             "content": '<img src="data:image/png;base64,AAAA">'})
    assert s.image is None


def test_link_that_is_not_http_becomes_empty() -> None:
    assert one({"title": "T", "link": "javascript:alert(1)"}).url == ""


def test_scripts_and_kivy_markup_come_out_as_plain_text() -> None:
    s = one({
        "title": "[b]Big[/b] news <script>steal()</script>[color=ff0000]red[/color]",
        "description": "<p>[ref=x]click[/ref]</p><script>alert(1)</script>",
        "content": "<p>Body [b]bold[/b]</p><script>document.cookie</script>"
                   "<iframe src='https://evil.example'></iframe><p>[color=ff0000]x[/color]</p>",
        "creators": ["[b]Reporter[/b]"],
    })
    assert s.title == "[b]Big[/b] news [color=ff0000]red[/color]"
    assert s.summary == "[ref=x]click[/ref]"
    assert s.body == ("Body [b]bold[/b]", "[color=ff0000]x[/color]")
    assert s.byline == "By [b]Reporter[/b]"
    text = repr(s.to_json())
    assert "script" not in text and "alert" not in text and "cookie" not in text
    assert "<" not in text and "evil" not in text


def test_summary_falls_back_to_first_body_paragraph_and_body_to_description() -> None:
    assert one({"title": "T", "content": "<p>Lead.</p><p>More.</p>"}).summary == "Lead."
    assert one({"title": "T", "description": "<p>Only teaser.</p>"}).body == ("Only teaser.",)


def test_stories_newest_first_undated_last_and_capped() -> None:
    items = [{"title": f"s{i}", "published": T0 + timedelta(hours=i)} for i in range(5)]
    items.insert(2, {"title": "undated"})
    stories = parse_station_feed(station_rss(items), SRC)
    assert [s.title for s in stories] == ["s4", "s3", "s2", "s1", "s0", "undated"]
    assert len(parse_station_feed(station_rss(items), SRC, max_stories=2)) == 2


def test_body_is_capped() -> None:
    s = one({"title": "T", "content": "<p>" + "word " * 50_000 + "</p>"})
    assert 0 < sum(len(p) for p in s.body) <= 50_000


def test_dates_with_offsets_become_utc_and_updated_from_dc_date() -> None:
    rss = station_rss([{"title": "T", "published": "Tue, 23 Jul 2024 16:05:00 +0200"}])
    rss = rss.replace(b"</pubDate>", b"</pubDate><dc:date>2024-07-23T15:00:00-05:00</dc:date>")
    s = parse_station_feed(rss, SRC)[0]
    assert s.published == T0
    assert s.updated == datetime(2024, 7, 23, 20, 0, tzinfo=UTC)
    assert s.updated.utcoffset() == timedelta(0)


def test_garbled_date_is_none() -> None:
    assert one({"title": "T", "published": "yesterday-ish"}).published is None


def test_valid_channel_without_items_is_an_empty_list() -> None:
    assert parse_station_feed(station_rss([]), SRC) == []


@pytest.mark.parametrize("data", [
    b"<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head>"
    b"<body><h1>Service Unavailable</h1></body></html>",
    b"",
    b"\x00\xff\xfe garbage \x89PNG",
    b'{"stories": []}',
    station_rss([{"title": "T"}])[:80],
])
def test_not_a_feed_is_source_unavailable_naming_the_source(data: bytes) -> None:
    with pytest.raises(SourceUnavailable, match=r"^KCUR 89\.3 news feed: not an RSS feed \("):
        parse_station_feed(data, SRC)


@pytest.mark.parametrize(("data", "why"), [
    (b"\n<!DOCTYPE html>\n<html><body>Bad Gateway</body></html>", "an HTML page"),
    (b"  ", "empty body"),
    (b'<?xml version="1.0"?><config><a/></config>', "no RSS or Atom document"),
    (b"<rss version=\"2.0\"><channel><title>x</titl></channel></rss>",
     "malformed XML: mismatched tag"),
])
def test_not_a_feed_says_why(data: bytes, why: str) -> None:
    with pytest.raises(SourceUnavailable) as err:
        parse_station_feed(data, SRC)
    assert str(err.value) == f"{SRC}: not an RSS feed ({why})"


def test_feedparser_never_reads_a_local_file(tmp_path) -> None:
    secret = tmp_path / "feed.xml"
    secret.write_bytes(station_rss([{"title": "from disk"}]))
    with pytest.raises(SourceUnavailable):
        parse_station_feed(str(secret).encode(), SRC)


def test_demo_stories_parse_with_images_and_bylines() -> None:
    stories = parse_station_feed(station_rss(demo_stories("http://127.0.0.1:9")), SRC)
    assert len(stories) == 6
    assert all(s.image and s.image.url.startswith("http://127.0.0.1:9/images/") for s in stories)
    assert any(s.byline.count(",") == 1 and " and " in s.byline for s in stories)
    assert any(p.startswith("• ") for s in stories for p in s.body)


def test_feed_cut_off_after_some_items_is_refused_not_half_shown() -> None:
    data = station_rss([{"title": "a", "content": "<p>x</p>"},
                        {"title": "b", "content": "<p>yyyy yyyy</p>"}])
    with pytest.raises(SourceUnavailable, match=r"not an RSS feed \(cut off before its end\)"):
        parse_station_feed(data[: data.index(b"yyyy") + 6], SRC)


def test_complete_feed_with_a_small_xml_error_is_still_read() -> None:
    data = station_rss([{"title": "Caf\u00e9 opens", "link": "https://e.org/a"}])
    data = data.replace(b"opens", b"opens&nbsp;today")  # undefined in XML: bozo, yet complete
    assert [s.title for s in parse_station_feed(data, SRC)] == ["Caf\u00e9 opens today"]
