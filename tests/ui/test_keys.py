"""The keyboard map: each key of the help line does what it says."""

import pytest

from ui.keys import HELP, action_for


@pytest.mark.parametrize(("key", "char", "action"), [
    (32, " ", "toggle"), (273, None, "previous"), (274, None, "next"),
    (109, "m", "mute"), (61, "+", "volume_up"), (61, "=", "volume_up"),
    (270, None, "volume_up"), (45, "-", "volume_down"), (269, None, "volume_down"),
    (110, "n", "next_story"), (27, None, "close_reader"),
])
def test_keys(key, char, action):
    assert action_for(key, char, []) == action


def test_modified_keys_and_others_are_not_ours():
    assert action_for(110, "n", ["ctrl"]) is None
    assert action_for(113, "q", []) is None


def test_help_line_names_every_key():
    for words in ("Space", "Up/Down", "M mute", "+/- volume", "N next story", "Esc"):
        assert words in HELP
