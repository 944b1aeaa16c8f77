"""Fuzz suite: every parser of remote text (tests/support/remote_parsers.py) gives a result or
the project's own error, never another exception, within a CPU-time budget per input.

Inputs: arbitrary bytes and text; structured-but-hostile shapes (HTML token soup, Composer
airings, RSS items, directory records, playlist lines and ICY blocks with hostile values);
the real payloads the other tests serve, whole and cut or corrupted at any point; and the
adversarial shapes of tests/support/hostile_inputs.py built up to each parser's size cap
(the ones bench/parsers.py times), each within its parser's budget at the cap.
"""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from news.model import Story
from schedule.model import Program
from tests.support import hostile_strategies as hs
from tests.support.fuzz_corpus import CORPUS
from tests.support.remote_parsers import BY_NAME, PARSERS, TEXT_INPUT, parse

FUZZ = settings(max_examples=120, suppress_health_check=[HealthCheck.too_slow,
                                                         HealthCheck.data_too_large])
BYTE_PARSERS = [p.name for p in PARSERS if p.name not in TEXT_INPUT]


@pytest.fixture(autouse=True)
def quiet_drops(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.CRITICAL)  # each dropped item logs a line; thousands here


@pytest.mark.parametrize("name", BYTE_PARSERS)
@FUZZ
@given(data=st.binary(max_size=3000))
def test_arbitrary_bytes(name: str, data: bytes) -> None:
    parse(name, data)


@pytest.mark.parametrize("name", sorted(TEXT_INPUT))
@FUZZ
@given(text=st.text(max_size=2000))
def test_arbitrary_text(name: str, text: str) -> None:
    parse(name, text)


@pytest.mark.parametrize("name", ["html_to_text", "plain", "homepage"])
@FUZZ
@given(html=hs.html_soup)
def test_html_token_soup(name: str, html: str) -> None:
    got = parse(name, html)
    if name == "html_to_text":
        assert all(p and "\x00" not in p for p in got.paragraphs)
        assert all(i.figure is None or 0 <= i.figure < len(got.figures) for i in got.images)
    elif name == "plain":
        assert "\n" not in got and got == got.strip()
    else:
        assert all(u.startswith(("http://", "https://")) for u in got.streams + got.feeds)


def check_programs(programs: list) -> None:
    for program in programs:
        assert isinstance(program, Program)
        assert program.title and program.end > program.start
        assert abs((program.start.date() - hs.DAY).days) <= 8
        program.title.encode("utf-8")  # no lone surrogate reaches a file or a terminal


@FUZZ
@given(items=st.lists(hs.airing, max_size=8))
def test_hostile_composer_airings_drop_only_the_bad_ones(items: list) -> None:
    good = {"fullstart": "2025-05-14 09:00", "program": {"name": "Morning Edition"}}
    data = json.dumps({"onToday": [*items, good]}).encode()
    got = parse("composer day", data)
    check_programs(got)
    assert any(p.title == "Morning Edition" for p in got)  # the good airing survives
    now = json.dumps({"onNow": items[0] if items else None, "nextUp": items}).encode()
    got = parse("composer now", now)
    if isinstance(got, tuple):
        check_programs([p for p in (got[0], *got[1]) if p is not None])


@FUZZ
@given(records=st.lists(hs.record, max_size=6))
def test_hostile_directory_records_drop_only_the_bad_ones(records: list) -> None:
    good = {"stationuuid": "96062a7b-0601-11e8-ae97-52543be04c81", "name": "KCUR",
            "url": "https://e.org/kcur.mp3"}
    got = parse("directory records", json.dumps([*records, good]).encode())
    assert any(s.name == "KCUR" for s in got)
    for station in got:
        assert station.url.startswith(("http://", "https://"))
        json.dumps(station.to_json(), ensure_ascii=False).encode("utf-8")


@pytest.mark.parametrize("name", ["station feed", "newscast feed"])
@FUZZ
@given(feed=hs.rss_feed)
def test_hostile_rss_items(name: str, feed: bytes) -> None:
    got = parse(name, feed)
    stories = got if isinstance(got, list) else []
    for story in stories:
        assert isinstance(story, Story)
        for text in (story.title, story.summary, *story.body, *story.authors):
            assert "<script" not in text.lower() and "\x00" not in text
            text.encode("utf-8")


@pytest.mark.parametrize("name", ["pls", "m3u", "sniff playlist", "asx", "xspf"])
@FUZZ
@given(data=st.one_of(hs.playlist, hs.xml_playlist))
def test_hostile_playlist_lines(name: str, data: bytes) -> None:
    got = parse(name, data)
    if isinstance(got, list):
        assert all(u.startswith(("http://", "https://")) for u in got)


@pytest.mark.parametrize("name", ["m3u text", "pls text", "csv text"])
@FUZZ
@given(data=hs.playlist)
def test_hostile_playlist_text(name: str, data: bytes) -> None:
    parse(name, data.decode("utf-8", errors="replace"))


