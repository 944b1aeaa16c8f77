"""Station RSS to stories: the fields a listener sees, image fallbacks, and broken feeds."""

import re
import time
from datetime import UTC, datetime, timedelta

import pytest

from infra.errors import SourceUnavailable
from infra.html_text import plain
from news.feeds import is_decorative_image, parse_station_feed
from news.model import Story, StoryImage
from tests.support import realworld as rw
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


# -- real-world payloads: both teasers, tracking pixels and icons, Grove lead figures ---------

FULL_TEXT = plain(rw.FULL_SUMMARY)
BODY_HTML = "<p>Full show notes, first paragraph.</p><p>Second paragraph of the notes.</p>"


@pytest.mark.parametrize("summary_first", [False, True])
@pytest.mark.parametrize(("description", "itunes_summary"), [
    (rw.TEASER, rw.FULL_SUMMARY), (rw.FULL_SUMMARY, rw.TEASER)])
def test_the_fuller_of_description_and_itunes_summary_is_the_summary(
        description: str, itunes_summary: str, summary_first: bool) -> None:
    data = rw.podcast_feed(rw.podcast_item(description, itunes_summary,
                                           summary_first=summary_first))
    [story] = parse_station_feed(data, SRC)
    assert story.summary == FULL_TEXT
    assert " ".join(story.body) == FULL_TEXT


@pytest.mark.parametrize("summary_first", [False, True])
@pytest.mark.parametrize(("description", "itunes_summary"), [
    (rw.TEASER, rw.FULL_SUMMARY), (rw.FULL_SUMMARY, rw.TEASER)])
def test_a_second_teaser_never_takes_the_place_of_content_encoded(
        description: str, itunes_summary: str, summary_first: bool) -> None:
    data = rw.podcast_feed(rw.podcast_item(description, itunes_summary,
                                           summary_first=summary_first, content=BODY_HTML))
    [story] = parse_station_feed(data, SRC)
    assert story.summary == FULL_TEXT
    assert story.body == ("Full show notes, first paragraph.", "Second paragraph of the notes.")


def test_equal_teasers_and_description_only_items_are_unchanged() -> None:
    [story] = parse_station_feed(rw.podcast_feed(rw.podcast_item(rw.TEASER, rw.TEASER)), SRC)
    assert story.summary == rw.TEASER and story.body == (rw.TEASER,)


def test_tracking_pixels_spacers_emoji_and_share_icons_are_never_the_lead_image() -> None:
    [story] = parse_station_feed(rw.station_feed(rw.WORDPRESS_TRACKED_ITEM), SRC)
    assert story.image == StoryImage(
        "https://kcurnews.example.org/wp-content/uploads/2024/07/river-barge-1024x683.jpg",
        "A barge on the Missouri River near Kansas City")
    assert story.body == (
        "Water levels along the Missouri River have fallen below seasonal averages and barges "
        "are running light.",
        "The Army Corps of Engineers said releases from upstream reservoirs will be reduced.")


REAL = "https://www.kcur.org/images/story-1.jpg"


