"""Stream URL safety: only http(s) URLs with a host ever reach libvlc.

libvlc reads a leading ':' or '-' as an option and plays file://, smb://,
screen://, etc.; a catalogue, a playlist or a directory entry is untrusted input.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from infra.errors import BadInput

MAX_URL_LENGTH = 2048
ALLOWED_SCHEMES = ("http", "https")


def one_line(text: str, limit: int = 80) -> str:
    """`text` made safe for a one-line message: control characters escaped, truncated."""
    safe = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return safe if len(safe) <= limit else safe[: limit - 3] + "..."


def url_problem(url: object) -> str | None:
    """Why `url` is not a playable stream URL, or None when it is fine."""
    if not isinstance(url, str):
        return "not a string"
    if not url:
        return "empty"
    if len(url) > MAX_URL_LENGTH:
        return f"longer than {MAX_URL_LENGTH} characters"
    if url[0] in ":-":
        return "starts with an option character (':' or '-')"
    if any(c.isspace() or not c.isprintable() for c in url):
        return "contains whitespace or control characters"
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a malformed port
    except ValueError as err:
        return f"malformed ({err})"
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        return f'scheme "{one_line(scheme, 20)}" is not http or https' if scheme else "no scheme"
    if not parts.hostname:
        return "no host"
    if port == 0:
        return "port 0"
    return None


def is_stream_url(url: object) -> bool:
    return url_problem(url) is None


def check_stream_url(url: str) -> str:
    """Return `url` if it is an http(s) URL safe to hand to libvlc; BadInput otherwise."""
    problem = url_problem(url)
    if problem is not None:
        shown = one_line(url) if isinstance(url, str) else type(url).__name__
        raise BadInput(f'stream URL "{shown}": {problem}')
    return url
