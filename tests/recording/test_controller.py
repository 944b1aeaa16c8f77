"""Recording from Up Next while the app runs: the real panel in a real window, its Record
button clicked, the RecordingController and StreamHolder built by main.Services, the real
Icecast bench and a loopback Composer schedule."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from player.catalogue import catalogue_to_json
from player.stations import Catalogue, Stream
from recording.store import ScheduleStore
from services import Services
from tests.recording.conftest import decoded_seconds
from tests.support.metadata_server import CHICAGO, Airing, composer_station, serve_composer
from tests.ui.conftest import click, kivy_window, pump, screenshot, show, wait_until, window
from ui.icons import IconButton

pytestmark = [pytest.mark.gui, pytest.mark.icecast]
__all__ = ["kivy_window", "show", "window"]  # the window fixtures of tests/ui


@pytest.fixture
def schedule(httpserver):
    """On Now Show starts 6 s from now for 10 s, Later Show right after it for 10 s, After
    Show five minutes later."""
    now = datetime.now(CHICAGO).replace(microsecond=0)
    on_now = Airing("On Now Show", now + timedelta(seconds=6), now + timedelta(seconds=16),
                    ("Steve Kraske",))
    later = Airing("Later Show", on_now.end, on_now.end + timedelta(seconds=10))
    after = Airing("After Show", later.end + timedelta(minutes=5),
                   later.end + timedelta(minutes=65))  # not due while the test runs
    before = Airing("Before Show", now - timedelta(hours=1), on_now.start)
    base = serve_composer(httpserver, {now.date(): [before, on_now, later, after]})
    return base, on_now, later, after


@pytest.fixture
def services(tmp_path, bench, schedule):
    station = replace(composer_station(schedule[0], station_id="kcur-like"), name="KCUR 89.3",
                      streams=(Stream(bench.url("/a.mp3")),))
    stations = tmp_path / "stations.json"
    stations.write_text(json.dumps(catalogue_to_json(Catalogue((station,), None))))
    svc = Services(str(stations), env={"ONAIR_CONFIG_DIR": str(tmp_path / "config"),
                                       "ONAIR_CACHE_DIR": str(tmp_path / "cache"),
                                       "ONAIR_RECORDINGS_DIR": str(tmp_path / "recordings")})
    yield svc
    svc.close()


def test_record_on_now_and_every_week_from_up_next(services, schedule, tmp_path, window,
                                                   show):
    from ui.up_next import UpNextPanel

    _, on_now, later, after = schedule
    guide = services.guide(local_tz=CHICAGO)
    recordings = services.recordings
    panel = show(UpNextPanel(guide, recordings=recordings))
    guide.set_station(services.catalogue.stations[0])
    wait_until(lambda: panel.now_title == "On Now Show", 20, "the program on now")
    assert panel.can_record and not panel.now_recorded

    click(panel.ids.now_record)
    assert panel.record_menu.ids.record_once.text == "Record now"
    click(panel.record_menu.ids.record_once)
    wait_until(lambda: recordings.active, 5, "the recording to start")
    wait_until(lambda: panel.now_recorded, 5, "the Record button lit")
    screenshot(window, "up-next-recording")

    assert panel.next_title == "Later Show"
    click(panel.ids.next_record)
    assert panel.record_menu.ids.record_once.text == "Record this one"
    click(panel.record_menu.ids.record_weekly)
    [entry] = ScheduleStore(tmp_path / "config").load()
    assert (entry.program, entry.rule) == ("Later Show", "weekly")
    assert entry.weekday == later.start.weekday()
    wait_until(lambda: panel.next_recorded, 5, "Up Next's Record button lit")

    row = next(w for w in panel.ids.later.layout_manager.children
               if w.title_text == "After Show")
    click(next(w for w in row.walk() if isinstance(w, IconButton)))
    click(panel.record_menu.ids.record_once)  # "Record this one": that airing only
    once = [e for e in ScheduleStore(tmp_path / "config").load() if e.rule == "next"]
    assert [(e.program, e.at_time) for e in once] == [("After Show", after.start)]
    wait_until(lambda: next(w for w in panel.ids.later.layout_manager.children
                            if w.title_text == "After Show").record_lit, 5, "its button lit")
    recordings.cancel(once[0].id)

    folder = tmp_path / "recordings"
    wait_until(lambda: len(list(folder.glob("*.mp3"))) == 2 and not recordings.active, 60,
               "both recordings to end")
    first = folder / f"KCUR 89.3 - On Now Show - {on_now.start:%Y-%m-%d %H%M}.mp3"
    side = json.loads(first.with_suffix(".json").read_text())
    began = datetime.fromisoformat(side["began_at"])
    # the program started before the click; the held stream reaches back to its start
    assert abs((began - on_now.start).total_seconds()) < 1.0
    assert abs(decoded_seconds(first) - 10) <= 1.5 and side["complete"]
    second = folder / f"KCUR 89.3 - Later Show - {later.start:%Y-%m-%d %H%M}.mp3"
    assert abs(decoded_seconds(second) - 10) <= 1.5
    [entry] = ScheduleStore(tmp_path / "config").load()  # the rule stays, its airing done
    assert datetime.fromisoformat(entry.last_start) == later.start
    pump(2)
    assert recordings.message.startswith("Recorded KCUR 89.3 - ")
    guide.shutdown()
