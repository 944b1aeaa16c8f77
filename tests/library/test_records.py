"""Directory records made safe (library/model.py): pure functions over the real API shapes."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infra.urls import url_problem
from library.model import (
    MAX_NAME_CHARS,
    MAX_TAGS_CHARS,
    DirectoryStation,
    parse_record,
    parse_records,
)
from tests.support.directory_server import (
    BAD_NUMBERS_UUID,
    CONTROL_UUID,
    HOSTILE_UUIDS,
    HUGE_NAME_UUID,
    JS_FAVICON_UUID,
    MARKUP_NAME,
    MARKUP_UUID,
    TONE_A_UUID,
    URL_ONLY_UUID,
    demo_records,
    station_record,
)

UUID = "96062a7b-0601-11e8-ae97-52543be04c81"


def record(**fields) -> dict:
    """A real-shaped record; `fields` replace any of its fields (None included)."""
    return {**station_record(UUID, "KCUR 89.3", "http://127.0.0.1:8000/a.mp3"), **fields}


def assert_safe(s: DirectoryStation) -> None:
    """What every record the rest of the app sees must be."""
    assert url_problem(s.url) is None
    assert s.homepage is None or url_problem(s.homepage) is None
    assert s.favicon is None or url_problem(s.favicon) is None
    for text in (s.name, s.state, s.codec, *s.tags):
        assert text.isprintable() and text == text.strip() and "  " not in text
    assert s.name and len(s.name) <= MAX_NAME_CHARS
    assert len(", ".join(s.tags)) <= MAX_TAGS_CHARS and all(s.tags)
    assert s.country == "" or (len(s.country) == 2 and s.country.isalpha() and s.country.isupper())
    for number in (s.bitrate, s.votes):
        assert number is None or (type(number) is int and number >= 0)
    assert isinstance(s.hls, bool)
    json.dumps(s.to_json())


def test_a_real_record_keeps_its_fields_and_prints_the_json_contract() -> None:
    s = parse_record(record(url_resolved="https://icecast.example/kcur.mp3",
                            homepage="https://www.kcur.org/", tags="npr,public radio, news",
                            favicon="https://www.kcur.org/favicon.ico", state="Missouri",
                            votes=1200, bitrate=64, codec="MP3", hls=0))
    assert s is not None
    assert s.to_json() == {
        "id": UUID, "name": "KCUR 89.3", "url": "https://icecast.example/kcur.mp3",
        "homepage": "https://www.kcur.org/", "favicon": "https://www.kcur.org/favicon.ico",
        "tags": ["npr", "public radio", "news"], "country": "US", "state": "Missouri",
        "codec": "MP3", "bitrate": 64, "votes": 1200}
    assert s.hls is False and parse_record(record(hls=1)).hls is True


@pytest.mark.parametrize("url", [
    "file:///etc/passwd", "javascript:alert(1)", "data:audio/mpeg;base64,SUQz", "-vvv",
    ":sout=#file{dst=/tmp/x}", "smb://host/share", "screen://", "http://", "", None, 42,
    "http://host/a b", "http://host/\x00", "https://h:0/x", "http://[::1/x",
    "http://" + "a" * 3000 + ".org/",
])
def test_a_record_without_a_safe_stream_url_is_dropped(url) -> None:
    assert parse_record(record(url=url, url_resolved=url)) is None


def test_url_resolved_is_preferred_and_url_stands_in_when_it_is_unsafe_or_missing() -> None:
    assert parse_record(record(url_resolved="https://a.example/x")).url == "https://a.example/x"
    assert parse_record(record(url_resolved="file:///x")).url == "http://127.0.0.1:8000/a.mp3"
    assert parse_record(record(url_resolved="")).url == "http://127.0.0.1:8000/a.mp3"
    no_resolved = record()
    del no_resolved["url_resolved"]
    assert parse_record(no_resolved).url == "http://127.0.0.1:8000/a.mp3"
    assert parse_record(record(url=" http://h.example/s\n", url_resolved=None)).url \
        == "http://h.example/s"


@pytest.mark.parametrize("uuid", [None, "", 7, "../../etc", "a/b", "x?y=1", "a" * 65,
                                  "-96062a7b", "uuid with spaces"])
def test_a_record_without_a_usable_uuid_is_dropped(uuid) -> None:
    assert parse_record(record(stationuuid=uuid)) is None


@pytest.mark.parametrize("value", ["javascript:alert(1)", "data:image/png;base64,AA",
                                   "file:///etc/passwd", "//cdn.example/x.png", "", None, 3])
def test_favicon_and_homepage_are_http_or_nothing(value) -> None:
    s = parse_record(record(favicon=value, homepage=value))
    assert s is not None and s.favicon is None and s.homepage is None


def test_names_are_plain_single_line_text_with_kivy_markup_left_literal() -> None:
    assert parse_record(record(name=MARKUP_NAME)).name == MARKUP_NAME
    assert parse_record(record(name="Night\x00 Owl\x1b[31m\r\nRadio\u202e\t\x85!")).name \
        == "Night Owl[31m Radio !"
    assert parse_record(record(name="Rock &amp; Roll <b>FM</b>")).name == "Rock & Roll FM"
    assert parse_record(record(name="  spaced\n\n out  ")).name == "spaced out"


def test_a_huge_name_is_capped_and_a_missing_one_becomes_the_stream_host() -> None:
    s = parse_record(record(name="A" * 2_000_000))
    assert len(s.name) == MAX_NAME_CHARS and s.name.endswith("…")
    assert parse_record(record(name=None)).name == "127.0.0.1"
    assert parse_record(record(name="\x00\x01 ")).name == "127.0.0.1"


def test_tags_are_split_cleaned_without_repeats_and_capped() -> None:
    assert parse_record(record(tags="news,, News ,t\x00alk\n,[i]x[/i]")).tags == (
        "news", "talk", "[i]x[/i]")
    many = parse_record(record(tags=",".join(f"tag{n}" for n in range(1000)))).tags
    assert 0 < len(", ".join(many)) <= MAX_TAGS_CHARS
    long = parse_record(record(tags="y" * 5000)).tags
    assert len(long) == 1 and len(long[0]) <= 60
    assert parse_record(record(tags=["a", "b"])).tags == ()


@pytest.mark.parametrize(("raw", "bitrate"), [
    (128, 128), ("128", 128), (128.0, 128), (0, None), ("abc", None), (True, None),
    (-1, None), (1e300, None), (12.5, None), (None, None), ([128], None), ("1e3", None),
    (10**30, None), ({"kbps": 1}, None),
])
def test_numbers_that_are_not_numbers_become_unknown(raw, bitrate) -> None:
    s = parse_record(record(bitrate=raw, votes=raw))
    assert s.bitrate == bitrate
    assert s.votes == (0 if raw == 0 and raw is not True else bitrate)


def test_country_is_a_two_letter_code_or_nothing() -> None:
    assert parse_record(record(countrycode="us")).country == "US"
    for bad in ("USA", "U", "", None, "1A", "Ü1"):
        assert parse_record(record(countrycode=bad)).country == ""


def test_the_hostile_records_of_the_test_server() -> None:
    data = json.dumps(demo_records("http://127.0.0.1:8000")).encode()
    stations = parse_records(data)
    by_id = {s.id: s for s in stations}
    for uuid, fate in HOSTILE_UUIDS.items():
        assert (uuid in by_id) == (fate == "kept"), uuid
    for s in stations:
        assert_safe(s)
    assert by_id[JS_FAVICON_UUID].favicon is None and by_id[JS_FAVICON_UUID].homepage is None
    assert len(by_id[HUGE_NAME_UUID].name) == MAX_NAME_CHARS
    assert by_id[MARKUP_UUID].name == MARKUP_NAME
    assert by_id[CONTROL_UUID].name == "Night Owl Radio Line two end"
    assert by_id[CONTROL_UUID].state == "Kansas"
    bad = by_id[BAD_NUMBERS_UUID]
    assert (bad.bitrate, bad.votes, bad.hls, bad.country) == (None, None, False, "")
    assert by_id[URL_ONLY_UUID].url == "http://127.0.0.1:9/url-only.mp3"
    assert by_id[TONE_A_UUID].url == "http://127.0.0.1:8000/a.mp3"


def test_each_uuid_comes_once_in_the_answer_order() -> None:
    other = station_record("aaaaaaaa-0000-4000-8000-000000000000", "Other", "http://o.example/")
    data = json.dumps([record(), other, record(name="Again")]).encode()
    assert [s.name for s in parse_records(data)] == ["KCUR 89.3", "Other"]


@pytest.mark.parametrize(("data", "why"), [
    (b"<html>502 Bad Gateway</html>", "not JSON"), (b"", "not JSON"),
    (b'{"error": "rate limited"}', "a JSON dict, not a list"), (b"null", "NoneType"),
    (b"\xff\xfe\xfa", "not JSON"), (b"[" * 100_000 + b"]" * 100_000, "nested too deep"),
    (b"[1]" + b"x", "not JSON"),
])
def test_an_answer_that_is_not_a_json_list_is_a_value_error_saying_why(data, why) -> None:
    with pytest.raises(ValueError, match=why):
        parse_records(data)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30)
field_values = st.one_of(
    json_values, st.sampled_from(["http://h.example/s", "https://h.example/", "file:///x",
                                  "javascript:x", "-vvv", "[b]x[/b]", "a,b,,c", "\x00\n"]))
api_records = st.fixed_dictionaries(
    {"stationuuid": st.one_of(st.just(UUID), st.text(max_size=70), json_values)},
    optional={key: field_values for key in (
        "name", "url", "url_resolved", "homepage", "favicon", "tags", "countrycode", "state",
        "codec", "bitrate", "votes", "hls", "lastcheckok")})


@given(st.one_of(json_values, st.lists(st.one_of(api_records, json_values), max_size=8)))
def test_any_json_value_gives_safe_records_or_a_value_error(value) -> None:
    data = json.dumps(value).encode()
    if not isinstance(value, list):
        with pytest.raises(ValueError):
            parse_records(data)
        return
    for s in parse_records(data):
        assert_safe(s)


@given(st.binary(max_size=200))
def test_any_bytes_give_safe_records_or_a_value_error(data) -> None:
    try:
        stations = parse_records(data)
    except ValueError:
        return
    for s in stations:
        assert_safe(s)


def test_format_and_unassigned_characters_never_reach_a_name_or_tag() -> None:
    """Found by the property above with more examples: an unassigned code point in a tag.
    Bidi overrides and zero-width marks would disguise a name."""
    record = parse_record({"stationuuid": UUID, "url": "http://h.example/s",
                           "name": "KCUR\u202e 89.3\u200b", "tags": "npr,\ud7a4,news\u2066"})
    assert record is not None
    assert record.name == "KCUR 89.3" and record.tags == ("npr", "news")
    assert_safe(record)
