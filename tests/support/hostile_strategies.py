"""Hypothesis strategies for structured-but-hostile remote input: HTML token soup, Composer
airings, directory records, RSS feeds, playlist lines, ICY blocks, image headers, and
mutations (cut, spliced, repeated) of real payloads. Values include what once broke a parser:
`<![` (html.parser raised AssertionError), years 1 and 9999 (OverflowError in one airing
failed a whole day), 5000-digit numbers (Python refuses to read them), lone surrogates
(nothing can encode them), character references no text can hold (`&#xD800;`), NULs,
bidi overrides, Kivy markup, non-http URLs.
"""

# ruff: noqa: E501 - token lists read best one per line
from __future__ import annotations

import struct
import zlib
from datetime import date
from xml.sax.saxutils import escape, quoteattr

from hypothesis import strategies as st

DAY = date(2025, 5, 14)
TRAPS = ["\x00", "\ud800", "\udfff", "\u202e", "\u200b", "\x1b[31m", "[b]x[/b]", "[color=ff0000]",
         "<![x", "<![CDATA[", "]]>", "<!--", "-->", "&#xD800;", "&#0;", "&#x110000;",
         "&#99999999999999;", "&amp;", "&", "<script>alert(1)</script>", "<", ">", '"', "'",
         "\r\n", "é", "\U0001f600", "9" * 5000, "x" * 3000]
hostile_text = st.one_of(st.text(max_size=30), st.sampled_from(TRAPS),
                         st.lists(st.sampled_from(TRAPS), max_size=4).map("".join))
URLS = ["http://e.org/a.mp3", "https://www.kcur.org/x", "/relative.mp3", "file:///etc/passwd",
        "javascript:alert(1)", "data:audio/mpeg;base64,AA", "-vvv", "http://[::1", "http://e.org:99999/",
        "http://\x00e.org/", " http://e.org/a \n", "https://e.org/" + "a" * 5000, "smb://host/x",
        "http://user:pw@e.org/", "https://e.org/\u202ex"]
urls = st.one_of(st.sampled_from(URLS), st.text(max_size=40))
scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10**30), 10**30),
                    st.floats(allow_nan=True, allow_infinity=True), hostile_text)
json_values = st.recursive(scalars, lambda kids: st.lists(kids, max_size=3) | st.dictionaries(
    st.text(max_size=10), kids, max_size=4), max_leaves=12)

HTML_TOKENS = [
    "<p>", "</p>", "<br>", "</br>", "<br/>", "<li>", "</li>", "<ul>", "</ul>", "<div>", "</div>",
    "</span>", "<figure>", "</figure>", "<figcaption>", "</figcaption>", '<div class="Figure">',
    '<span class="Figure-credit">', '<p class="wp-caption-text">', "<script>", "</script>",
    "<style>", "<iframe>", "<iframe/>", "<svg>", "</svg>", "<math>", "<noscript>", "<title>",
    "</title>", "<table><tr><td>", "<img src='https://e.org/x.jpg' width='1'>",
    "<img src='data:x' data-src='/lazy.jpg' alt='&lt;b&gt;'>", '<a href="/donate">Donate</a>',
    '<a href="javascript:x()">', '<a href="', "<a ", '<ps-stream-url data-stream-url="/live.aac">',
    '<div data-stream-ucsid="0123456789abcdef01234567">', '<link rel="alternate" type="application/rss+xml" href="/news.rss">',
    '<meta property="og:site_name" content="KCUR">', "<!DOCTYPE html>", "<?xml version='1.0'?>",
    "<html>", "<body>", "<![if IE]>", "<![endif]>", "<!x", "</", "<div " + "a=1 " * 50 + ">",
    "<div>" * 600, "<div>" * 1200, "</b>" * 50, *TRAPS,
]
html_soup = st.lists(st.one_of(st.text(max_size=15), st.sampled_from(HTML_TOKENS)),
                     max_size=50).map("".join)

WALL = ["2025-05-14 09:00", "2025-05-14 23:59", "2025-05-15 00:00", "0001-01-01 00:00",
        "9999-12-31 23:59", "2025-13-45 99:99", "09:00", "9:00 PM", "24:00", "00:00", ""]
JS_DATES = ["Wed May 14 2025 09:00:00 GMT-0500 (CDT)", "Mon Jan 01 0001 00:00:00 GMT+0100",
            "Fri Dec 31 9999 23:00:00 GMT-2300", "Wed May 14 2025 09:00:00 GMT+9999",
            "Wed Foo 14 2025 09:00:00 GMT-0500", "2025-05-14T09:00:00+05:00",
            "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"]
