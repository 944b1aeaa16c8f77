"""One JSON state file (settings, prefs, alarms, history, recordings, clicks): `StateFile`.

`load()` reads and checks it: a missing file is the store's default, quietly. A file that
cannot be read as the store's document (not UTF-8 JSON, cut short, too large, the wrong
top-level type, or one the store's `parse` rejects with BadInput, ValueError, TypeError
or KeyError) is moved aside as `NAME.corrupt-<UTC time>` (`-2`, `-3`... when that is
taken; an earlier one kept is never overwritten), with one log line naming the file, the
reason and where it was kept, and the default is returned. How tolerant a store is of a
bad field inside a good file is its `parse`'s business (settings and prefs keep the good
fields and say which they dropped).

`save()` writes atomically under the file's lock (infra.paths, infra.file_lock), and
`update(fn)` holds that lock from the read to the write. A file is moved aside only while
the lock is held and only if it still holds the bytes judged bad, so another process's
good write in between is never the one moved. If it cannot be moved, `save()` refuses
(OSError) rather than write over it.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

from infra.errors import BadInput
from infra.file_lock import locked
from infra.paths import atomic_write_text
from infra.timefmt import now_utc

T = TypeVar("T")
_log = logging.getLogger(__name__)
MAX_BYTES = 8 << 20
_PARSE_ERRORS = (BadInput, ValueError, TypeError, KeyError)


class StateFile(Generic[T]):
    """`path` read through `parse(raw JSON) -> T`, written from `serialize(T) -> JSON`.

    `top`: the JSON type the document must be (an object by default); `indent` and
    `ascii_only`: the layout written, so a store keeps its file's bytes. `problem` is the
    line the last `load()` logged about a bad file (moved aside, or not), "" when it found
    none: for a view to show."""

    def __init__(self, path: Path, *, parse: Callable[[object], T], default: Callable[[], T],
                 serialize: Callable[[T], object], top: type = dict, indent: int = 1,
                 ascii_only: bool = False, max_bytes: int = MAX_BYTES,
                 log: logging.Logger | None = None) -> None:
        self.path = Path(path)
        self._parse, self._default, self._serialize = parse, default, serialize
        self._top, self._max_bytes = top, max_bytes
        self._layout = {"indent": indent, "ensure_ascii": ascii_only}
        self._log = log or _log
        self.problem = ""
        self._stuck = ""  # a bad file that could not be moved: never written over

    @property
    def blocked(self) -> str:
        """Why the file is not to be written over (a bad one not moved); "" when it may be."""
        return self._stuck

    def load(self) -> T:
        """The document, or the default (missing; or bad, then moved aside). Never raises."""
        self.problem = ""
        for _ in range(3):  # a file replaced by another process while we judged it: again
            data = self._read()
            if data is None:
                return self._default()
            value, why = self._judge(data)
            if why is None:
                self._stuck = ""
                return value
            if self._set_aside(data, why):
                return self._default()
        return self._default()

    def save(self, value: T) -> None:
        """Write `value` atomically under the lock (OSError when it cannot be written)."""
        if self._stuck:
            raise OSError(f"{self.path}: not written over ({self._stuck})")
        text = json.dumps(self._serialize(value), **self._layout)
        atomic_write_text(self.path, text + "\n")

    def update(self, change: Callable[[T], T]) -> T:
        """Read, change and write under the file's lock; the value written."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with locked(self.path):
            value = change(self.load())
            self.save(value)
            return value

    def _read(self) -> bytes | None:
        """The file's bytes (at most max_bytes + 1), or None when there is none."""
        try:
            with self.path.open("rb") as fh:
                return fh.read(self._max_bytes + 1)
        except FileNotFoundError:
            return None
        except OSError as err:
            self._stuck = f"{self.path}: cannot be read ({err.strerror or err})"
            self._log.warning("%s; using the defaults", self._stuck)
            self.problem = self._stuck
            return None

    def _judge(self, data: bytes) -> tuple[T | None, str | None]:
        """(value, None) for a good document, else (None, why it is not one)."""
        if len(data) > self._max_bytes:
            return None, f"larger than {self._max_bytes // 1000} kB"
        try:
            raw = json.loads(data.decode("utf-8"))
        except UnicodeDecodeError:
            return None, "not UTF-8 text"
        except ValueError as err:
            return None, f"not valid JSON ({_short(err)})"
        if not isinstance(raw, self._top):
            return None, f"not a JSON {'object' if self._top is dict else self._top.__name__}"
        try:
            return self._parse(raw), None
        except _PARSE_ERRORS as err:
            return None, _short(err) or type(err).__name__

    def _set_aside(self, judged: bytes, why: str) -> bool:
        """Move the bad file aside, if it still holds `judged`; False: it changed, re-read."""
        try:
            with locked(self.path):
                if self._read() != judged:
                    return False
                kept = _move_aside(self.path)
        except OSError as err:
            self._stuck = f"{why}; could not be moved aside ({err.strerror or err})"
            self.problem = f"{self.path}: {self._stuck}; using the defaults"
        else:
            self._stuck = ""
            self.problem = f"{self.path}: {why}; kept as {kept.name}, starting afresh"
        self._log.warning("%s", self.problem)
        return True


def _short(err: BaseException, limit: int = 120) -> str:
    text = " ".join(str(err).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _move_aside(path: Path) -> Path:
    """Rename `path` to `NAME.corrupt-<UTC time>[-N]`, never over an existing file."""
    stamp = now_utc().strftime("%Y%m%dT%H%M%SZ")
    for n in range(1, 1000):
        target = path.with_name(f"{path.name}.corrupt-{stamp}" + (f"-{n}" if n > 1 else ""))
        try:
            os.link(path, target)  # fails if the target exists: nothing is overwritten
        except FileExistsError:
            continue
        except OSError:  # a filesystem without hard links
            if target.exists():
                continue
            os.rename(path, target)
            return target
        path.unlink()
        return target
    raise OSError(f"too many files kept aside beside {path.name}")