@pytest.mark.parametrize("item", [
    {"image": {"url": "https://www.kcur.org/pixel.gif", "width": "1", "height": "1"}},
    {"image": {"url": "https://www.kcur.org/img/lead.jpg", "width": "1", "height": "1"}},
    {"image": {"url": "https://www.kcur.org/themes/kcur/images/spacer.gif"}},
    {"image": {"url": "https://www.kcur.org/static/blank.gif"}},
    {"image": {"url": "https://www.kcur.org/static/transparent.png"}},
    {"image": {"url": "https://www.kcur.org/assets/social/facebook.png"}},
    {"image": {"url": "https://secure.gravatar.example.com/avatar/ab12?s=96&d=identicon"}},
    {"enclosure": {"url": "https://www.kcur.org/static/1x1.gif", "type": "image/gif"}},
    {"enclosure": {"url": "https://t.example.net/open/abc.gif", "type": "image/gif",
                   "length": 43}},
    {"enclosure": {"url": "https://www.kcur.org/icons/twitter-32.png", "type": "image/png"}},
    {"content": '<p><img src="https://www.kcur.org/blank.gif" width="1" height="1"></p>'},
    {"content": '<img src="https://www.kcur.org/share/fb_icon.png" alt="">'},
    {"content": '<a href="https://twitter.com/intent/tweet"><img src="/twitter.png"></a>'},
    {"content": '<img src="https://www.kcur.org/x.jpg" alt="Share on Facebook">'},
    {"content": '<img src="https://www.kcur.org/p.jpg" style="width:1px;height:1px;border:0">'},
    {"content": '<img src="https://www.kcur.org/beacon.jpg?u=1" style="display:none">'},
])
def test_a_decorative_image_is_skipped_for_the_next_real_one(item: dict) -> None:
    story = dict(item, title="T", link="https://www.kcur.org/news/t")
    story["content"] = story.get("content", "") + f'<p>Text.</p><img src="{REAL}" alt="Real">'
    s = one(story)
    assert s.image is not None and s.image.url == REAL
    assert s.body == ("Text.",)


def test_a_decorative_image_alone_gives_no_image() -> None:
    s = one({"title": "T", "image": {"url": "https://e.org/spacer.gif"},
             "content": '<p>x</p><img src="https://pixel.wp.example.com/b.gif?blog=1">'})
    assert s.image is None


def test_a_decorative_thumbnail_is_skipped() -> None:
    rss = station_rss([{"title": "T", "content": f'<p>x</p><img src="{REAL}">'}]).replace(
        b"<title>T</title>", b'<title>T</title><media:thumbnail url="https://e.org/t.gif" '
                             b'width="1" height="1"/>')
    [s] = parse_station_feed(rss, SRC)
    assert s.image is not None and s.image.url == REAL


@pytest.mark.parametrize("url", [
    "https://npr.brightspotcdn.example.com/dims4/default/1a2b3c4/2147483647/strip/true/crop/"
    "5472x3648+0+0/resize/1760x1173!/quality/90/?url=https%3A%2F%2Fs3.example.com%2Fa.jpg",
    "https://kcurnews.example.org/wp-content/uploads/2024/07/river-barge-1024x683.jpg",
    "https://media.npr.example.org/assets/img/2024/07/23/gettyimages-2162_wide-7c1f.jpg",
    "https://www.kcur.org/images/social-security-office.jpg",
    "https://www.kcur.org/images/facebook-headquarters-menlo-park.jpg",
    "https://www.kcur.org/images/google-pixel-9-review.jpg",
    "https://www.kcur.org/images/track-meet-2024.jpg",
    "https://www.kcur.org/images/12345.jpg",
    "https://www.kcur.org/~robert/photos/parade.jpg",
])
def test_real_photos_are_not_decorative(url: str) -> None:
    assert not is_decorative_image(url, width="1200", height="800", alt="A photo")
    assert not is_decorative_image(url, width="100%", height="auto")


GROVE_IMAGE_CAPTION = ("A KC Streetcar heads south on Main Street on Thursday, the day of the "
                       "council vote.")
GROVE_BODY = ("The Kansas City Council voted 10-3 on Thursday to approve funding for the "
              "streetcar's southern extension.", "Riders board at Union Station.",
              "Supporters said the line would connect neighborhoods long cut off from downtown.")


@pytest.mark.parametrize("media", [True, False])
def test_the_lead_figure_caption_goes_with_the_image_not_the_body(media: bool) -> None:
    [story] = parse_station_feed(rw.station_feed(rw.grove_item(media=media)), SRC)
    assert story.image is not None
    assert story.image.url.startswith("https://npr.brightspotcdn.example.com/dims4/")
    assert story.image.caption == GROVE_IMAGE_CAPTION
    assert story.image.credit == "Carlos Moreno / KCUR 89.3"
    assert story.body == GROVE_BODY  # the second figure's caption stays where it is
    assert story.summary == "The vote clears the way for construction to begin next spring."


