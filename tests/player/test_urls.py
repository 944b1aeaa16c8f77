"""Only http(s) URLs with a host reach libvlc; everything else is a clear BadInput."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infra.errors import BadInput
from infra.urls import MAX_URL_LENGTH, check_stream_url, one_line


@pytest.mark.parametrize("url", [
    "http://example.org/live.mp3",
    "https://kcur.streamguys1.com/kcur-website-icy",
    "HTTPS://EXAMPLE.ORG:8443/a?b=c",
    "http://127.0.0.1:8000/mount",
    "http://[::1]:8000/mount",
])
def test_http_and_https_urls_pass_unchanged(url: str) -> None:
    assert check_stream_url(url) == url


@pytest.mark.parametrize(("url", "why"), [
    ("file:///etc/passwd", 'scheme "file" is not http or https'),
    ("javascript:alert(1)", 'scheme "javascript" is not http or https'),
    ("smb://host/share/a.mp3", 'scheme "smb" is not http or https'),
    ("-vvv", "starts with an option character"),
    ("--sout=#file{dst=/tmp/x}", "starts with an option character"),
    (":sout=#std{access=file}", "starts with an option character"),
    ("garbage", "no scheme"),
    ("", "empty"),
    ("http:///nohost.mp3", "no host"),
    ("http://exa mple.org/a", "whitespace or control characters"),
    ("http://example.org/a\n:sout=x", "whitespace or control characters"),
    ("http://example.org:99999/", "malformed"),
    ("http://example.org/" + "a" * MAX_URL_LENGTH, f"longer than {MAX_URL_LENGTH}"),
])
def test_unsafe_urls_are_refused_naming_the_url_and_why(url: str, why: str) -> None:
    with pytest.raises(BadInput) as err:
        check_stream_url(url)
    message = str(err.value)
    assert message.startswith('stream URL "')
    assert why in message
    assert "\n" not in message
    assert len(message) < 200
    assert one_line(url)[:20] in message


def test_one_line_escapes_control_characters_and_truncates() -> None:
    assert one_line("a\nb\x1b[31m") == "a\\nb\\x1b[31m"
    assert one_line("x" * 100, 10) == "xxxxxxx..."


@given(st.text(max_size=300))
def test_any_text_is_accepted_as_http_or_refused_with_bad_input(url: str) -> None:
    try:
        assert check_stream_url(url) == url
    except BadInput as err:
        assert "\n" not in str(err)
    else:
        assert url.lower().startswith(("http://", "https://"))
        assert not any(c.isspace() for c in url)
