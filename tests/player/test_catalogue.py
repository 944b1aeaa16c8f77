"""The station catalogue: loading order, validation messages, atomic saves."""

import copy
import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infra.errors import BadInput
from infra.paths import Paths
from player.catalogue import (
    DEFAULT_FILE,
    catalogue_to_json,
    load_catalogue,
    logo_path,
    parse_catalogue,
    save_catalogue,
)
from player.stations import Catalogue, Station, Stream
from tests.support.repo import REPO_ROOT

STATION = {
    "id": "kcur", "name": "KCUR 89.3", "tagline": "NPR in Kansas City",
    "city": "Kansas City, MO", "timezone": "America/Chicago",
    "homepage": "https://www.kcur.org/", "logo": "assets/logos/kcur.png",
    "streams": [{"url": "https://a.example/live.aac", "format": "aac", "bitrate": 64},
                {"url": "https://b.example/live-icy"}],
    "schedule": {"source": "composer", "ucs": "0123456789abcdef01234567"},
    "news": {"feed": "https://www.kcur.org/news.rss"},
}


def doc(*stations: dict, **extra) -> bytes:
    return json.dumps({"stations": list(stations), **extra}).encode()


def second(**changes) -> dict:
    """A valid second station with `changes` applied (None value = key removed)."""
    station = copy.deepcopy(STATION) | {"id": "kuhf", "name": "Houston Public Media"}
    for key, value in changes.items():
        if value is None:
            station.pop(key, None)
        else:
            station[key] = value
    return station


def error_of(data: bytes, source: str = "stations.json") -> str:
    with pytest.raises(BadInput) as err:
        parse_catalogue(data, source)
    message = str(err.value)
    assert "\n" not in message
    return message


def test_shipped_catalogue_has_kcur_first_and_a_logo_for_every_station() -> None:
    cat = parse_catalogue(DEFAULT_FILE.read_bytes(), str(DEFAULT_FILE))
    assert cat.stations[0].id == "kcur"
    assert cat.stations[0].name == "KCUR 89.3"
    assert cat.stations[0].streams[0].url.startswith("https://")
    assert {"kcur", "kuhf", "wkar", "npr"} <= {s.id for s in cat.stations}
    assert cat.get("kuhf").schedule.ucs == "519131dee1c8f40813e79115"
    assert cat.newscast_feed == "https://feeds.npr.org/500005/podcast.xml"
    for station in cat.stations:
        path = logo_path(station)
        assert path is not None and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_valid_station_parses_into_the_model() -> None:
    cat = parse_catalogue(doc(STATION), "x.json")
    kcur = cat.get("kcur")
    assert kcur.streams == (Stream("https://a.example/live.aac", "aac", 64),
                            Stream("https://b.example/live-icy"))
    assert kcur.schedule.ucs == "0123456789abcdef01234567"
    assert kcur.news_feed == "https://www.kcur.org/news.rss"
    assert cat.newscast_feed is None


def test_schedule_news_and_optional_fields_may_be_null_or_absent() -> None:
    station = second(schedule=None, news=None, tagline=None, city=None, homepage=None,
                     logo=None)
    kuhf = parse_catalogue(doc(station), "x.json").get("kuhf")
    assert (kuhf.schedule, kuhf.news_feed, kuhf.homepage, kuhf.logo) == (None,) * 4
    assert (kuhf.tagline, kuhf.city) == ("", "")


def test_unknown_station_names_the_known_ones() -> None:
    cat = parse_catalogue(doc(STATION, second()), "x.json")
    with pytest.raises(BadInput, match=r'unknown station "wxyz" \(known: kcur, kuhf\)'):
        cat.get("wxyz")


def test_invalid_json_names_file_line_and_column() -> None:
    message = error_of(b'{"stations": [\n  {"id": "kcur",,}\n]}', "/home/me/stations.json")
    assert message.startswith("/home/me/stations.json: invalid JSON at line 2 column 17")


def test_not_utf8_is_refused() -> None:
    assert error_of(b'{"stations": "\xff"}') == "stations.json: not UTF-8 text (byte 14)"


@pytest.mark.parametrize(("data", "expected"), [
    (b"[]", 'stations.json: must be a JSON object with a "stations" list'),
    (b"{}", 'stations.json: field "stations": must be a non-empty list'),
    (b'{"stations": []}', 'stations.json: field "stations": must be a non-empty list'),
    (b'{"stations": [7]}', "stations.json: station 1: must be an object, not a number"),
])
def test_top_level_shape_errors(data: bytes, expected: str) -> None:
    assert error_of(data) == expected


