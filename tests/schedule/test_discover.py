"""Discovery from hostile and odd homepages (the page is untrusted input)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from schedule.discover import MAX_ITEMS, discover
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
    flood = "".join(f'<a href="/s{n}.rss">x</a>' for n in range(500))
    assert len(discover(flood, HOME).feeds) == MAX_ITEMS


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_any_text_gives_a_discovery_with_only_http_urls(text):
    found = discover(text, HOME)
    assert all(u.startswith(("http://", "https://")) for u in found.streams + found.feeds)
