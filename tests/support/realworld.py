"""Payloads in the shapes real station sites, CDNs and directory playlists serve, traps included.

Every value is invented; the shapes follow what such servers send (REFERENCE.md
sections 1, 2 and 4): a station's HTML page served where a playlist was expected,
Shoutcast directory PLS files (` sid=N` mirrors, empty trailing entries), podcast-style
items carrying both `description` and `itunes:summary`, WordPress / Feedburner items
with tracking pixels, emoji and share icons, and Grove (Brightspot) items whose body
starts with the lead figure.
"""
# ruff: noqa: E501 - the payloads keep the long lines real feeds have

from __future__ import annotations

from tests.support.feeds import NAMESPACES, cdata

# The page a station site (or its CDN) answers for a moved "listen" link: 200, text/html.
STATION_WEB_PAGE = """\
<!DOCTYPE html>
<html class="Page" lang="en">
<head>
    <meta charset="UTF-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Listen Live | KCUR 89.3 - NPR in Kansas City</title>
    <meta property="og:title" content="Listen Live">
    <meta property="og:url" content="https://www.kcur.org/listen-live">
    <link rel="canonical" href="https://www.kcur.org/listen-live">
    <link rel="stylesheet" href="/resource/00000177-a1b2/styles/default/All.min.css">
    <script src="https://www.googletagmanager.com/gtm.js?id=GTM-XXXXXX" async></script>
    <script>window.dataLayer = window.dataLayer || [];</script>
</head>
<body class="Page-body">
<header class="Page-header">
    <a class="Page-header-logo" href="/">KCUR 89.3</a>
    <nav class="Navigation">
        <ul>
            <li><a href="/news">News</a></li>
            <li><a href="/podcasts">Podcasts</a></li>
            <li><a href="/donate">Donate</a></li>
        </ul>
    </nav>
</header>
<main class="Page-main">
    <ps-stream-url data-stream-url="https://kcur.streamguys1.com/kcur-website-icy"
        data-stream-format="audio/mpeg"></ps-stream-url>
    <div class="ListenLive" data-stream-ucsid="0123456789abcdef01234567">
        <h1>Listen Live</h1>
        <p>Stream KCUR 89.3 on your computer, phone or smart speaker.</p>
    </div>
</main>
<footer class="Page-footer">&copy; 2024 KCUR</footer>
</body>
</html>
"""

# What a CDN edge answers with a 200 when the file is gone: no doctype, comment first.
CDN_ERROR_PAGE = """\
\ufeff
<!-- edge 14.2.1 -->
<html><head><title>Page not found</title></head>
<body><h1>Sorry, the page you requested could not be found.</h1>
<p><a href="https://www.kcur.org/">Go to the homepage</a></p></body></html>
"""


def shoutcast_pls(host: str = "198.51.100.7") -> str:
    """A Shoutcast directory tune-in PLS: mirrors on several ports, v2 servers written with
    a ` sid=N` suffix after the URL, and an empty last entry (NumberOfEntries counted it)."""
    return (
        "[playlist]\r\n"
        "numberofentries=4\r\n"
        f"File1=http://{host}:8000/stream/1/\r\n"
        "Title1=(#1 - 12/500) KCUR 89.3 Kansas City\r\n"
        "Length1=-1\r\n"
        f"File2=http://{host}:8002 sid=8\r\n"
        "Title2=(#2 - 3/250) KCUR 89.3 Kansas City\r\n"
        "Length2=-1\r\n"
        f"File3=http://{host}:8010/;stream.nsv sid=1\r\n"
        "Title3=(#3 - 0/100) KCUR 89.3 Kansas City\r\n"
        "Length3=-1\r\n"
        "File4=\r\n"
        "Title4=\r\n"
        "Length4=-1\r\n"
        "Version=2\r\n"
    )


def _rss(items: list[str], title: str = "KCUR 89.3") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<rss version="2.0" {NAMESPACES}><channel>'
        f"<title>{title}</title><link>https://www.kcur.org/</link>"
        f"<description>{title} news</description><language>en-us</language>"
        + "".join(items) + "</channel></rss>\n"
    ).encode()


def podcast_item(description: str, itunes_summary: str, *, summary_first: bool = False,
                 content: str | None = None) -> str:
    """A show-feed item (`/podcast/<show>/rss.xml`) with both a description and an
    itunes:summary, in either order, as podcast hosts write them, then content:encoded."""
    desc = f"<description>{cdata(description)}</description>"
    summ = f"<itunes:summary>{cdata(itunes_summary)}</itunes:summary>"
    both = summ + desc if summary_first else desc + summ
    if content is not None:
        both += f"<content:encoded>{cdata(content)}</content:encoded>"
    return (
        "<item><title>Up To Date: The streetcar vote</title>"
        "<link>https://www.kcur.org/podcast/up-to-date/2024-07-23/streetcar</link>"
        '<guid isPermaLink="false">kcur-utd-20240723</guid>'
        f"{both}"
        "<pubDate>Tue, 23 Jul 2024 15:00:00 GMT</pubDate>"
        "<itunes:author>KCUR 89.3</itunes:author>"
        "<itunes:duration>00:49:31</itunes:duration>"
        '<enclosure url="https://traffic.example.com/kcur/utd-20240723.mp3" length="47589345"'
        ' type="audio/mpeg"/>'
        "</item>"
    )


