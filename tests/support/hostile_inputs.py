"""Adversarial inputs for the parsers of remote text, each built to about a given size.

Shapes that once made a parser raise or run super-linearly, or could: deep nesting with end
tags of elements that are not open (libxml2 then looks through every open element), nested
figure captions, unclosed tags, quotes and comments, `<![` marked sections (html.parser
raised AssertionError), huge attribute lists, Composer programs lacking end times (each end
was found by scanning every later program), a program with thousands of hosts, feeds with
thousands of authors or items, XML nested deep, entity references, directory answers of many
records, playlists of spaces before a Shoutcast `sid=` (a regex backtracked over them).

Only the standard library: bench/parsers.py loads this file by its path to run the same
shapes against an older commit's parsers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

DAY = date(2025, 5, 14)
Builder = Callable[[int], object]


def repeat(unit, size: int, head=None, tail=None):
    """`head`, then `unit` as often as fits in `size`, then `tail` (str or bytes)."""
    empty = unit[:0]
    head, tail = head if head is not None else empty, tail if tail is not None else empty
    return head + unit * max(1, (size - len(head) - len(tail)) // len(unit)) + tail


def stray_ends(size: int) -> str:
    """250 elements deep, 250 end tags of elements that are not open, back out; again."""
    return repeat("<div>" * 250 + "</span>" * 250 + "</div>" * 250, size)


def deep_then_stray(size: int) -> str:
    return "<div>" * (size // 12) + "</span>" * (size // 14)


def attributes(size: int) -> str:
    """One start tag of distinct attributes (10 characters each)."""
    return "<img " + " ".join(f"a{i:07d}=1" for i in range((size - 6) // 11)) + ">"


HTML: dict[str, Callable[[int], str]] = {
    "paragraphs": lambda n: repeat("<p>A story &amp; <b>its</b> words.</p>", n),
    "nested figure captions": lambda n: repeat("<figcaption>x", n, "<figure>"),
    "deep nesting then stray end tags": deep_then_stray,
    "stray end tags at depth 250": stray_ends,
    "unclosed attribute quotes": lambda n: repeat('<a "', n),
    "unclosed comments": lambda n: repeat("<!--", n),
    "<![ repeated": lambda n: repeat("<![x", n, "<p>text</p>"),
    "huge attribute list": attributes,
    "list items": lambda n: repeat("<ul><li>", n),
}

PLAIN: dict[str, Callable[[int], str]] = {
    "escaped markup": lambda n: repeat("&lt;b&gt;x&lt;/b&gt; ", n),
    "unclosed tags": lambda n: repeat("<a ", n),
}

HOMEPAGE: dict[str, Callable[[int], str]] = {
    **{k: v for k, v in HTML.items() if k != "nested figure captions"},
    "support links": lambda n: repeat('<a href="/d" class="Button">Donate now</a>', n),
    "feed links": lambda n: repeat('<a href="/s.rss">x</a>', n),
    "unclosed tags": lambda n: repeat("<a", n),
    "title text": lambda n: repeat("x &amp; ", n, "<title>"),
    "stream urls": lambda n: repeat('<b data-stream-url="/live.aac"></b>', n),
}


def composer_day(size: int, *, ends: bool = False) -> bytes:
    """A Composer /day answer: airings a minute apart, with or without their end times."""
    items: list[str] = []
    used, n = 20, 0
    while used < size:
        h, m = divmod(n, 60)
        on = date.fromordinal(DAY.toordinal() + h // 24).isoformat()
        item: dict = {"fullstart": f"{on} {h % 24:02d}:{m:02d}",
                      "program": {"name": f"Program {n}", "hosts": [{"name": "Host"}]}}
        if ends:
            item["fullend"] = f"{on} {h % 24:02d}:{m:02d}"
        items.append(json.dumps(item))
        used += len(items[-1]) + 2
        n += 1
    return ('{"onToday": [' + ", ".join(items) + "]}").encode()


def composer_hosts(size: int) -> bytes:
    hosts = ", ".join(f'{{"name": "Host {i:07d}"}}' for i in range((size - 120) // 26))
    return ('{"onToday": [{"fullstart": "2025-05-14 09:00", "program": {"name": "Talk", '
            f'"hosts": [{hosts}]}}}}]}}').encode()


def composer_now(size: int) -> bytes:
    day = composer_day(size).decode()
    return ('{"onNow": null, "nextUp": ' + day[len('{"onToday": '):-1] + "}").encode()


COMPOSER_DAY: dict[str, Callable[[int], bytes]] = {
    "programs lacking end times": composer_day,
    "programs with end times": lambda n: composer_day(n, ends=True),
    "one program, many hosts": composer_hosts,
    "deep JSON nesting": lambda n: b"[" * n,
    "long integers": lambda n: repeat(b'{"x": ' + b"9" * 5000 + b"}, ", n, b'{"onToday": [',
                                      b'{"fullstart": "2025-05-14 09:00"}]}'),
}
COMPOSER_NOW: dict[str, Callable[[int], bytes]] = {"up next lacking end times": composer_now}


def rss(items: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:media="http://search.yahoo.com/mrss/"><channel><title>KCUR</title>'
            f"<link>https://www.kcur.org/</link>{items}</channel></rss>").encode()


RSS_OPEN = rss("")[:-len(b"</channel></rss>")]
_ITEM = ("<item><title>Council votes {n}</title><link>https://www.kcur.org/s/{n}</link>"
         "<pubDate>Wed, 14 May 2025 09:00:00 GMT</pubDate><dc:creator>A. Writer</dc:creator>"
         "<description><![CDATA[<p>The council voted <b>late</b>.</p>]]></description>"
         "<content:encoded><![CDATA[<figure><img src='https://e.org/{n}.jpg' width='800'>"
         "<figcaption>Cap</figcaption></figure><p>Body {n}.</p><p>More.</p>]]>"
         "</content:encoded></item>")


def feed_items(size: int) -> bytes:
    unit = len(_ITEM.format(n=10**5))
    return rss("".join(_ITEM.format(n=i) for i in range(max(1, (size - 400) // unit))))


def feed_body(size: int, unit: str) -> bytes:
    return rss("<item><title>T</title><content:encoded><![CDATA["
               f"{unit * max(1, (size - 600) // len(unit))}]]></content:encoded></item>")


def feed_entities(size: int) -> bytes:
    head = (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "' + b"x" * 1000 + b'">]>'
            b'<rss version="2.0"><channel><title>t</title><item><title>T</title><description>')
    return repeat(b"&a;", size, head, b"</description></item></channel></rss>")


FEED: dict[str, Callable[[int], bytes]] = {
    "many items": feed_items,
    "one item, many authors": lambda n: rss(
        "<item><title>T</title><description>d</description>"
        + "".join(f"<dc:creator>Writer {i}</dc:creator>" for i in range(n // 38)) + "</item>"),
    "body of nested figure captions": lambda n: feed_body(n, "<figcaption>x"),
    "body of stray end tags": lambda n: feed_body(n, "</span>"),
    "unclosed items": lambda n: repeat(b"<item><title>x", n, RSS_OPEN),
    "entity references": feed_entities,
    "bad character references": lambda n: repeat(b"<item><title>x&#xD800;&#99999999999;</title>"
                                                  b"</item>", n, RSS_OPEN),
    "deep XML nesting": lambda n: repeat(b"<x>", n, RSS_OPEN),
    "comments after a lenient end": lambda n: repeat(  # 40 comments: the check was 2^40
        b"words ", n, RSS_OPEN + b"<item><title>&bogus;</title><description>",
        b"</description></item></channel></rss>" + b"<!---->" * 40 + b"x"),
}
_CAST = ("<item><title>NPR News {n}</title><pubDate>Wed, 14 May 2025 09:00:00 GMT</pubDate>"
         "<enclosure url='https://e.org/{n}.mp3' type='audio/mpeg' length='1'/></item>")
NEWSCAST: dict[str, Callable[[int], bytes]] = {
    "many items": lambda n: rss("".join(_CAST.format(n=i)
                                        for i in range(max(1, n // (len(_CAST) + 4))))),
}

_RECORD = ('{{"stationuuid": "96062a7b-0601-11e8-ae97-{n:012x}", "name": "<b>Station</b> '
           '{n} &amp; friends", "url": "http://e.org/{n}.mp3", "url_resolved": "", '
           '"homepage": "https://e.org/", "favicon": "https://e.org/f.png", "tags": '
           '"news,talk,npr,public radio,[b]x[/b]", "countrycode": "US", "state": "Kansas", '
           '"codec": "MP3", "bitrate": "128", "votes": 3, "hls": 0}}')
_TAGGED = ('{{"stationuuid": "96062a7b-0601-11e8-ae97-{n:012x}", "name": "S", '
           '"url": "http://e.org/s.mp3", "tags": "' + ",".join(["<b>a</b>"] * 600) + '"}}')


def records(unit: str, size: int) -> bytes:
    n = max(1, size // (len(unit.format(n=10**5)) + 2))
    return ("[" + ", ".join(unit.format(n=i) for i in range(n)) + "]").encode()


DIRECTORY: dict[str, Callable[[int], bytes]] = {
    "many records": lambda n: records(_RECORD, n),
    "records with 600 tags": lambda n: records(_TAGGED, n),
    "deep JSON nesting": lambda n: b"[" * n,
    "long integers": lambda n: repeat(b'{"votes": ' + b"9" * 5000 + b"}, ", n, b"[", b"{}]"),
}

PLS: dict[str, Callable[[int], bytes]] = {
    "many entries": lambda n: repeat(b"File1=http://e.org/a.mp3\n", n, b"[playlist]\n"),
    "spaces before a sid": lambda n: repeat(b" ", n, b"[playlist]\nFile1=http://e.org/a", b"x"),
}
M3U: dict[str, Callable[[int], bytes]] = {
    "many entries": lambda n: repeat(b"#EXTINF:-1,x\nhttp://e.org/a.mp3\n", n, b"#EXTM3U\n"),
    "spaces before a sid": lambda n: repeat(b" ", n, b"http://e.org/a.mp3", b"x"),
    "one long line": lambda n: repeat(b"a", n, b"http://e.org/"),
}
PLAYLIST_TEXT: dict[str, Callable[[int], str]] = {
    "m3u entries": lambda n: repeat("#EXTINF:-1,Name\nhttp://e.org/a.mp3\n", n, "#EXTM3U\n"),
    "pls entries": lambda n: repeat("File1=http://e.org/a.mp3\nTitle1=x\n", n, "[playlist]\n"),
    "quotes in an EXTINF": lambda n: repeat('"', n, "#EXTINF:-1 a=", ",x\nhttp://e.org/a\n"),
}

ICY_BLOCK_BYTES = 255 * 16  # one length byte's worth of metadata


def icy_stream(size: int) -> bytes:
    """Audio with metaint 16 and a full title block after every 16 bytes."""
    block = b"StreamTitle='" + b"\xe2\x80\x94'" * 1300 + b"';"
    unit = b"\x00" * 16 + bytes([255]) + block + b"\0" * (ICY_BLOCK_BYTES - len(block))
    return unit * max(1, size // len(unit))


ICY_BLOCK: dict[str, Callable[[int], bytes]] = {
    "apostrophes": lambda n: (b"StreamTitle='" + b"'" * n)[:n],
    "latin-1 and controls": lambda n: repeat(b"\xe9\x07\x1b\x85", n, b"StreamTitle='"),
}
ICY_STREAM: dict[str, Callable[[int], bytes]] = {"full title blocks": icy_stream}

_ASX_REF = b'<entry><ref href="http://e.org/a.mp3"/></entry>'
XML_PLAYLIST: dict[str, Callable[[int], bytes]] = {
    "many entries": lambda n: repeat(_ASX_REF, n, b'<asx version="3.0">', b"</asx>"),
    "huge attribute list": lambda n: b'<asx><entry><ref ' + b" ".join(
        b'a%07d="1"' % i for i in range((n - 60) // 13)) + b' href="http://e.org/a"/></entry></asx>',
    "deep nesting": lambda n: repeat(b"<entry>", n, b"<asx>"),
    "entity expansion": lambda n: repeat(
        b'<entry><ref href="&c;"/></entry>', n,
        b'<?xml version="1.0"?><!DOCTYPE asx [<!ENTITY a "' + b"x" * 1000 + b'">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        b"<asx>", b"</asx>"),
    "xspf tracks": lambda n: repeat(b"<track><location>http://e.org/a</location></track>", n,
                                    b'<playlist xmlns="http://xspf.org/ns/0/"><trackList>',
                                    b"</trackList></playlist>"),
}
