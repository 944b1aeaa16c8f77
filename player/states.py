"""The player's states, and the groups the controller and every view test against (one
definition: a state added here is classified everywhere)."""

from __future__ import annotations

import math

STATES = ("stopped", "connecting", "buffering", "playing", "paused", "reconnecting", "error")

# A stream is open or being opened: the listener hears, or is about to hear, the station.
ACTIVE = frozenset({"connecting", "buffering", "playing", "reconnecting"})
# On the way to audio, not there yet.
WAITING = frozenset({"connecting", "buffering", "reconnecting"})
# Nothing plays and nothing will until the listener asks.
IDLE = frozenset({"stopped", "paused", "error"})

assert ACTIVE | IDLE == set(STATES) and not ACTIVE & IDLE


def reconnect_words(retry_in_s: float, reason: str) -> str:
    """The one wording of a reconnect wait: "reconnecting in 2 s: connection refused" (the
    CLI's line; the player bar capitalizes it)."""
    secs = math.ceil(retry_in_s)
    text = f"reconnecting in {secs} s" if secs > 0 else "reconnecting"
    return f"{text}: {reason}" if reason else text
