"""What the HTTP client answers, as plain values (no requests import: models and parsers
can name these types without loading the HTTP stack)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

Check = Callable[[bytes, str], object]
"""Validates a 200 answer (content, content type); raises ValueError(why) if unusable."""


@dataclass(frozen=True)
class Fetched:
    url: str
    status: int
    content: bytes
    content_type: str
    stale: bool
    fetched_at: datetime  # aware UTC; when this copy was fetched (or last revalidated)
    problem: str | None = None  # why a stale copy is served, e.g. "HTTP 500 (url)"


@dataclass(frozen=True)
class FetchedHead:
    """The start of an HTTP answer: where redirects ended, its Content-Type, first bytes."""

    final_url: str
    content_type: str
    head: bytes  # at most max_bytes (64 KiB by default)


class Fetcher(Protocol):
    """GET `url` following redirects (with a limit), reading at most `max_bytes`.
    Raises SourceUnavailable (or BadInput for a refused redirect target), nothing else."""

    def __call__(self, url: str, max_bytes: int = 65536) -> FetchedHead: ...