walls = st.one_of(st.sampled_from(WALL), st.text(max_size=20), scalars)
js_dates = st.one_of(st.sampled_from(JS_DATES), st.text(max_size=30), scalars)
hosts = st.one_of(scalars, st.lists(st.one_of(
    scalars, st.fixed_dictionaries({"name": st.one_of(hostile_text, scalars)})), max_size=5))
program = st.one_of(json_values, st.fixed_dictionaries({}, optional={
    "name": st.one_of(hostile_text, scalars), "hosts": hosts,
    "program_desc": st.one_of(hostile_text, scalars), "program_link": st.one_of(urls, scalars)}))
airing = st.one_of(json_values, st.fixed_dictionaries({}, optional={
    "date": walls, "start_time": walls, "end_time": walls, "fullstart": walls,
    "fullend": walls, "start_utc": js_dates, "end_utc": js_dates, "program": program,
    "name": hostile_text}))

uuids = st.one_of(st.from_regex(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}",
                                fullmatch=True), st.text(max_size=70), scalars)
record = st.one_of(json_values, st.fixed_dictionaries({}, optional={
    "stationuuid": uuids, "name": st.one_of(hostile_text, scalars), "url": st.one_of(urls, scalars),
    "url_resolved": st.one_of(urls, scalars), "homepage": st.one_of(urls, scalars),
    "favicon": st.one_of(urls, scalars), "tags": st.one_of(hostile_text, scalars),
    "countrycode": st.one_of(hostile_text, scalars), "state": st.one_of(hostile_text, scalars),
    "codec": st.one_of(hostile_text, scalars), "bitrate": scalars, "votes": scalars,
    "hls": scalars}))


def _cdata(html: str) -> str:
    return "<![CDATA[" + html.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _item(fields: dict, raw: bool) -> str:
    text = (lambda v: v) if raw else escape
    attr = (lambda v: f'"{v}"') if raw else quoteattr
    parts = [f"<{k}>{text(fields[k])}</{k}>" for k in ("title", "link", "pubDate", "guid")
             if k in fields]
    parts += [f"<dc:creator>{text(c)}</dc:creator>" for c in fields.get("creators", ())]
    for key, tag in (("description", "description"), ("content", "content:encoded")):
        if key in fields:
            parts.append(f"<{tag}>{fields[key] if raw else _cdata(fields[key])}</{tag}>")
    if "media" in fields:
        parts.append("<media:content " + " ".join(f"{k}={attr(v)}" for k, v in fields["media"].items())
                     + "><media:title>" + text(fields.get("title", "")) + "</media:title></media:content>")
    if "enclosure" in fields:
        parts.append(f"<enclosure url={attr(fields['enclosure'])} type=\"audio/mpeg\" length=\"9\"/>")
    if "duration" in fields:
        parts.append(f"<itunes:duration>{text(fields['duration'])}</itunes:duration>")
    return "<item>" + "".join(parts) + "</item>"


def rss_bytes(items: list[dict], raw: bool, atom: bool) -> bytes:
    ns = ('xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/" '
          'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
          'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"')
    body = "".join(_item(i, raw) for i in items)
    doc = (f'<feed xmlns="http://www.w3.org/2005/Atom" {ns}><title>t</title>{body}</feed>' if atom
           else f'<?xml version="1.0"?><rss version="2.0" {ns}><channel><title>t</title>{body}</channel></rss>')
    return doc.encode("utf-8", errors="surrogatepass")


media = st.dictionaries(st.sampled_from(["url", "medium", "type", "width", "height", "fileSize"]),
                        st.one_of(st.sampled_from(["image", "image/jpeg", "1", "1e999", "nan", "-5", "https://e.org/a.jpg"]), hostile_text), max_size=6)
rss_item = st.fixed_dictionaries({}, optional={
    "title": hostile_text, "link": urls, "guid": hostile_text, "description": html_soup,
    "content": html_soup, "creators": st.lists(hostile_text, max_size=3), "media": media,
    "enclosure": urls, "duration": st.one_of(st.sampled_from(["4:47", "99:99:99:99", "-1", "1e400", "nan"]), hostile_text),
    "pubDate": st.one_of(st.sampled_from(["Wed, 14 May 2025 09:00:00 GMT", "Wed, 14 May 99999 09:00:00 GMT", "Mon, 01 Jan 0001 00:00:00 +2359", "2025-05-14T09:00:00Z", "yesterday"]), hostile_text)})
# Raw markup for an item's title, as a lenient server writes it: what made feedparser's
# lenient parser raise (character references no text can hold) or the strict reader recurse.
RAW_TRAPS = ["&#xD800;", "&#55296;", "&#x110000;", "&#" + "9" * 5000 + ";", "<b>" * 1200,
             "<![CDATA[x", "&nbsp;&eacute;", "&bogus;", "<!DOCTYPE x [<!ENTITY a 'b'>]>"]