@pytest.mark.parametrize(("changes", "expected"), [
    ({"name": None}, 'field "name": missing'),
    ({"name": 5}, 'field "name": must be a string, not a number'),
    ({"name": " "}, 'field "name": must not be empty'),
    ({"name": "KUHF\n88.7"}, 'field "name": contains control characters'),
    ({"timezone": None}, 'field "timezone": missing'),
    ({"timezone": "America/Kansas_City"},
     'field "timezone": unknown IANA time zone "America/Kansas_City"'),
    ({"timezone": "../../etc/passwd"}, 'field "timezone": unknown IANA time zone'),
    ({"streams": None}, 'field "streams": must be a non-empty list'),
    ({"streams": []}, 'field "streams": must be a non-empty list'),
    ({"streams": "https://a.example/x"}, 'field "streams": must be a non-empty list'),
    ({"streams": ["https://a.example/x"]}, 'field "streams[1]": must be an object'),
    ({"streams": [{"format": "mp3"}]}, 'field "streams[1].url": missing'),
    ({"streams": [{"url": "https://ok.example/"}, {"url": "file:///etc/passwd"}]},
     'field "streams[2].url": URL "file:///etc/passwd": scheme "file" is not http or https'),
    ({"streams": [{"url": "-vvv"}]}, 'field "streams[1].url": URL "-vvv": starts with an option'),
    ({"streams": [{"url": "https://a.example/", "bitrate": "64"}]},
     'field "streams[1].bitrate": must be a whole number'),
    ({"streams": [{"url": "https://a.example/", "bitrate": True}]},
     'field "streams[1].bitrate": must be a whole number'),
    ({"homepage": "javascript:alert(1)"}, 'field "homepage": URL "javascript:alert(1)"'),
    ({"schedule": "composer"}, 'field "schedule": must be an object, not a string'),
    ({"schedule": {"source": "composer", "ucs": 5}}, 'field "schedule.ucs": must be a string'),
    ({"schedule": {"source": "composer", "ucs": "519131dee1c8f40813e7911"}},
     'field "schedule.ucs": must be 24 hex digits, not "519131dee1c8f40813e7911"'),
    ({"schedule": {"source": "composer", "ucs": "519131dee1c8f40813e7911z"}},
     'field "schedule.ucs": must be 24 hex digits'),
    ({"schedule": {"source": "composer", "ucs": "519131dee1c8f40813e79115",
                   "base_url": "ftp://x/"}}, 'field "schedule.base_url": URL "ftp://x/"'),
    ({"news": {"feed": "file:///tmp/feed.xml"}}, 'field "news.feed": URL "file:///tmp/feed.xml"'),
    ({"news": {}}, 'field "news.feed": missing'),
    ({"logo": 3}, 'field "logo": must be a file path or null'),
    ({"support": "javascript:donate()"}, 'field "support": URL "javascript:donate()": scheme'),
    ({"support": "file:///home/me/donate.html"}, 'field "support": URL "file:///home/me/'),
    ({"support": 7}, 'field "support": URL: not a string'),
])
def test_station_field_errors_name_file_station_and_field(changes: dict, expected: str) -> None:
    message = error_of(doc(STATION, second(**changes)))
    assert message.startswith('stations.json: station 2 ("kuhf"): ')
    assert expected in message


@pytest.mark.parametrize(("sid", "expected"), [
    (None, 'stations.json: station 1: field "id": missing'),
    (42, 'stations.json: station 1: field "id": must be a string, not a number'),
    ("KCUR FM", 'stations.json: station 1 ("KCUR FM"): field "id": must be lowercase'),
])
def test_bad_ids_are_named(sid, expected: str) -> None:
    assert error_of(doc(second(id=sid))).startswith(expected)


def test_duplicate_ids_name_both_stations() -> None:
    assert error_of(doc(STATION, second(), second(name="again"))) == (
        'stations.json: station 3 ("kuhf"): field "id": duplicate of station 2')


def test_bad_newscast_feed_is_named() -> None:
    assert error_of(doc(STATION, newscast={"feed": "gopher://x"})) == (
        'stations.json: field "newscast.feed": URL "gopher://x": '
        'scheme "gopher" is not http or https')


def paths_in(tmp_path: Path) -> Paths:
    return Paths(tmp_path / "config", tmp_path / "cache", tmp_path / "state")


def test_load_prefers_override_then_user_copy_then_shipped(tmp_path: Path) -> None:
    paths = paths_in(tmp_path)
    assert load_catalogue(None, paths).stations[0].id == "kcur"
    paths.config_dir.mkdir()
    (paths.config_dir / "stations.json").write_bytes(doc(second()))
    assert [s.id for s in load_catalogue(None, paths).stations] == ["kuhf"]
    override = tmp_path / "mine.json"
    override.write_bytes(doc(second(id="wkar")))
    assert [s.id for s in load_catalogue(str(override), paths).stations] == ["wkar"]


