"""When to try a dropped or stalled stream again, and how to say why it failed.

`RetryPolicy` is pure: capped exponential backoff with jitter and a retry budget.
`describe_failure` opens one HTTP request to a stream URL (stdlib only, short
timeout, run it off the UI thread) and turns what happened into a few words a
person understands, for the final error message.
"""

from __future__ import annotations

import http.client
import random
import socket
import ssl
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass(frozen=True)
class RetryPolicy:
    """Delay before retry `attempt` (1-based): min(cap, base * factor**(attempt-1)),
    shortened by up to `jitter` (a fraction) so clients do not retry in lockstep."""

    max_tries: int = 6
    base_s: float = 1.0
    factor: float = 2.0
    cap_s: float = 30.0
    jitter: float = 0.25
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def delay(self, attempt: int) -> float:
        if attempt < 1:
            raise ValueError(f"attempt must be >= 1, got {attempt}")
        raw = min(self.cap_s, self.base_s * self.factor ** (attempt - 1))
        return raw * (1.0 - self.jitter * self.rng.random())

    def exhausted(self, attempt: int) -> bool:
        """True when `attempt` tries have failed and no further one is allowed."""
        return attempt >= self.max_tries


LIVE_POLICY = RetryPolicy()
CLI_POLICY = RetryPolicy(max_tries=3, base_s=0.5, cap_s=1.0)


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
