"""What recording uses of the catch-up engine (player/holder.py, stream_reader.py,
ring_buffer.py), as structural types.

The engine is player's adapter, and a feature may not import another feature's adapters
(DESIGN.md); services.py hands the real StreamHolder in, and these Protocols say what the
recorder relies on. Names and meanings are the engine's (player/ring_buffer.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class Cursor(Protocol):
    @property
    def position(self) -> float: ...  # the moment of the next frame to read

    @property
    def closed(self) -> bool: ...

    def read(self, max_bytes: int, timeout: float) -> bytes: ...  # whole frames, b"" if none

    def take_headers(self) -> bytes: ...  # Ogg: the header pages in force (b"" for MP3/AAC)


class Buffer(Protocol):
    @property
    def start(self) -> float: ...  # the oldest moment held

    @property
    def end(self) -> float: ...  # the live edge

    @property
    def gaps(self) -> list[tuple[float, float]]: ...

    def cursor(self, t: float) -> Cursor: ...

    def wait_until(self, t: float, timeout: float) -> bool: ...

    def title_at(self, t: float) -> str: ...

    def titles_between(self, t0: float, t1: float) -> Sequence[tuple[float, str]]: ...


class Reader(Protocol):
    @property
    def state(self) -> str: ...

    @property
    def error(self) -> str: ...

    @property
    def codec(self) -> str | None: ...

    @property
    def buffer(self) -> Buffer: ...

    def wait_ready(self, timeout: float) -> bool: ...


class Holder(Protocol):
    def acquire(self, url: str, *, reconnect: bool = False) -> Reader: ...

    def release(self, reader: Reader) -> None: ...