def podcast_feed(*items: str) -> bytes:
    return _rss(list(items), title="Up To Date")


TEASER = "The council voted 10-3 on the streetcar extension."
FULL_SUMMARY = (
    "<p>The Kansas City Council voted 10-3 on Thursday to fund the streetcar's southern "
    "extension.</p><p>Host Steve Kraske talks with council members on both sides, and with "
    "riders who live along the Main Street corridor.</p>")

WORDPRESS_TRACKED_ITEM = """\
<item><title>Missouri River levels drop as drought lingers</title>
<link>https://kcurnews.example.org/2024/07/23/missouri-river-drought/</link>
<dc:creator><![CDATA[Frank Morris]]></dc:creator>
<pubDate>Tue, 23 Jul 2024 14:05:00 +0000</pubDate>
<guid isPermaLink="false">https://kcurnews.example.org/?p=48213</guid>
<description><![CDATA[<p>Barge operators are watching the channel closely.</p>
<img src="https://feeds.feedburner.example.com/~r/kcur/~4/AbCdEf" height="1" width="1" alt=""/>]]>
</description>
<content:encoded><![CDATA[<p><img src="https://kcurnews.example.org/wp-content/themes/kcur/images/spacer.gif" alt="" /></p>
<div class="sharedaddy sd-sharing-enabled"><ul>
<li><a href="https://www.facebook.com/sharer.php?u=x"><img src="https://kcurnews.example.org/wp-content/plugins/share/icons/facebook.png" alt="Share on Facebook"></a></li>
<li><a href="https://twitter.com/intent/tweet?url=x"><img src="https://kcurnews.example.org/wp-content/plugins/share/icons/twitter-32.png" alt="Share on Twitter"></a></li>
</ul></div>
<p>Water levels along the Missouri River have fallen below seasonal averages <img draggable="false" role="img" class="emoji" alt="\U0001f4a7" src="https://s.w.example.org/images/core/emoji/14.0.0/72x72/1f4a7.png"> and barges are running light.</p>
<p><img class="size-large wp-image-48214" src="https://kcurnews.example.org/wp-content/uploads/2024/07/river-barge-1024x683.jpg" alt="A barge on the Missouri River near Kansas City" width="1024" height="683" /></p>
<p>The Army Corps of Engineers said releases from upstream reservoirs will be reduced.</p>
<img src="https://pixel.wp.example.com/b.gif?host=kcurnews.example.org&amp;blog=1234&amp;post=48213" alt="" width="1" height="1" border="0" />
<img src="https://feeds.feedburner.example.com/~r/kcur/~4/AbCdEf" height="1" width="1" alt=""/>]]></content:encoded>
<media:content url="https://kcurnews.example.org/wp-content/themes/kcur/images/transparent.png" medium="image" width="1" height="1"/>
<enclosure url="https://stats.example.net/track/open.gif?id=48213" length="43" type="image/gif"/>
</item>
"""


def grove_item(*, media: bool = True) -> str:
    """A Grove (Brightspot) station item: content:encoded opens with the lead figure, its
    caption and credit in Figure-caption / Figure-credit, then the article body."""
    image = "https://npr.brightspotcdn.example.com/dims4/default/1a2b3c4/2147483647/strip/true/crop/5472x3648+0+0/resize/1760x1173!/quality/90/?url=https%3A%2F%2Fnpr-brightspot.s3.amazonaws.com%2Fab%2Fcd%2Fstreetcar.jpg"
    figure = (
        '<figure class="Figure" data-align-center>'
        f'<picture><img class="Image" alt="A streetcar on Main Street" width="1760" height="1173" src="{image}"></picture>'
        '<div class="Figure-content">'
        '<figcaption class="Figure-caption">A KC Streetcar heads south on Main Street on '
        "Thursday, the day of the council vote.</figcaption>"
        '<div class="Figure-credit"><p>Carlos Moreno / KCUR 89.3</p></div>'
        "</div></figure>")
    body = (
        "<p>The Kansas City Council voted 10-3 on Thursday to approve funding for the "
        "streetcar's southern extension.</p>"
        '<figure class="Figure"><img class="Image" alt="Riders" width="1200" height="800" '
        'src="https://npr.brightspotcdn.example.com/riders.jpg">'
        '<figcaption class="Figure-caption">Riders board at Union Station.</figcaption></figure>'
        "<p>Supporters said the line would connect neighborhoods long cut off from "
        "downtown.</p>")
    media_xml = (f'<media:content url="{image.replace("&", "&amp;")}" medium="image" '
                 'type="image/jpeg" width="1760" height="1173"/>') if media else ""
    return (
        "<item><title>Council approves streetcar money</title>"
        "<link>https://www.kcur.org/news/2024-07-23/council-approves-streetcar-money</link>"
        "<guid>https://www.kcur.org/news/2024-07-23/council-approves-streetcar-money</guid>"
        "<description>The vote clears the way for construction to begin next spring."
        "</description>"
        f"<content:encoded>{cdata(figure + body)}</content:encoded>"
        "<pubDate>Tue, 23 Jul 2024 14:05:00 GMT</pubDate>"
        "<dc:creator>Celisa Calacal</dc:creator>"
        f"{media_xml}</item>"
    )


def station_feed(*items: str) -> bytes:
    return _rss(list(items))
