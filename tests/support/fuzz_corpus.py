"""The real payloads the other tests serve, by the parser (tests/support/remote_parsers.py)
that reads them: the fuzz suite runs each whole, then cut and corrupted."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.support import realworld
from tests.support.big_images import solid_png
from tests.support.directory_server import (
    CONTROL_NAME,
    HUGE_NAME,
    MARKUP_NAME,
    demo_records,
    hostile_records,
)
from tests.support.feeds import (
    demo_image,
    demo_stories,
    full_feed,
    newscast_item,
    newscast_rss,
    station_rss,
    tiny_png,
)
from tests.support.metadata_server import (
    CHICAGO,
    day_payload,
    demo_day,
    grove_homepage,
    hourly,
    now_payload,
)
from tests.support.remote_parsers import DAY

_NOW = datetime(2025, 5, 14, 15, 0, tzinfo=UTC)
_STORIES = demo_stories(now=_NOW)
_DAY = demo_day(DAY, CHICAGO)
_PAGES = [grove_homepage(), realworld.STATION_WEB_PAGE, realworld.CDN_ERROR_PAGE]
_BODIES = [s["content"] for s in _STORIES] + [s["description"] for s in _STORIES]
_PLS = realworld.shoutcast_pls()
_M3U = ("#EXTM3U\n#EXTINF:-1,KCUR 89.3\nhttps://kcur.streamguys1.com/kcur-website-icy\n"
        "#EXTINF:-1 tvg-logo=\"a,b\",Mirror\nhttp://198.51.100.7:8002 sid=8\n")
_ASX = (b'<ASX version="3.0"><Title>KCUR</Title><Entry><Ref href="https://kcur.streamguys1.com/'
        b'kcur-website-icy"/><REF HREF="http://198.51.100.7:8002/"/></Entry>'
        b'<EntryRef href="/more.asx"/></ASX>')
_XSPF = (b'<?xml version="1.0" encoding="UTF-8"?><playlist version="1" '
         b'xmlns="http://xspf.org/ns/0/"><trackList><track><location>https://e.org/live.aac'
         b"</location><title>KCUR</title></track></trackList></playlist>")
_FEEDS = [
    full_feed(10),
    station_rss(_STORIES),
    realworld.station_feed(realworld.grove_item(), realworld.WORDPRESS_TRACKED_ITEM),
    realworld.podcast_feed(realworld.podcast_item(realworld.TEASER, realworld.FULL_SUMMARY)),
]
_NEWSCASTS = [newscast_rss([newscast_item(_NOW - timedelta(hours=h), f"https://e.org/{h}.mp3")
                            for h in range(3)])]

CORPUS: dict[str, list] = {
    "html_to_text": _BODIES + _PAGES,
    "plain": [MARKUP_NAME, CONTROL_NAME, HUGE_NAME[:3000], *(s["title"] for s in _STORIES)],
    "homepage": _PAGES,
    "composer day": [json.dumps(day_payload(_DAY, CHICAGO, DAY)).encode(),
                     json.dumps(day_payload(hourly(CHICAGO, DAY), CHICAGO, DAY)).encode()],
    "composer now": [json.dumps(now_payload(_DAY[3], _DAY[4:7], CHICAGO)).encode(),
                     json.dumps(now_payload(_DAY[3], _DAY[4:7], CHICAGO,
                                            time_only_fullstart=True)).encode()],
    "station feed": _FEEDS,
    "newscast feed": _NEWSCASTS + _FEEDS[:1],
    "directory records": [json.dumps(demo_records()).encode(),
                          json.dumps(hostile_records()).encode()],
    "pls": [_PLS.encode()],
    "m3u": [_M3U.encode()],
    "sniff playlist": [_PLS.encode(), _M3U.encode(), realworld.STATION_WEB_PAGE.encode()],
    "asx": [_ASX],
    "xspf": [_XSPF],
    "xml playlist kind": [_ASX, _XSPF],
    "m3u text": [_M3U],
    "pls text": [_PLS],
    "csv text": ['KCUR,https://kcur.streamguys1.com/kcur-website-icy\n"A, B",http://e.org/a\n'],
    "icy title": [b"StreamTitle='Miles Davis - So What';StreamUrl='';\0\0\0",
                  b"StreamTitle='Don't Stop';\0"],
    "image size": [tiny_png(), demo_image(1), solid_png(30000, 30000)],
    "image kind": [tiny_png(), demo_image(2)],
}
