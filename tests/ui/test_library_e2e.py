"""End to end, the station library: the app as `onair` runs it, real X keys (xdotool).

A loopback Radio Browser (tests/support/directory_server.py; the first server of
ONAIR_RADIO_BROWSER answers 500, so the search fails over) whose "WKAR Tone B" plays the
real Icecast bench's /b.aac (1000 Hz) and whose homepage (a loopback page) links a news
feed of the demo site and a Donate page. The listener opens the search with "/", types,
sees the results, adds one with Enter: it is in On Air Stations, plays (its tone is in the
WAV), its click is counted once (also across a restart), its website's news and donation
page arrive (Support opens the page through $BROWSER), and it can be renamed (F2), removed
(Delete) and put back (Ctrl+Z). Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time

import pytest

from tests.support.demo_data import STATIONS, DemoSite, demo_catalogue
from tests.support.directory_server import TONE_B_UUID, DirectoryServer, demo_records
from tests.ui.app_process import AppProcess

pytestmark = [pytest.mark.e2e, pytest.mark.icecast, pytest.mark.gui,
              pytest.mark.skipif(shutil.which("xdotool") is None, reason="needs xdotool"),
              pytest.mark.timeout(240)]

NAME = "WKAR Tone B"
B_STORY = "Carnegie Hall opens its season with a rarely heard Dvorak symphony"


def homepage(site: DemoSite, donate: str) -> str:
    """The station's website: a news feed (the demo site's New York stories) and Donate."""
    return (f'<!DOCTYPE html><html><head><title>{NAME}</title>'
            f'<link rel="alternate" type="application/rss+xml" title="News" '
            f'href="{site.base_url}/news/{STATIONS[1].id}.rss"></head>'
            f'<body><nav><a href="/schedule">Schedule</a> <a class="btn" href="{donate}">Donate'
            f'</a></nav></body></html>')


def type_text(app: AppProcess, text: str) -> None:
    subprocess.run(["xdotool", "windowfocus", "--sync", app.window], check=True, timeout=10)
    subprocess.run(["xdotool", "type", "--delay", "80", text], check=True, timeout=30)


def joined(state: dict, section: str) -> str:
    return "\n".join(state["sections"].get(section, []))


def test_search_add_play_and_organise(tmp_path, bench, site, media, httpserver, monkeypatch):
    donate = httpserver.url_for("/donate")
    httpserver.expect_request("/").respond_with_data(homepage(site, donate),
                                                     content_type="text/html")
    records = demo_records(icecast=bench.url(""))
    for record in records:
        if isinstance(record, dict) and record["stationuuid"] == TONE_B_UUID:
            record["homepage"] = httpserver.url_for("/")
    opened = tmp_path / "browser-opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" >> "{opened}"\n')
    browser.chmod(0o755)
    stations_file = tmp_path / "stations.json"
    stations_file.write_text(json.dumps(demo_catalogue(site, bench.url, media)))

    with DirectoryServer(status=500) as down, DirectoryServer(records) as directory:
        monkeypatch.setenv("ONAIR_RADIO_BROWSER", f"{down.url},{directory.url}")
        monkeypatch.setenv("BROWSER", str(browser))
        app = AppProcess(tmp_path, stations_file)
        try:
            app.wait_window()
            app.wait(lambda s: s["station"] == STATIONS[0].id, what="the first station")

            app.key("slash")
            app.wait(lambda s: "Add a station" in s["sections"]["search"], what="search open")
            type_text(app, "tone")
            state = app.wait(lambda s: NAME in s["sections"]["search"], what="the results")
            assert '2 stations match "tone"' in state["sections"]["search"]
            assert "KCUR 89.3 Tone A" in state["sections"]["search"]
            assert [a["name"] for a in directory.searches()] == ["tone"], "once, debounced"
            assert down.searches(), "the failing server was asked first"
            app.screenshot("e2e_library_search")

            app.key("Down", "Return")  # the second result: WKAR Tone B
            app.wait(lambda s: f"Added {NAME}" in s["sections"]["search"], what="added")
            app.key("Escape")
            state = app.wait(lambda s: not s["sections"]["search"], what="search closed")
            assert NAME in state["sections"]["stations"]
            assert len(json.loads(stations_file.read_text())["stations"]) == 3

            app.key("Down", "Down")  # the new station, at the end of the list
            state = app.wait(lambda s: NAME in s["sections"]["player_bar"], what="selected")
            added_id = state["station"]
            assert state["state"] == "stopped"
            app.key("space")
            app.wait(lambda s: s["state"] == "playing", what="the added station playing")
            app.wait_hears(1000)
            deadline = time.monotonic() + 10
            while directory.clicks[TONE_B_UUID] < 1 and time.monotonic() < deadline:
                time.sleep(0.1)
            assert directory.clicks[TONE_B_UUID] == 1

            # What its website tells: the news and the donation page.
            app.wait(lambda s: f"Support {NAME}" in s["sections"]["player_bar"], timeout=20,
                     what="the Support button")
            app.wait(lambda s: B_STORY in s["sections"]["news"], timeout=20,
                     what="its website's news")
            app.screenshot("e2e_library_playing_added")
            app.click("support")
            deadline = time.monotonic() + 10
            while not opened.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert opened.read_text().split() == [donate]

            app.key("space", "space")  # pause, play again: no second click
            app.wait(lambda s: s["state"] == "playing", what="playing again")

            app.key("F2")  # the name becomes a field (the label goes), focused
            app.wait(lambda s: not any(t.startswith(NAME) for t in s["sections"]["stations"]),
                     what="the name field")
            type_text(app, "My Tone")
            app.key("Return")
            state = app.wait(lambda s: "My Tone" in joined(s, "stations")
                             and "My Tone" in s["sections"]["player_bar"], what="renamed")
            assert state["state"] == "playing", "a rename does not stop the stream"
            app.key("Delete")
            state = app.wait(lambda s: "Removed My Tone" in s["sections"]["notice"]
                             and "My Tone" not in joined(s, "stations"), what="removed, Undo")
            assert "Undo" in state["sections"]["notice"]
            app.screenshot("e2e_library_removed")
            app.key("ctrl+z")
            app.wait(lambda s: "My Tone" in joined(s, "stations"), what="put back")
            assert app.stop() == 0
        finally:
            app.stop()

        saved = json.loads(stations_file.read_text())["stations"]
        mine = next(s for s in saved if s["id"] == added_id)
        assert mine["name"] == "My Tone" and mine["support"] == donate
        assert mine["directory_uuid"] == TONE_B_UUID

        again = AppProcess(tmp_path, stations_file)  # the next start: counted once ever
        try:
            again.wait_window()
            again.wait(lambda s: s["station"] == added_id, what="the last station again")
            again.key("space")
            again.wait(lambda s: s["state"] == "playing", what="playing after a restart")
            again.wait_hears(1000)
            assert again.stop() == 0
        finally:
            again.stop()
        assert directory.clicks[TONE_B_UUID] == 1