def test_the_feeds_own_caption_wins_and_the_figure_fills_the_credit() -> None:
    item = rw.grove_item().replace(
        'width="1760" height="1173"/>',
        'width="1760" height="1173"><media:title>Streetcar on Main</media:title>'
        "</media:content>")
    [story] = parse_station_feed(rw.station_feed(item), SRC)
    assert story.image is not None
    assert (story.image.caption, story.image.credit) == (
        "Streetcar on Main", "Carlos Moreno / KCUR 89.3")
    assert story.body == GROVE_BODY


def test_without_a_description_the_summary_is_the_first_body_paragraph_not_the_caption() -> None:
    item = re.sub(r"<description>.*?</description>", "", rw.grove_item())
    [story] = parse_station_feed(rw.station_feed(item), SRC)
    assert story.summary == GROVE_BODY[0]


def test_a_figure_after_the_first_paragraph_keeps_its_caption_in_the_body() -> None:
    s = one({"title": "T", "image": {"url": REAL},
             "content": "<p>Lead paragraph.</p><figure><img src='https://e.org/b.jpg'>"
                        "<figcaption>Inline caption.</figcaption></figure><p>More.</p>"})
    assert s.image is not None and (s.image.url, s.image.caption) == (REAL, "")
    assert s.body == ("Lead paragraph.", "Inline caption.", "More.")


def test_wordpress_caption_shortcode_markup_is_a_lead_figure() -> None:
    s = one({"title": "T", "content":
             '<div id="attachment_9" class="wp-caption aligncenter" style="width: 1034px">'
             '<img class="size-large" src="https://e.org/wp-content/uploads/2024/07/a.jpg" '
             'width="1024" height="683" alt="alt text"><p class="wp-caption-text">The mayor '
             "speaks. <span class=\"photo-credit\">Jane Doe / KCUR</span></p></div>"
             "<p>Story text.</p>"})
    assert s.image == StoryImage("https://e.org/wp-content/uploads/2024/07/a.jpg",
                                 "The mayor speaks.", "Jane Doe / KCUR")
    assert s.body == ("Story text.",)


def test_a_feed_of_more_tags_than_any_feed_has_is_one_clear_error() -> None:
    from news.feed_bytes import MAX_FEED_TAGS

    data = station_rss([{"title": "A story", "description": "<p>x</p>" * (MAX_FEED_TAGS // 2)}])
    with pytest.raises(SourceUnavailable, match=r"^KCUR feed: not read: \d+ tags, more than a "
                                                r"feed has \(150000\)$"):
        parse_station_feed(data, "KCUR feed")


def test_one_item_of_thousands_of_authors_keeps_the_first_ten() -> None:
    creators = [f"Writer {i}" for i in range(20_000)]
    [story] = parse_station_feed(station_rss([{"title": "T", "creators": creators}]), "F")
    assert story.authors == tuple(creators[:10])


def test_a_cut_feed_ending_in_many_comments_is_refused_at_once() -> None:
    items = "<item><title>&bogus; entity</title></item>"  # lenient parsing: the end is checked
    data = station_rss([]).replace(b"</channel>", items.encode() + b"</channel>")
    tail = b"<!---->" * 500 + b"x"  # one way to read each comment: was exponential in them
    started = time.process_time()
    with pytest.raises(SourceUnavailable, match="cut off before its end"):
        parse_station_feed(data.rstrip() + tail, "KCUR feed")
    assert time.process_time() - started < 2.0
    [story] = parse_station_feed(data.rstrip() + b"<!-- a -- b --><!--c-->\n", "KCUR feed")
    assert story.title.endswith("entity")
