"""The History view in a real window: the rows of a real history file, newest first, remote
text shown as it is, and Copy putting a row's text on the X clipboard (read back with
`xclip -o`, as a person pasting it would get it)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from desktop.history import Heard, History, HistoryStore, Listen
from tests.ui.conftest import click, pump, screenshot, wait_until

T0 = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
needs_xclip = pytest.mark.skipif(shutil.which("xclip") is None, reason="needs xclip")


def clipboard() -> str:
    return subprocess.run(["xclip", "-o", "-selection", "clipboard"], capture_output=True,
                          text=True, timeout=10).stdout


@pytest.fixture
def recorder(tmp_path, player, guide):
    """A real HistoryRecorder over a history file written beforehand."""
    from desktop.history_recorder import HistoryRecorder
    from tests.support.tasks import task_runner

    store = HistoryStore(tmp_path)
    store.save(History(
        (Listen("kcur", "KCUR 89.3", "Up To Date", T0, T0 + timedelta(minutes=50)),
         Listen("wdmo", "WDMO 99.5", "Performance Today", T0 + timedelta(hours=1),
                T0 + timedelta(hours=1, minutes=5))),
        (Heard("kcur", "KCUR 89.3", "[b]Not bold[/b] & Co", T0 + timedelta(minutes=20)),)), 1)
    rec = HistoryRecorder(player, guide, store, tasks=task_runner())
    rec.start()
    yield rec
    rec.close()


@pytest.fixture
def view(recorder, window):
    from ui.history_view import HistoryView

    v = HistoryView(history=recorder)
    v.open_history()
    pump(3)
    yield v
    v.dismiss(animation=False)
    pump(1)


def row_widgets(view):
    rv = view.ids.rows
    return [rv.view_adapter.get_visible_view(i) for i in range(len(rv.data))]


def test_the_rows_are_the_history_newest_first_and_literal(view, window) -> None:
    texts = [row.ids.line.text for row in row_widgets(view)]
    assert len(texts) == 3
    assert texts[0].endswith("WDMO 99.5  Performance Today")
    assert texts[1].endswith("KCUR 89.3  Title: [b]Not bold[/b] & Co")
    assert texts[2].endswith("KCUR 89.3  Up To Date")
    assert not row_widgets(view)[1].ids.line.markup  # remote text: shown, never read as markup
    screenshot(window, "history_view_rows")


@needs_xclip
def test_copy_puts_the_row_on_the_clipboard(view) -> None:
    row = row_widgets(view)[1]
    click(row.ids.copy_row)
    wait_until(lambda: clipboard() == row.ids.line.text, 5, "the row on the clipboard")
    assert view.notice.startswith("Copied: ")
    assert clipboard().endswith("Title: [b]Not bold[/b] & Co")


def test_a_new_listen_shows_and_esc_closes(view, recorder, player, stations) -> None:
    player.play(stations[0])
    wait_until(lambda: player.state == "playing", 5, "playing")
    wait_until(lambda: len(view.ids.rows.data) == 4, 5, "the new stretch listed")
    assert view.ids.rows.data[0]["text"].endswith("KCUR 89.3  (program not known)")
    from kivy.core.window import Window

    Window.dispatch("on_keyboard", 27, 0, None, [])  # Esc, as the window gives it
    wait_until(lambda: not view.is_open, 2, "closed")
