"""The player's states, and the groups the controller and every view test against (one
definition: a state added here is classified everywhere)."""

from __future__ import annotations

STATES = ("stopped", "connecting", "buffering", "playing", "paused", "reconnecting", "error")

# A stream is open or being opened: the listener hears, or is about to hear, the station.
ACTIVE = frozenset({"connecting", "buffering", "playing", "reconnecting"})
# On the way to audio, not there yet.
WAITING = frozenset({"connecting", "buffering", "reconnecting"})
# Nothing plays and nothing will until the listener asks.
IDLE = frozenset({"stopped", "paused", "error"})

assert ACTIVE | IDLE == set(STATES) and not ACTIVE & IDLE
