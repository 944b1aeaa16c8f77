"""The project's own error types. Every failure a user can meet ends in one of these.

The message is one line a person understands: what went wrong and where
(file, station, field, URL or source). main.py prints it and exits with
`exit_code`; the GUI shows it. No requests, vlc or parser exception leaks past
the module that caught it.
"""


class OnAirError(Exception):
    """Base class; `str(err)` is the one-line message."""

    exit_code = 1


class BadInput(OnAirError):
    """The user's input is wrong: a bad URL, an unknown station, a broken file."""

    exit_code = 2


class SourceUnavailable(OnAirError):
    """A source (stream, schedule API, feed) could not be reached or answered nonsense."""

    exit_code = 3
