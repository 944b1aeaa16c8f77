"""Bad state files, for every store's tests: corrupt (not JSON), truncated (a valid file cut in
half) and wrong-type, and the check that one is kept aside byte for byte as
`NAME.corrupt-<UTC time>` and that a second bad file never overwrites the first one kept."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

CASES = ("corrupt", "truncated", "wrong_type")
SECOND_BAD = b'{"second": \x00\xff bad'


def bad_bytes(case: str, good: bytes, wrong_type: bytes) -> bytes:
    """The bad file of `case`, from a good file's bytes and a wrong-type document."""
    if case == "corrupt":
        return b"{\x00\xff not json at all"
    if case == "truncated":
        return good[:len(good) // 2]
    return wrong_type


def kept_aside(path: Path) -> list[Path]:
    """The files kept aside for `path`, oldest name first."""
    return sorted(path.parent.glob(f"{path.name}.corrupt-*"))


def check_kept_aside(path: Path, bad: bytes, load: Callable[[], object],
                     default: object) -> None:
    """`bad` at `path` loads as `default` and is kept aside; a second bad file too, beside it."""
    path.write_bytes(bad)
    assert load() == default
    assert not path.exists(), "the bad file was moved, not left to be written over"
    (first,) = kept_aside(path)
    assert re.fullmatch(rf"{re.escape(path.name)}\.corrupt-\d{{8}}T\d{{6}}Z", first.name)
    assert first.read_bytes() == bad
    path.write_bytes(SECOND_BAD)
    assert load() == default
    kept = kept_aside(path)
    assert len(kept) == 2 and first in kept and first.read_bytes() == bad
    assert {p.read_bytes() for p in kept} == {bad, SECOND_BAD}
