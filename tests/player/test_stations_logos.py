"""`onair stations --json` prints each logo as an absolute path that exists, run from any
directory: the shipped logos from the installed assets, a listener's own logo (a directory
station's icon kept in the config dir) as it is. The catalogue file keeps its own form."""

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.repo import REPO_ROOT


def _stations_json(tmp_path: Path, env: dict[str, str]) -> list[dict]:
    run = subprocess.run([sys.executable, str(REPO_ROOT / "main.py"), "stations", "--json"],
                         capture_output=True, text=True, timeout=60, cwd=tmp_path,
                         env={**os.environ, **env})
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)["stations"]


def test_shipped_logos_print_as_absolute_paths_that_exist(tmp_path: Path) -> None:
    stations = _stations_json(tmp_path, {})
    kcur = next(s for s in stations if s["id"] == "kcur")
    logo = Path(kcur["logo"])
    assert logo.is_absolute() and logo.is_file()
    assert logo.name == "kcur.png" and logo.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert all(s["logo"] is None or Path(s["logo"]).is_file() for s in stations)


def test_a_listeners_logo_prints_as_its_path_and_the_file_keeps_its_form(tmp_path: Path) -> None:
    config = tmp_path / "config"
    (config / "logos").mkdir(parents=True)
    mine = config / "logos" / "abc.png"
    mine.write_bytes((REPO_ROOT / "assets" / "logos" / "kcur.png").read_bytes())
    catalogue = tmp_path / "stations.json"
    text = json.dumps({"stations": [
        {"id": "mine", "name": "Mine", "timezone": "UTC", "logo": str(mine),
         "streams": [{"url": "http://127.0.0.1:9/live"}]},
        {"id": "shipped", "name": "Shipped", "timezone": "UTC",
         "logo": "assets/logos/kcur.png", "streams": [{"url": "http://127.0.0.1:9/live"}]},
        {"id": "gone", "name": "Gone", "timezone": "UTC", "logo": "assets/logos/nothing.png",
         "streams": [{"url": "http://127.0.0.1:9/live"}]}]})
    catalogue.write_text(text)
    stations = {s["id"]: s for s in _stations_json(
        tmp_path, {"ONAIR_CONFIG_DIR": str(config), "ONAIR_STATIONS": str(catalogue)})}
    assert stations["mine"]["logo"] == str(mine.resolve())
    assert Path(stations["shipped"]["logo"]).is_absolute()
    assert Path(stations["shipped"]["logo"]).is_file()
    assert stations["gone"]["logo"] is None
    assert catalogue.read_text() == text  # printing never rewrites the catalogue
