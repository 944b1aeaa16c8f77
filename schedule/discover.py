"""Station website discovery: fetch a homepage and read what it says about the station.

The page is read by player.homepage's pure parser (streams, Composer id, feeds, name and
donation page; see there); here it is fetched through the HTTP layer (cached, a stale copy
when the site is down). `schedule_source` uses it to find the guide of a station whose
catalogue entry has none (KCUR publishes its Composer id only in its website's player markup).
"""

from __future__ import annotations

from dataclasses import replace

from infra.http import Fetched, HttpClient
from player.homepage import Discovery, decode_page, discover, looks_like_html
from player.stations import ScheduleSource, Station

WEBSITE = "Station website"


def fetch_discovery(http: HttpClient, url: str, source: str = WEBSITE
                    ) -> tuple[Discovery, Fetched]:
    """Fetch the page at `url` (cached; a stale copy when the site is down) and read it."""
    fetched = http.get(url, source=source, check=looks_like_html)
    return discover(decode_page(fetched.content, fetched.content_type), fetched.url), fetched


def schedule_source(http: HttpClient, station: Station) -> ScheduleSource | None:
    """The station's guide source, with its Composer id read from its homepage when needed.

    Some stations (KCUR) publish their Composer id only in their website's player
    markup: their catalogue entry has a schedule without `ucs`. The homepage
    answer is cached by the HTTP layer (one request per cache period; a stale
    copy when the site is down). A site that names no id means no guide (None);
    a site that cannot be read raises SourceUnavailable.
    """
    source = station.schedule
    if source is None or source.ucs is not None:
        return source
    if not station.homepage:
        return None
    found, _ = fetch_discovery(http, station.homepage, f"{station.name} website")
    return replace(source, ucs=found.ucs) if found.ucs else None
