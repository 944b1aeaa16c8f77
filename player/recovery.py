"""When to try a dropped or stalled stream again, and how to say why it failed.

`RetryPolicy` is pure. It has two regimes:
- a first connection (nothing heard yet since `play`): capped exponential backoff and a
  budget of `max_tries`; then the player gives up with an error;
- an outage (the stream played, then dropped, stalled or was refused): never gives up.
  It probes every `burst_s` for the first `burst_for_s` seconds since audio last flowed,
  then every `probe_s` until `fast_for_s`, then the wait grows with the outage (by
  `growth` s per second beyond `fast_for_s`) up to `outage_cap_s`.
Every delay is shortened by up to `jitter` (a fraction) so clients do not retry in lockstep.

`Recovery` applies the policy to one play session (tries, when audio last flowed); it
reads the time it is handed, so tests move a clock by hand.

`describe_failure` opens one HTTP request to a stream URL (stdlib only, short timeout,
run it off the UI thread) and turns what happened into a few words a person
understands; `explain` words it for a station that played before (a 404 then means the
station's source is reconnecting to its server).
"""

from __future__ import annotations

import http.client
import random
import socket
import ssl
from dataclasses import dataclass, field
from urllib.parse import urlsplit

SOURCE_RECONNECTING = "the station's source is reconnecting"
SILENT_OPEN = "no answer"  # libvlc opened the stream and decoded nothing (see Recovery)


@dataclass(frozen=True)
class RetryPolicy:
    """First connection: delay before retry `attempt` (1-based) is
    min(cap_s, base_s * factor**(attempt-1)); `max_tries` failed tries end it.
    Outage: see the module docstring (`outage_delay`)."""

    max_tries: int = 4
    base_s: float = 1.0
    factor: float = 2.0
    cap_s: float = 8.0
    burst_s: float = 0.5
    burst_for_s: float = 10.0
    probe_s: float = 1.0
    fast_for_s: float = 60.0
    growth: float = 0.25
    outage_cap_s: float = 30.0
    jitter: float = 0.25
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def delay(self, attempt: int) -> float:
        """Wait before retry `attempt` of a first connection."""
        if attempt < 1:
            raise ValueError(f"attempt must be >= 1, got {attempt}")
        return self._jittered(min(self.cap_s, self.base_s * self.factor ** (attempt - 1)))

    def exhausted(self, attempt: int) -> bool:
        """True when `attempt` tries of a first connection have failed: no further one."""
        return attempt >= self.max_tries

    def outage_delay(self, outage_s: float) -> float:
        """Wait before the next probe when audio last flowed `outage_s` seconds ago."""
        if outage_s < self.burst_for_s:
            raw = self.burst_s
        elif outage_s < self.fast_for_s:
            raw = self.probe_s
        else:
            raw = min(self.outage_cap_s, self.probe_s + (outage_s - self.fast_for_s) * self.growth)
        return self._jittered(raw)

    def _jittered(self, raw: float) -> float:
        return raw * (1.0 - self.jitter * self.rng.random())


LIVE_POLICY = RetryPolicy()
CLI_POLICY = RetryPolicy(max_tries=3, base_s=0.5, cap_s=1.0)


class Recovery:
    """The retry state of one play session: failed tries, and when audio last flowed.

    `audio(now)` while audio is decoded; `failed()` after each failed try; `delay(now)` is
    the wait before the next try, None when a first connection has used up its tries.
    Once audio was heard (on a live stream) it never returns None."""

    def __init__(self, policy: RetryPolicy, *, live: bool = True) -> None:
        self.policy = policy
        self.live = live
        self.tries = 0  # failed tries since audio last flowed (or since play)
        self.heard_at: float | None = None
        self._again_at_once = False

    @property
    def heard(self) -> bool:
        """Audio of this live session was decoded: drops are outages, retried for ever."""
        return self.heard_at is not None

    def audio(self, now: float) -> None:
        if self.live:
            self.heard_at = now
            self.tries = 0

    def failed(self, why: str = "") -> None:
        """A try failed. The first try of a connection that opened and stayed silent is
        tried again at once: libvlc joining an ADTS AAC stream mid-frame can take a stray
        LOAS sync for its framing and decode nothing (about one open in 40 here); a new
        connection joins elsewhere."""
        self.tries += 1
        self._again_at_once = why == SILENT_OPEN and self.tries == 1 and not self.heard

    def open_timeout_s(self, base_s: float) -> float:
        """How long this try may stay silent: `base_s`, doubled per failed try (twice at
        most), so a quick retry never cuts off a genuinely slow network."""
        return base_s * 2 ** min(self.tries, 2)

    def delay(self, now: float) -> float | None:
        if self._again_at_once:
            return 0.0
        if self.heard_at is not None:
            return self.policy.outage_delay(max(0.0, now - self.heard_at))
        if self.policy.exhausted(self.tries):
            return None
        return self.policy.delay(max(1, self.tries))


def explain(why: str, *, heard: bool) -> str:
    """`why` (from describe_failure) as the reason shown while reconnecting: a mount that
    played before and now answers 404 is a station whose source is reconnecting."""
    if heard and why.startswith("HTTP 404"):
        return SOURCE_RECONNECTING
    return why


def describe_failure(url: str, timeout: float = 3.0) -> str:
    """Why `url` gives no audio, e.g. "connection refused" or "HTTP 404 Not Found"."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    conn: http.client.HTTPConnection
    if https:
        conn = http.client.HTTPSConnection(host, port, timeout=timeout,
                                           context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Icy-MetaData": "0", "User-Agent": "OnAir"})
        resp = conn.getresponse()
        if resp.status >= 400:
            return f"HTTP {resp.status} {resp.reason}".strip()
        if not resp.read(1):
            return "the server sent no audio"
        return "the server answered but no audio could be decoded"
    except socket.gaierror:
        return f"host {host} not found"
    except ConnectionRefusedError:
        return "connection refused"
    except TimeoutError:
        return "no answer from the server"
    except ssl.SSLError as err:
        return f"secure connection failed ({err.reason or err})"
    except (OSError, http.client.HTTPException) as err:
        return f"network error ({err.__class__.__name__})"
    finally:
        conn.close()
