"""The desktop entry: shipped in assets/, installed by the set-up (`make run`), named
"onair" as the MPRIS DesktopEntry says, and starting this checkout's app."""

from __future__ import annotations

import configparser
import os
import subprocess

from desktop.mpris_model import DESKTOP_ENTRY
from tests.support.repo import REPO_ROOT


def read_entry(text: str) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string(text)
    return parser["Desktop Entry"]


def test_the_shipped_entry_names_the_app() -> None:
    entry = read_entry((REPO_ROOT / "assets" / "onair.desktop").read_text())
    assert entry["Type"] == "Application" and entry["Name"] == "On Air"
    assert entry["Exec"].split()[0] == "onair" and "Player" in entry["Categories"]
    assert DESKTOP_ENTRY == "onair"  # the file is onair.desktop


def test_the_set_up_installs_it_for_this_checkout(tmp_path) -> None:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path)}
    subprocess.run(["bash", "scripts/setup.sh", "run"], cwd=REPO_ROOT, env=env, check=True,
                   capture_output=True, timeout=600)
    installed = tmp_path / "applications" / "onair.desktop"
    exe = read_entry(installed.read_text())["Exec"].split()[0]
    assert exe == str(REPO_ROOT / ".venv" / "bin" / "onair") and os.access(exe, os.X_OK)
    before = installed.stat().st_mtime_ns
    subprocess.run(["bash", "scripts/setup.sh", "run"], cwd=REPO_ROOT, env=env, check=True,
                   capture_output=True, timeout=600)
    assert installed.stat().st_mtime_ns == before  # a second run changes nothing
