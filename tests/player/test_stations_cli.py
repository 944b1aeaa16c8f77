"""`onair stations` as a user runs it: a subprocess, its output and its exit code."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.repo import REPO_ROOT


def onair(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO_ROOT / "main.py"), *args],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})}, cwd=REPO_ROOT)


def test_stations_json_lists_the_catalogue_in_its_own_schema() -> None:
    run = onair("stations", "--json")
    assert run.returncode == 0, run.stderr
    stations = json.loads(run.stdout)["stations"]
    kcur = stations[0]
    assert kcur["id"] == "kcur"
    assert set(kcur) >= {"id", "name", "tagline", "city", "timezone", "homepage", "streams",
                         "schedule", "news"}
    assert kcur["schedule"] == {"source": "composer", "ucs": None, "base_url": None}
    assert kcur["news"] == {"feed": "https://www.kcur.org/news.rss"}
    assert set(kcur["streams"][0]) == {"url", "format", "bitrate"}
    kuhf = next(s for s in stations if s["id"] == "kuhf")
    assert kuhf["schedule"] == {"source": "composer", "ucs": "519131dee1c8f40813e79115",
                                "base_url": None}


def test_stations_table_is_readable() -> None:
    run = onair("stations")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].split()[:3] == ["ID", "NAME", "CITY"]
    assert lines[1].startswith("kcur  KCUR 89.3")
    assert "America/Chicago" in lines[1]


@pytest.mark.parametrize("how", ["option", "env"])
def test_broken_catalogue_exits_2_with_one_line_naming_it(tmp_path: Path, how: str) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"stations": [{"id": "kcur", "name": "KCUR", "timezone": "UTC",'
                      ' "streams": [{"url": "file:///etc/passwd"}]}]}')
    run = (onair("--stations", str(broken), "stations") if how == "option"
           else onair("stations", env={"ONAIR_STATIONS": str(broken)}))
    assert run.returncode == 2
    assert run.stdout == ""
    assert run.stderr == (f'onair: {broken}: station 1 ("kcur"): field "streams[1].url": '
                          'URL "file:///etc/passwd": scheme "file" is not http or https\n')


def test_override_catalogue_replaces_the_shipped_one(tmp_path: Path) -> None:
    mine = tmp_path / "mine.json"
    mine.write_text('{"stations": [{"id": "local", "name": "Local", "timezone": "UTC",'
                    ' "streams": [{"url": "http://127.0.0.1:8000/a.mp3"}]}]}')
    run = onair("--stations", str(mine), "stations", "--json")
    assert run.returncode == 0, run.stderr
    assert [s["id"] for s in json.loads(run.stdout)["stations"]] == ["local"]
