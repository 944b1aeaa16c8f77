"""The listener's catalogue: created from the shipped one, one backup, never writing over a
file it cannot read, ids from names, and the edits the GUI and the CLI make."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infra.errors import BadInput
from infra.paths import Paths
from library.user_catalogue import (
    UserCatalogue,
    clean_name,
    local_timezone,
    new_station,
    station_id,
)
from player.catalogue import DEFAULT_FILE, parse_catalogue

SHIPPED = parse_catalogue(DEFAULT_FILE.read_bytes(), "shipped")


def paths(tmp_path: Path) -> Paths:
    return Paths(tmp_path / "config", tmp_path / "cache", tmp_path / "state")


def ids(store: UserCatalogue) -> list[str]:
    return [s.id for s in store.load().stations]


def test_without_a_user_file_it_reads_the_shipped_one_and_writes_nothing(tmp_path) -> None:
    store = UserCatalogue(paths(tmp_path))
    assert store.load() == SHIPPED
    assert not (tmp_path / "config").exists()


def test_the_first_change_creates_the_user_copy_from_the_shipped_one(tmp_path) -> None:
    store = UserCatalogue(paths(tmp_path))
    added = store.add(new_station("KCUR 89.3", ["http://127.0.0.1:9/a.mp3"], timezone="UTC"))
    assert added.id == "kcur-2"  # the shipped KCUR is "kcur"
    user = tmp_path / "config" / "stations.json"
    assert ids(store) == [s.id for s in SHIPPED.stations] + ["kcur-2"]
    assert parse_catalogue(user.read_bytes(), "u").newscast_feed == SHIPPED.newscast_feed
    assert not store.backup.exists()  # nothing of the listener's was there before


def test_every_change_keeps_the_file_before_it_as_one_backup(tmp_path) -> None:
    store = UserCatalogue(paths(tmp_path))
    store.rename("kcur", "KCUR Kansas City")
    first = store.path.read_bytes()
    store.remove("npr")
    assert store.backup.read_bytes() == first
    second = store.path.read_bytes()
    store.move("wkar", 0)
    assert store.backup.read_bytes() == second
    assert sorted(p.name for p in store.path.parent.iterdir()) == ["stations.json",
                                                                   "stations.json.bak"]


@pytest.mark.parametrize("content", [b"{ not json", b'{"stations": []}',
                                     b'{"stations": [{"id": "x"}]}', b"\xff\xfe"])
def test_a_corrupt_user_file_is_named_and_never_written_over(tmp_path, content) -> None:
    store = UserCatalogue(paths(tmp_path))
    store.path.parent.mkdir(parents=True)
    store.path.write_bytes(content)
    store.backup.write_bytes(b"the old backup")
    for change in (lambda: store.add(new_station("X", ["http://a.example/x.mp3"])),
                   lambda: store.remove("kcur"), lambda: store.rename("kcur", "K"),
                   lambda: store.move("kcur", 1), store.load):
        with pytest.raises(BadInput) as err:
            change()
        assert str(err.value).startswith(f"{store.path}: ")
    assert store.path.read_bytes() == content
    assert store.backup.read_bytes() == b"the old backup"


def test_an_override_file_is_the_one_changed(tmp_path) -> None:
    mine = tmp_path / "mine.json"
    mine.write_text(json.dumps({"stations": [
        {"id": "local", "name": "Local", "timezone": "UTC",
         "streams": [{"url": "http://127.0.0.1:8000/a.mp3"}]}]}))
    store = UserCatalogue(paths(tmp_path), str(mine))
    store.add(new_station("Local", ["http://127.0.0.1:8000/b.mp3"], timezone="UTC"))
    assert ids(store) == ["local", "local-2"]
    assert (tmp_path / "mine.json.bak").exists() and not (tmp_path / "config").exists()
    with pytest.raises(BadInput, match=r"gone\.json: cannot read the catalogue"):
        UserCatalogue(paths(tmp_path), str(tmp_path / "gone.json")).load()


def test_remove_then_insert_puts_it_back_where_it_was(tmp_path) -> None:
    store = UserCatalogue(paths(tmp_path))
    before = store.load().stations
    station, index = store.remove("kuhf")
    assert (station, index) == (before[1], 1) and "kuhf" not in ids(store)
    store.insert(station, index)
    assert store.load().stations == before
    store.remove("kuhf")
    store.add(replace(station, name="KUHF"))  # takes the id "kuhf" meanwhile
    store.insert(station, 99)
    assert ids(store)[-2:] == ["kuhf", "kuhf-2"]


def test_the_last_station_is_not_removed_and_unknown_ids_are_named(tmp_path) -> None:
    store = UserCatalogue(paths(tmp_path))
    for sid in ("kcur", "kuhf", "wkar"):
        store.remove(sid)
    with pytest.raises(BadInput, match='"npr" is the only station'):
        store.remove("npr")
    with pytest.raises(BadInput, match=r'unknown station "nope" \(known: npr\)'):
        store.rename("nope", "x")


def test_rename_keeps_the_id_and_cleans_the_name(tmp_path) -> None:
    store = UserCatalogue(paths(tmp_path))
    renamed = store.rename("kcur", "  KCUR\n[b]89.3[/b]\t")
    assert (renamed.id, renamed.name) == ("kcur", "KCUR [b]89.3[/b]")
    assert store.load().get("kcur").name == "KCUR [b]89.3[/b]"
    assert len(store.rename("kcur", "x" * 500).name) == 80
    with pytest.raises(BadInput, match="must not be empty"):
        store.rename("kcur", " \n ")


def test_move_and_update(tmp_path) -> None:
    store = UserCatalogue(paths(tmp_path))
    store.move("npr", 0)
    store.move("kcur", 50)
    assert ids(store) == ["npr", "kuhf", "wkar", "kcur"]
    kcur = store.load().get("kcur")
    store.update(replace(kcur, support="https://www.kcur.org/donate"))
    assert store.load().get("kcur").support == "https://www.kcur.org/donate"


def test_add_all_is_one_write_with_unique_ids(tmp_path) -> None:
    store = UserCatalogue(paths(tmp_path))
    store.rename("kcur", "KCUR")
    before = store.path.read_bytes()
    added = store.add_all([new_station("WKAR 90.5", [f"http://a.example/{n}.mp3"])
                           for n in range(3)])
    assert [s.id for s in added] == ["wkar-2", "wkar-3", "wkar-4"]
    assert store.backup.read_bytes() == before  # the state before the whole import


def test_an_invalid_station_is_refused_before_anything_is_written(tmp_path) -> None:
    store = UserCatalogue(paths(tmp_path))
    store.rename("kcur", "KCUR")
    store.rename("kcur", "KCUR 89.3")
    before, backup = store.path.read_bytes(), store.backup.read_bytes()
    bad = new_station("Bad", ["file:///etc/passwd"], timezone="UTC")
    with pytest.raises(BadInput, match='field "streams\\[1\\].url"'):
        store.add(bad)
    assert (store.path.read_bytes(), store.backup.read_bytes()) == (before, backup)


@pytest.mark.parametrize("name,taken,expected", [
    ("KCUR 89.3", (), "kcur"),
    ("KCUR 89.3", ("kcur",), "kcur-2"),
    ("KCUR 89.3", ("kcur", "kcur-2"), "kcur-3"),
    ("Houston Public Media News 88.7 FM", (), "houston-public-media-news"),
    ("Radio Canada Première", (), "radio-canada-premiere"),
    ("1A", (), "1a"),
    ("98.1", (), "98-1"),
    ("ラジオ", (), "station"),
    ("x" * 100, (), "x" * 36),
])
def test_ids_come_from_names(name, taken, expected) -> None:
    assert station_id(name, taken) == expected


@given(st.text(max_size=120), st.sets(st.text(max_size=10), max_size=5))
def test_any_name_gives_a_valid_unused_id(name, taken) -> None:
    sid = station_id(name, taken)
    assert sid not in taken and 0 < len(sid) <= 40
    station = new_station(name, ["http://a.example/x.mp3"], timezone="UTC")
    doc = {"stations": [{"id": sid, "name": station.name, "timezone": "UTC",
                         "streams": [{"url": "http://a.example/x.mp3"}]}]}
    assert parse_catalogue(json.dumps(doc).encode(), "x").stations[0].id == sid


def test_clean_name_is_one_printable_line() -> None:
    assert clean_name("a\x00b\u202e c\n\nd") == "a b c d"
    assert clean_name("y" * 90) == "y" * 79 + "…"


def test_the_listeners_time_zone(monkeypatch) -> None:
    assert local_timezone({"TZ": "America/Chicago"}) == "America/Chicago"
    assert local_timezone({"TZ": ":Europe/Paris"}) == "Europe/Paris"
    fallback = local_timezone({"TZ": "Not/AZone"})
    assert fallback == local_timezone({})  # the system's zone, or UTC
    from zoneinfo import ZoneInfo

    ZoneInfo(fallback)
