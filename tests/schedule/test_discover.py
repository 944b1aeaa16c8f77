"""Discovery from hostile and odd homepages (the page is untrusted input): the pure parser in
player.homepage, and its donation-page finder."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from player.homepage import MAX_ITEMS, decode_page, discover, looks_like_html
from tests.support.metadata_server import KCUR_UCS, grove_homepage

HOME = "https://www.kcur.org/"


def test_unsafe_stream_urls_and_script_text_are_ignored():
    found = discover(grove_homepage(), HOME)
    assert found.streams == ("https://kcur.streamguys1.com/kcur-website-icy",)
    assert found.ucs == KCUR_UCS and found.name == "KCUR 89.3"


def test_relative_urls_resolve_against_the_page_and_duplicates_go():
    html = (f'<div data-stream-ucsid="NOT-HEX"></div><div data-stream-ucsid="{KCUR_UCS.upper()}">'
            '</div>'
            '<ps-stream-url data-stream-url="/live.aac"></ps-stream-url>'
            '<ps-stream-url data-stream-url="https://www.kcur.org/live.aac"></ps-stream-url>'
            '<title> KCUR &amp; friends </title>')
    found = discover(html, HOME)
    assert found.streams == ("https://www.kcur.org/live.aac",)
    assert found.ucs == KCUR_UCS and found.name == "KCUR & friends" and found.feeds == ()


def test_a_page_with_nothing_and_a_flood_of_links():
    assert discover("", HOME).to_json() == {"name": "", "homepage": HOME, "streams": [],
                                           "ucs": None, "feeds": []}
    assert discover("", HOME).support is None
    flood = "".join(f'<a href="/s{n}.rss">x</a>' for n in range(500))
    assert len(discover(flood, HOME).feeds) == MAX_ITEMS


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_any_text_gives_a_discovery_with_only_http_urls(text):
    found = discover(text, HOME)
    assert all(u.startswith(("http://", "https://")) for u in found.streams + found.feeds)
    assert found.support is None or found.support.startswith(("http://", "https://"))


def grove_with_support(header: str, footer: str = "") -> str:
    """The Grove homepage with links added to its header and footer, as Grove sites have."""
    page = grove_homepage()
    page = page.replace("<body>", f"<body><header class=\"Page-header\">{header}</header>")
    return page.replace("</body>", f"<footer class=\"Page-footer\">{footer}</footer></body>")


def test_the_grove_header_donate_button_is_the_support_page():
    page = grove_with_support(
        '<a class="Page-header-donate-button" href="https://www.kcur.org/donate">'
        '<span>Donate</span></a>',
        '<a href="/support">Support KCUR</a>')
    assert discover(page, HOME).support == "https://www.kcur.org/donate"
    assert discover(grove_homepage(), HOME).support is None


@pytest.mark.parametrize("link,expected", [
    ('<a href="/give">Give Now</a>', "https://www.kcur.org/give"),
    ('<a href="/join" aria-label="Become a member of KCUR">Join</a>',
     "https://www.kcur.org/join"),
    ('<a href="/m" class="Button Button-support">&hearts;</a>', "https://www.kcur.org/m"),
    ('<a href="/pledge-drive"> PLEDGE </a>', "https://www.kcur.org/pledge-drive"),
    ('<a href="/forgiveness">Forgiveness</a><a href="/supportive">Supportive</a>', None),
    ('<a href="javascript:donate()">Donate</a>', None),
    ('<a href="mailto:give@kcur.org">Give</a>', None),
    ('<a href="#donate">Donate</a>', None),  # this very page
    ('<a href="">Donate</a><a>Donate</a><a href="data:text/html,x">Donate</a>', None),
])
def test_donation_links_by_text_label_or_class_and_only_http(link, expected):
    assert discover(grove_with_support(link), HOME).support == expected


def test_the_stations_own_site_is_preferred_then_the_links_text():
    page = grove_with_support(
        '<a href="https://secure.givelively.org/kcur">Donate</a>'
        '<a class="support-link" href="https://donate.kcur.org/a">Members</a>',
        '<a href="https://www.kcur.org/donate">Donate</a>')
    assert discover(page, HOME).support == "https://www.kcur.org/donate"
    elsewhere = grove_with_support('<a href="https://secure.givelively.org/kcur">Donate</a>')
    assert discover(elsewhere, HOME).support == "https://secure.givelively.org/kcur"


def test_link_text_is_capped_and_an_unclosed_link_still_counts():
    flood = "x " * 100_000
    assert discover(f'<a href="/d">{flood} Donate</a>', HOME).support is None
    assert discover('<a href="/d">Donate', HOME).support == "https://www.kcur.org/d"


def test_page_checks_and_charsets():
    looks_like_html(b"<html>", "")
    with pytest.raises(ValueError, match="answered image/png, not a web page"):
        looks_like_html(b"\x89PNG", "image/png")
    assert decode_page("caf\u00e9".encode("latin-1"), "text/html; charset=latin-1") == "caf\u00e9"
    assert decode_page(b"ok", "text/html; charset=nonsense") == "ok"


def test_markup_that_made_html_parser_raise_or_stall_still_gives_the_station():
    expected = discover(grove_homepage(), HOME)
    raised = grove_homepage().replace("<body>", "<body><p><![foo[ x ]]> <![ 1 </p>")
    stalled = '<a "' * 50_000 + ">" + grove_homepage()  # minutes in html.parser
    for page in (raised, stalled):
        assert discover(page, HOME) == expected
