"""The listener's settings: round trip, and a bad file or field gives defaults, never raises."""

from pathlib import Path

import pytest

from infra.paths import Paths
from infra.settings import Settings, load_settings, save_settings
from tests.support.bad_state import CASES, bad_bytes, check_kept_aside


def test_round_trip(tmp_path: Path) -> None:
    chosen = Settings(notifications=False, buffer_minutes=60, buffer_mb=500,
                      recordings_dir=str(tmp_path / "rec"), theme="light", font_scale=1.25)
    save_settings(tmp_path, chosen)
    assert load_settings(tmp_path) == chosen


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    assert load_settings(tmp_path) == Settings()


@pytest.mark.parametrize("case", CASES)
def test_a_bad_file_gives_defaults_and_is_kept_aside(tmp_path: Path, case: str, caplog) -> None:
    save_settings(tmp_path, Settings(theme="light", font_scale=1.5))
    good = (tmp_path / "settings.json").read_bytes()
    bad = bad_bytes(case, good, wrong_type=b'["theme", "light"]')
    check_kept_aside(tmp_path / "settings.json", bad, lambda: load_settings(tmp_path),
                     Settings())
    lines = [r.message for r in caplog.records if "kept as settings.json.corrupt-" in r.message]
    assert len(lines) == 2 and str(tmp_path / "settings.json") in lines[0]
    save_settings(tmp_path, Settings(theme="dark"))  # the app goes on: a new file
    assert load_settings(tmp_path) == Settings(theme="dark")


def test_a_bad_field_falls_back_alone(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text(
        '{"theme": "pink", "buffer_mb": true, "buffer_minutes": 5, "font_scale": 1.5}')
    got = load_settings(tmp_path)
    assert got == Settings(font_scale=1.5)
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"], "a bad field: not moved"


def test_recordings_folder(tmp_path: Path) -> None:
    paths = Paths.from_env({"ONAIR_CONFIG_DIR": str(tmp_path)})
    assert Settings().recordings_folder(paths) == tmp_path / "recordings"
    assert Settings(recordings_dir=str(tmp_path / "x")).recordings_folder(paths) == tmp_path / "x"
    env = {"ONAIR_CONFIG_DIR": str(tmp_path), "ONAIR_RECORDINGS_DIR": str(tmp_path / "r")}
    assert Paths.from_env(env).recordings_dir == tmp_path / "r"
