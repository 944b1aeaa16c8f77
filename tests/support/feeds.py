"""Builders for realistic feed payloads: station RSS 2.0 and the NPR News Now podcast feed.

Used by the news tests, the demo and end-to-end tests. Shapes follow REFERENCE.md
section 4 (content:encoded, one dc:creator per author, media:content with
media:title/media:credit, RFC 822 pubDate, enclosures). The stories are invented.
"""

from __future__ import annotations

import struct
import zlib
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape, quoteattr

NAMESPACES = (
    'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:media="http://search.yahoo.com/mrss/" '
    'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"'
)


def rfc822(moment: datetime | str) -> str:
    return moment if isinstance(moment, str) else format_datetime(moment.astimezone(UTC), True)


def cdata(html: str) -> str:
    return "<![CDATA[" + html.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _item(story: dict) -> str:
    parts = [f"<title>{escape(story.get('title', ''))}</title>"]
    if "link" in story:
        parts.append(f"<link>{escape(story['link'])}</link>")
        parts.append(f'<guid isPermaLink="true">{escape(story["link"])}</guid>')
    if "description" in story:
        parts.append(f"<description>{cdata(story['description'])}</description>")
    if "content" in story:
        parts.append(f"<content:encoded>{cdata(story['content'])}</content:encoded>")
    if "published" in story:
        parts.append(f"<pubDate>{rfc822(story['published'])}</pubDate>")
    for name in story.get("creators", ()):
        parts.append(f"<dc:creator>{escape(name)}</dc:creator>")
    image = story.get("image")
    if image:
        inner = "".join(f"<media:{k}>{escape(image[k])}</media:{k}>"
                        for k in ("title", "credit", "description") if k in image)
        size = "".join(f" {k}={quoteattr(str(image[k]))}" for k in ("width", "height")
                       if k in image)
        parts.append(f'<media:content url={quoteattr(image["url"])} medium="image"'
                     f' type="image/jpeg"{size}>{inner}</media:content>')
    enclosure = story.get("enclosure")
    if enclosure:
        parts.append(f'<enclosure url={quoteattr(enclosure["url"])} '
                     f'type={quoteattr(enclosure.get("type", "image/jpeg"))} '
                     f'length="{enclosure.get("length", 0)}"/>')
    return "<item>" + "".join(parts) + "</item>"


def station_rss(stories: list[dict], *, title: str = "KCUR 89.3",
                link: str = "https://www.kcur.org/") -> bytes:
    """An RSS 2.0 station feed. Story keys (all optional): title, link, description (HTML),
    content (HTML for content:encoded), published (datetime or RFC 822 text),
    creators (list), image {url, title, credit, description, width, height},
    enclosure {url, type, length}."""
    items = "".join(_item(s) for s in stories)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<rss version="2.0" {NAMESPACES}><channel>'
        f"<title>{escape(title)}</title><link>{escape(link)}</link>"
        f"<description>{escape(title)} news</description><language>en-us</language>"
        f"{items}</channel></rss>\n"
    ).encode()


def newscast_item(published: datetime, audio_url: str, *, duration: str = "4:47",
                  audio_type: str = "audio/mpeg", title: str | None = None) -> dict:
    if title is None:
        eastern = published.astimezone(UTC) - timedelta(hours=5)
        hour = eastern.strftime("%I%p").lstrip("0")
        title = f"NPR News: {eastern:%m-%d-%Y} {hour} EST"
    return {"title": title, "published": published, "audio_url": audio_url,
            "duration": duration, "audio_type": audio_type}


def newscast_rss(items: list[dict]) -> bytes:
    """The NPR News Now podcast feed: items from `newscast_item` (an enclosure each)."""
    out = []
    for it in items:
        out.append(
            "<item>"
            f"<title>{escape(it['title'])}</title>"
            f"<description>{escape('NPR News: the latest news in five minutes.')}</description>"
            f"<pubDate>{rfc822(it['published'])}</pubDate>"
            f'<enclosure url={quoteattr(it["audio_url"])} length="4500000" '
            f"type={quoteattr(it['audio_type'])}/>"
            f"<itunes:duration>{escape(it['duration'])}</itunes:duration>"
            "</item>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<rss version="2.0" {NAMESPACES}><channel>'
        "<title>NPR News Now</title><link>https://www.npr.org/podcasts/500005/npr-news-now</link>"
        "<itunes:author>NPR</itunes:author>"
        f"{''.join(out)}</channel></rss>\n"
    ).encode()