def test_missing_override_and_broken_user_file_are_named(tmp_path: Path) -> None:
    paths = paths_in(tmp_path)
    missing = tmp_path / "nope.json"
    with pytest.raises(BadInput, match=f"^{missing}: cannot read the catalogue"):
        load_catalogue(str(missing), paths)
    paths.config_dir.mkdir()
    user = paths.config_dir / "stations.json"
    user.write_bytes(doc(second(timezone="Mars/Olympus")))
    with pytest.raises(BadInput) as err:
        load_catalogue(None, paths)
    assert str(err.value) == (f'{user}: station 1 ("kuhf"): field "timezone": '
                              'unknown IANA time zone "Mars/Olympus"')


def test_support_is_an_optional_http_url_written_back() -> None:
    cat = parse_catalogue(doc(STATION | {"support": "https://www.kcur.org/donate"},
                              second()), "x.json")
    assert cat.get("kcur").support == "https://www.kcur.org/donate"
    assert cat.get("kuhf").support is None
    written = catalogue_to_json(cat)["stations"]
    assert [s["support"] for s in written] == ["https://www.kcur.org/donate", None]
    assert parse_catalogue(json.dumps({"stations": written}).encode(), "y") == cat
    assert parse_catalogue(doc(second(support=None) | {"support": None}), "z").get(
        "kuhf").support is None


def test_save_round_trips(tmp_path: Path) -> None:
    cat = parse_catalogue(doc(STATION | {"support": "https://www.kcur.org/donate"},
                              second(schedule=None, news=None),
                              newscast={"feed": "https://n.example/feed.xml"}), "x")
    target = tmp_path / "config" / "stations.json"
    save_catalogue(cat, target)
    assert parse_catalogue(target.read_bytes(), str(target)) == cat


def test_failed_write_leaves_the_old_file_intact(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "stations.json"
    target.write_bytes(b"{ my own broken but precious file")
    cat = parse_catalogue(doc(STATION), "x")

    def disk_full(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(OSError):
        save_catalogue(cat, target)
    assert target.read_bytes() == b"{ my own broken but precious file"
    assert [p.name for p in tmp_path.iterdir()] == ["stations.json"]


def test_an_invalid_catalogue_is_never_written(tmp_path: Path) -> None:
    target = tmp_path / "stations.json"
    target.write_bytes(doc(STATION))
    bad = Station(id="x", name="X", tagline="", city="", timezone="Nowhere/Land",
                  homepage=None, logo=None, streams=(Stream("file:///etc/passwd"),),
                  schedule=None, news_feed=None)
    with pytest.raises(BadInput, match=r'station 1 \("x"\): field "timezone"'):
        save_catalogue(Catalogue((bad,), None), target)
    assert target.read_bytes() == doc(STATION)


def test_the_shipped_files_are_the_repos_assets_in_a_checkout() -> None:
    """The editable install maps the package onair_assets to assets/ (a wheel: test_wheel)."""
    assert DEFAULT_FILE == REPO_ROOT / "assets" / "stations.json"


def test_logo_path_resolves_relative_to_the_repo_and_ignores_missing(tmp_path: Path) -> None:
    kcur = parse_catalogue(doc(STATION), "x").get("kcur")
    assert logo_path(kcur) == DEFAULT_FILE.parent / "logos" / "kcur.png"
    assert logo_path(second_station(logo="main.py")) is None  # only assets/ ships
    own = tmp_path / "logo.png"
    own.write_bytes(b"png")
    assert logo_path(second_station(logo=str(own))) == own
    assert logo_path(second_station(logo="assets/logos/none.png")) is None
    assert logo_path(second_station(logo=None)) is None


def second_station(**changes) -> Station:
    return parse_catalogue(doc(second(**changes)), "x").get("kuhf")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["stations", "id", "name", "timezone", "streams", "url", "schedule",
                         "ucs", "source", "news", "feed", "bitrate", "logo", "x"]),
        inner, max_size=6),
    max_leaves=25)


@settings(max_examples=200)
@given(st.binary(max_size=500) | JSON.map(lambda v: json.dumps(v).encode()))
def test_arbitrary_input_gives_a_catalogue_or_one_line_bad_input(data: bytes) -> None:
    try:
        cat = parse_catalogue(data, "fuzz.json")
    except BadInput as err:
        assert str(err).startswith("fuzz.json: ")
        assert "\n" not in str(err)
    else:
        assert cat.stations


@given(st.sampled_from(sorted(STATION)), JSON)
def test_any_value_in_any_field_is_accepted_or_named(key: str, value) -> None:
    data = doc(second(**{key: value}) if value is not None else second() | {key: None})
    try:
        parse_catalogue(data, "fuzz.json")
    except BadInput as err:
        assert str(err).startswith("fuzz.json: station 1")
        assert "\n" not in str(err)


def test_a_schedule_without_ucs_means_read_it_from_the_homepage() -> None:
    data = json.loads(DEFAULT_FILE.read_text())
    kcur = parse_catalogue(json.dumps(data).encode(), "stations.json").get("kcur")
    assert kcur.schedule is not None and kcur.schedule.ucs is None
    assert kcur.homepage == "https://www.kcur.org/"
