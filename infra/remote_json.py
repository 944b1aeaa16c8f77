"""JSON from a server, read so that no single value can fail the whole answer.

Python refuses to read an integer of more than 4300 digits (ValueError), so one such number
in one directory record or program would make the whole list "not JSON". Here an integer
longer than MAX_INT_DIGITS is read as a float instead (inf when it is that large), which the
parsers' own checks then treat as unknown. Nesting too deep stays an error of the answer
(RecursionError, as json raises it).
"""

from __future__ import annotations

import json

MAX_INT_DIGITS = 40


def _int(text: str) -> int | float:
    return int(text) if len(text) <= MAX_INT_DIGITS else float(text)


def loads(data: bytes | str) -> object:
    """`json.loads(data)` with long integers read as floats; raises what json.loads raises
    (ValueError, UnicodeDecodeError, RecursionError)."""
    return json.loads(data, parse_int=_int)
