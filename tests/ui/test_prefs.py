"""Preferences: round trip, defaults, and a corrupt or hostile file never crashes the app."""

import json

import pytest

from tests.support.bad_state import CASES, bad_bytes, check_kept_aside
from ui.prefs import FILE_NAME, VOLUMES_FILE, Prefs, load_prefs, save_prefs


def test_defaults_when_no_file(tmp_path):
    prefs = load_prefs(tmp_path)
    assert prefs == Prefs()
    assert prefs.autoplay is False and prefs.last_station is None


def test_round_trip(tmp_path):
    saved = Prefs(last_station="kuhf", volume=35, muted=True, window_size=(1200, 800),
                  autoplay=True)
    save_prefs(tmp_path, saved)
    assert load_prefs(tmp_path) == saved
    assert not [p for p in tmp_path.iterdir() if p.name != FILE_NAME], "temp file left behind"


@pytest.mark.parametrize("case", CASES)
def test_a_bad_file_gives_defaults_and_is_kept_aside(tmp_path, case):
    save_prefs(tmp_path, Prefs(last_station="kuhf", volume=35))
    bad = bad_bytes(case, (tmp_path / FILE_NAME).read_bytes(), wrong_type=b"[1, 2]")
    check_kept_aside(tmp_path / FILE_NAME, bad, lambda: load_prefs(tmp_path), Prefs())


@pytest.mark.parametrize("case", CASES)
def test_a_bad_volumes_file_keeps_the_prefs_and_is_kept_aside(tmp_path, case):
    saved = Prefs(last_station="kuhf").with_station_volume("kuhf", 30)
    save_prefs(tmp_path, saved)
    bad = bad_bytes(case, (tmp_path / VOLUMES_FILE).read_bytes(),
                    wrong_type=b'{"volumes": ["kuhf", 30]}')
    check_kept_aside(tmp_path / VOLUMES_FILE, bad, lambda: load_prefs(tmp_path),
                     Prefs(last_station="kuhf"))


def test_bad_fields_fall_back_one_by_one(tmp_path):
    (tmp_path / FILE_NAME).write_text(json.dumps({
        "last_station": "kcur", "volume": 900, "muted": "yes",
        "window_size": [10, "x"], "autoplay": True, "unknown": 1}))
    assert load_prefs(tmp_path) == Prefs(last_station="kcur", autoplay=True)


def test_unwritable_dir_is_logged_not_raised(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    save_prefs(blocker / "sub", Prefs(volume=10))  # parent is a file: OSError inside
    assert load_prefs(blocker / "sub") == Prefs()


# -- the volume of each station ----------------------------------------------------------------
def test_station_volumes_round_trip_beside_the_prefs(tmp_path):
    from ui.prefs import VOLUMES_FILE

    prefs = Prefs(volume=30).with_station_volume("kcur", 30).with_station_volume("kuhf", 75)
    assert prefs.volume_for("kuhf") == 75 and prefs.volume_for("wkar") is None
    save_prefs(tmp_path, prefs)
    assert load_prefs(tmp_path) == prefs
    assert "station_volumes" not in json.loads((tmp_path / FILE_NAME).read_text())
    assert json.loads((tmp_path / VOLUMES_FILE).read_text()) == {
        "volumes": {"kcur": 30, "kuhf": 75}}


def test_station_volumes_keep_the_newest_and_drop_bad_entries(tmp_path):
    from ui.prefs import MAX_STATION_VOLUMES, VOLUMES_FILE

    prefs = Prefs()
    for n in range(MAX_STATION_VOLUMES + 5):
        prefs = prefs.with_station_volume(f"s{n}", n % 101)
    assert len(prefs.station_volumes) == MAX_STATION_VOLUMES
    assert "s0" not in prefs.station_volumes and f"s{MAX_STATION_VOLUMES + 4}" in (
        prefs.station_volumes)
    assert prefs.with_station_volume("s9", 500).volume_for("s9") == 100
    (tmp_path / VOLUMES_FILE).write_text(json.dumps({"volumes": {
        "kcur": 20, "kuhf": 101, "wkar": True, "": 5, "x" * 300: 5, "npr": "50"}}))
    assert load_prefs(tmp_path).station_volumes == {"kcur": 20}
    (tmp_path / VOLUMES_FILE).write_text("[not, json")
    assert load_prefs(tmp_path).station_volumes == {}


@pytest.mark.gui
def test_each_station_plays_at_its_own_volume_across_starts(window, tmp_path, stations):
    from tests.ui.conftest import press, wait_until
    from tests.ui.test_keys import LibraryApp

    runner = LibraryApp(window, tmp_path, stations)
    try:
        app = runner.start()
        assert app.player.station.id == "kcur"
        app.player.set_volume(30)
        press(274)  # Down: kuhf, which has no volume of its own: it keeps 30
        assert app.player.station.id == "kuhf" and app.player.volume == 30
        app.player.set_volume(75)
        press(273)  # Up: kcur, as it was last heard
        wait_until(lambda: app.player.volume == 30)
        assert runner.backend.volume == 30
        press(274)
        wait_until(lambda: app.player.volume == 75)
        runner.stop()

        app = runner.start()  # the next start: kuhf (the last station) at 75
        assert app.player.station.id == "kuhf" and app.player.volume == 75
        press(273)
        wait_until(lambda: app.player.volume == 30)
    finally:
        runner.stop()
