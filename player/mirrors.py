"""The stream URLs of one play session: those found so far, which one plays, and the rest.

A station's mirrors are resolved lazily (`player.resolver.lazy_candidates`): `pull()`
takes the next playable URL from that source, fetching a playlist if it has to, so it
runs on a worker (the interactive lane); everything else runs on the UI thread. The
controller keeps at most one `pull()` running per `Mirrors`, and a new play session gets
a new `Mirrors`, so the source is never advanced from two threads at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator


class Mirrors:
    """URLs found so far (`urls`), the one tried last (`index`) and the lazy rest."""

    def __init__(self, source: Iterable[str] | None = None, *, urls: Iterable[str] = ()) -> None:
        self._source: Iterator[str] | None = iter(source) if source is not None else None
        self.urls: list[str] = list(urls)
        self.index = -1
        self.done = self._source is None  # nothing more to pull
        self._tried = 0  # urls[:_tried] were each tried at least once

    def pull(self) -> str | None:
        """The next URL from the source, None when it has no more (worker thread)."""
        assert self._source is not None, "nothing to pull"
        return next(self._source, None)

    def add(self, url: str) -> None:
        if url not in self.urls:
            self.urls.append(url)

    @property
    def current(self) -> str:
        return self.urls[self.index] if 0 <= self.index < len(self.urls) else ""

    def at_end(self) -> bool:
        """The URL tried last is the last one found: the source is next."""
        return self.index >= len(self.urls) - 1

    def untried(self) -> bool:
        """Some URL found was never tried."""
        return self._tried < len(self.urls)

    def step(self) -> str:
        """Move on to the next URL found (after the last, the first again) and return it."""
        return self.jump((self.index + 1) % len(self.urls))

    def jump(self, index: int) -> str:
        self.index = index
        self._tried = max(self._tried, index + 1)
        return self.urls[index]