KANSAS_CITY_STORIES = [
    ("Kansas City council approves new streetcar extension funding",
     ["Celisa Calacal"], "The vote clears the way for construction to begin next spring.",
     ["The Kansas City Council voted 10-3 on Thursday to approve funding for the "
      "streetcar's southern extension.",
      "Supporters said the line would connect neighborhoods long cut off from downtown.",
      "Opponents questioned the cost overruns on earlier phases."]),
    ("Missouri River levels drop as drought lingers across the Plains",
     ["Frank Morris", "Jodi Fortino"], "Barge operators are watching the channel closely.",
     ["Water levels along the Missouri River have fallen below seasonal averages.",
      "The Army Corps of Engineers said releases from upstream reservoirs will be reduced."]),
    ("Kansas schools see record enrollment in career-tech programs",
     ["Suzanne King"], "Welding, nursing and coding classes have waiting lists.",
     ["More students than ever are enrolled in technical programs, state data show."]),
    ("Jazz district celebrates a century of music on 18th and Vine",
     ["Luke Martin", "Mackenzie Martin", "Gabe Rosenberg"],
     "A weekend festival marks the anniversary.",
     ["Musicians from across the region will play free shows through Sunday.",
      "The museum will also open a new exhibit on the district's clubs."]),
    ("What the new airport terminal means for travelers this holiday season",
     ["Kavahn Mansouri"], "Security lines are shorter, but parking fills early.",
     ["Officials recommend arriving two hours before domestic flights.",
      ("Use the economy lots", "Check the airport app for shuttle times")]),
    ("Local farmers markets extend their season into December",
     [], "Indoor markets are drawing crowds on weekends.",
     ["Several markets moved indoors to keep vendors selling through the winter."]),
]

NEW_YORK_STORIES = [
    ("Carnegie Hall opens its season with a rarely heard Dvorak symphony",
     ["Jeff Spurgeon"], "The orchestra returns after a summer of renovations.",
     ["The season opened on Wednesday with Dvorak's Symphony No. 1, seldom performed."]),
    ("Subway musicians audition for coveted station spots",
     ["Elliott Forrest", "Naomi Lewin"], "More than 200 acts tried out this year.",
     ["Violinists, steel drummers and a harpist were among the performers.",
      "Winners get a permit to play in the busiest stations."]),
    ("A 300-year-old violin returns to the stage after restoration",
     ["Terrance McKnight"], "The instrument spent two years in a Brooklyn workshop.",
     ["Its new owner, a young soloist, played it publicly for the first time on Sunday."]),
    ("Free outdoor concerts draw record crowds to city parks",
     [], "Organizers counted 40,000 listeners over the summer.",
     ["The series will return next year with more evening dates."]),
]


def demo_stories(base_url: str = "https://www.kcur.org", now: datetime | None = None, *,
                 specs: list = KANSAS_CITY_STORIES, credit: str = "KCUR 89.3") -> list[dict]:
    """Invented, plausible local stories (six from Kansas City by default); images at
    `<base_url>/images/story-<n>.png`."""
    now = now or datetime.now(UTC)
    stories = []
    for n, (title, creators, teaser, paras) in enumerate(specs, start=1):
        slug = "-".join(title.lower().split()[:5])
        html = "".join(f"<p>{escape(p)}</p>" if isinstance(p, str)
                       else "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in p) + "</ul>"
                       for p in paras)
        stories.append({
            "title": title,
            "link": f"{base_url}/news/{slug}",
            "description": f"<p>{escape(teaser)}</p>",
            "content": html,
            "published": now - timedelta(hours=2 * n, minutes=7 * n),
            "creators": creators,
            "image": {"url": f"{base_url}/images/story-{n}.png",
                      "title": f"Photo for: {title}", "credit": credit},
        })
    return stories


def tiny_png(width: int = 8, height: int = 6, rgb: tuple[int, int, int] = (30, 120, 200)) -> bytes:
    """A valid solid-colour PNG, for serving as a story image."""
    row = b"\x00" + bytes(rgb) * width
    raw = row * height

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


DEMO_COLOURS = ((196, 74, 44), (38, 110, 160), (70, 140, 70), (150, 90, 160), (200, 150, 40),
                (90, 90, 100))


def demo_image(n: int) -> bytes:
    """The image served at `/images/story-<n>.png` for demo story n (640x360, its own colour)."""
    return tiny_png(640, 360, DEMO_COLOURS[(n - 1) % len(DEMO_COLOURS)])


def full_feed(n_stories: int = 50, base_url: str = "https://www.kcur.org") -> bytes:
    """A station feed the size of a real one: `n_stories` items with ~10-paragraph bodies."""
    demo = demo_stories(base_url, now=datetime(2026, 1, 15, 18, 0, tzinfo=UTC))
    stories = []
    for i in range(n_stories):
        story = dict(demo[i % len(demo)])
        story["title"] = f"{story['title']} ({i + 1})"
        story["link"] = f"{story['link']}-{i + 1}"
        story["published"] = story["published"] - timedelta(hours=i)
        paragraph = ("<p>Officials said on <a href='/x'>Thursday</a> that the plan, first "
                     "proposed in 2019, would cost about $40 million &amp; take three years "
                     "to finish.</p>")
        story["content"] = (f'<figure><img src="{base_url}/inline-{i}.jpg" alt="Photo">'
                            f"<figcaption>Caption</figcaption></figure>" + paragraph * 10
                            + "<script>window.ads = 1</script>")
        stories.append(story)
    return station_rss(stories)