@FUZZ
@given(block=hs.icy_block)
def test_hostile_icy_titles(block: bytes) -> None:
    title = parse("icy title", block)
    if title is not None:
        assert title.isprintable() and len(title) <= 200
    length = max(1, -(-len(block) // 16))  # 16-byte units, at most 255 (4080 bytes)
    parse("icy stream", (b"\0" * 16 + bytes([length]) + block.ljust(length * 16, b"\0")) * 3)


@FUZZ
@given(image=hs.image_bytes)
def test_hostile_image_headers(image: bytes) -> None:
    size = parse("image size", image)
    assert size is None or (len(size) == 2 and all(isinstance(n, int) for n in size))
    parse("image kind", image)


@FUZZ
@given(image=hs.image_bytes)
def test_hostile_images_decode_or_are_dropped(image: bytes, tmp_path_factory) -> None:
    from infra.image_decode import decode

    path = tmp_path_factory.mktemp("img") / "image.png"
    path.write_bytes(image)
    got = decode(path, max_pixels=(512, 512), display=(64, 64))
    assert got is None or (0 < got.width <= 64 and 0 < got.height <= 64)


@pytest.mark.parametrize("name,payload", [(n, p) for n, ps in CORPUS.items() for p in ps],
                         ids=lambda v: v if isinstance(v, str) else None)
def test_real_payloads_whole(name: str, payload: object) -> None:
    parse(name, payload)


@pytest.mark.parametrize("name", sorted(CORPUS))
@FUZZ
@given(data=st.data())
def test_real_payloads_cut_and_corrupted(name: str, data: st.DataObject) -> None:
    payload = data.draw(st.sampled_from(CORPUS[name]))
    parse(name, data.draw(hs.mutations(payload)))


@pytest.mark.parametrize("name,shape", [(p.name, s) for p in PARSERS for s in p.shapes])
def test_hostile_shapes_at_the_size_cap(name: str, shape: str) -> None:
    parser = BY_NAME[name]
    data = parser.shapes[shape](parser.cap)
    assert len(data) <= parser.cap + 4096  # built to the cap (a closing tag may pass it)
    parse(parser, data, parser.cap_budget_s)


GOOD_AIRING = b'{"fullstart": "2025-05-14 10:00", "program": {"name": "Good Show"}}'
GOOD_RECORD = (b'{"stationuuid": "96062a7b-0601-11e8-ae97-52543be04c81", "name": "Good FM", '
               b'"url": "https://e.org/good.mp3"}')
GOOD_ITEM = b"<item><title>Good story</title><description>Fine.</description></item>"


@pytest.mark.parametrize("bad", [
    b'{"start_utc": "Mon Jan 01 0001 00:00:00 GMT+0100"}', b'{"fullstart": "9999-12-31 23:30"}',
    b'{"fullstart": "2025-05-14 09:00", "x": ' + b"9" * 5000 + b"}",
    b'{"fullstart": "2025-05-14 09:00", "program": {"name": "\\ud800", "hosts": [1, [2]]}}',
    b'{"fullstart": "2025-05-14 09:00", "program": ["not", "an", "object"]}',
], ids=["year 1", "year 9999", "5000 digits", "surrogate", "program list"])
def test_one_bad_airing_drops_only_itself(bad: bytes) -> None:
    got = parse("composer day", b'{"onToday": [' + bad + b", " + GOOD_AIRING + b"]}")
    assert "Good Show" in [p.title for p in got]
    check_programs(got)


@pytest.mark.parametrize("bad", [
    b'{"stationuuid": "96062a7b-0601-11e8-ae97-000000000001", "votes": ' + b"9" * 5000 + b"}",
    b'{"stationuuid": "96062a7b-0601-11e8-ae97-000000000002", "name": "\\udfff<![x", '
    b'"url": "http://e.org/a.mp3", "tags": "' + b"<b>a</b>," * 500 + b'"}',
    b'["nested", {"deep": [[[[1]]]]}]',
], ids=["5000 digits", "surrogate and tags", "not a record"])
def test_one_bad_directory_record_drops_only_itself(bad: bytes) -> None:
    got = parse("directory records", b"[" + bad + b", " + GOOD_RECORD + b"]")
    assert "Good FM" in [s.name for s in got]


@pytest.mark.parametrize("bad", [
    b"<item><title>x &#xD800; &#x110000; &#" + b"9" * 5000 + b";</title></item>",
    b"<item><title>Deep</title><description>" + b"<b>" * 1200 + b"x" + b"</b>" * 1200
    + b"</description></item>",
    b"<item><title>Deep body</title><content:encoded><![CDATA[" + b"<div>" * 5000
    + b"]]></content:encoded></item>",
], ids=["character references", "deep XML", "deep HTML"])
def test_one_bad_feed_item_drops_only_itself(bad: bytes) -> None:
    data = hs.rss_bytes([], raw=False, atom=False).replace(b"</channel>", bad + GOOD_ITEM
                                                        + b"</channel>")
    got = parse("station feed", data)
    assert "Good story" in [s.title for s in got]


@pytest.mark.parametrize("name,data", [
    ("asx", b'<asx><entry><ref href="&#xD800;http://e.org/a"/></entry>'
            b'<entry><ref href="http://e.org/good"/></entry></asx>'),
    ("xspf", b'<playlist xmlns="http://xspf.org/ns/0/"><trackList><track><location>&#xD800;'
             b"http://e.org/a</location></track><track><location>http://e.org/good</location>"
             b"</track></trackList></playlist>"),
])
def test_one_bad_xml_playlist_entry_drops_only_itself(name: str, data: bytes) -> None:
    assert parse(name, data) == ["http://e.org/good"]