raw_item = st.fixed_dictionaries({"title": st.lists(st.sampled_from(RAW_TRAPS), min_size=1,
                                                    max_size=3).map("".join)})
rss_feed = st.builds(rss_bytes, st.lists(st.one_of(rss_item, raw_item), max_size=4), st.booleans(),
                     st.booleans())

PLAYLIST_LINES = ["[playlist]", "#EXTM3U", "#EXT-X-STREAM-INF:BANDWIDTH=1", "#EXTINF:-1,Name",
                  '#EXTINF:-1 tvg-name="a,b",Name', "File1=http://e.org/a.mp3", "File999999=http://e.org/b",
                  "File1= sid=3", "File1=", "Title1=x", "NumberOfEntries=abc", "Version=2",
                  "http://198.51.100.7:8002 sid=8", "http://e.org/a" + " " * 300 + "x", *URLS,
                  "<html><body>", "<!doctype html>", "\ufeff", "relative/path.mp3", "name,http://e.org/a.mp3",
                  '"unclosed,http://e.org/a', "name,-"]
playlist = st.one_of(st.binary(max_size=500), st.lists(
    st.one_of(st.sampled_from(PLAYLIST_LINES), hostile_text), max_size=20).map(
    lambda lines: "\n".join(lines).encode("utf-8", errors="surrogatepass")))

ASX_TOKENS = ["<asx version='3.0'>", "<ASX>", "</asx>", "<entry>", "</entry>", "<Entry>",
              '<ref href="http://e.org/a.mp3"/>', '<REF HREF="file:///etc/passwd"/>',
              '<entryref href="/more.asx"/>', "<ref href='javascript:x()'>", '<ref href="',
              '<playlist xmlns="http://xspf.org/ns/0/">', "<trackList>", "<track>",
              "<location>http://e.org/b.aac</location>", "<location>", "</track>",
              "<!DOCTYPE asx [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;'>]>", "&b;",
              '<!DOCTYPE x SYSTEM "http://e.org/x.dtd">', "<?xml version='1.0'?>", "<![CDATA[",
              "<entry>" * 300, *TRAPS]
xml_playlist = st.lists(st.one_of(st.sampled_from(ASX_TOKENS), st.text(max_size=10)),
                        max_size=30).map(lambda t: "".join(t).encode("utf-8", "surrogatepass"))

icy_block = st.builds(
    lambda title, tail: (b"StreamTitle='" + title + b"';" + tail)[:255 * 16],
    st.one_of(st.binary(max_size=300), hostile_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
              st.sampled_from([b"'" * 4000, b"\xe9t\xe9", b"a';b", b"\x00" * 30])),
    st.sampled_from([b"", b"StreamUrl='http://e.org/';", b"\x00" * 100, b"'"]))


def _png(width: int, height: int, depth: int, colour: int, idat: bytes) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


sides = st.one_of(st.integers(0, 70000), st.sampled_from([0, 1, 512, 513, 4096, 2**31 - 1, 2**32 - 1]))
image_bytes = st.one_of(
    st.builds(_png, sides, sides, st.sampled_from([1, 2, 4, 8, 16, 3]), st.sampled_from([0, 2, 3, 4, 6, 7]),
              st.one_of(st.binary(max_size=200), st.builds(zlib.compress, st.binary(max_size=300)))),
    st.builds(lambda w, h, rest: b"GIF89a" + struct.pack("<HH", w % 65536, h % 65536) + rest,
              sides, sides, st.binary(max_size=200)),
    st.builds(lambda rest: b"\xff\xd8\xff" + rest, st.binary(max_size=300)),
    st.builds(lambda rest: b"RIFF\x00\x00\x00\x00WEBP" + rest, st.binary(max_size=300)),
    st.binary(max_size=300))


@st.composite
def mutations(draw: st.DrawFn, payload: str | bytes) -> str | bytes:
    """`payload` cut at any point, with a slice replaced by hostile bytes or text, or with a
    slice repeated."""
    n = len(payload)
    a = draw(st.integers(0, n))
    b = draw(st.integers(a, min(n, a + 200)))
    kind = draw(st.sampled_from(["cut", "splice", "repeat"]))
    if kind == "cut":
        return payload[:a]
    if kind == "repeat":
        return payload[:b] + payload[a:b] * draw(st.integers(2, 50)) + payload[b:]
    if isinstance(payload, str):
        junk = draw(st.one_of(hostile_text, st.sampled_from(HTML_TOKENS)))
    else:
        junk = draw(st.one_of(st.binary(max_size=40), hostile_text.map(
            lambda t: t.encode("utf-8", "surrogatepass"))))
    return payload[:a] + junk + payload[b:]
