"""Preferences: round trip, defaults, and a corrupt or hostile file never crashes the app."""

import json

from ui.prefs import FILE_NAME, Prefs, load_prefs, save_prefs


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


def test_corrupt_file_gives_defaults(tmp_path):
    (tmp_path / FILE_NAME).write_bytes(b"{not json\xff")
    assert load_prefs(tmp_path) == Prefs()
    (tmp_path / FILE_NAME).write_text("[1, 2]")
    assert load_prefs(tmp_path) == Prefs()


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
