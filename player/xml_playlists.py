"""ASX and XSPF playlists, parsed by pure functions over bytes with lxml.

libvlc's media player does not play a playlist's entries (it lists them as sub-items and
ends), so the resolver expands these itself, like PLS and M3U: each entry is a stream URL
the player tries in order, and each goes through the same checks as any other (http(s)
only, redirects vetted when it is played: player/libvlc_urls.py).

- ASX (Windows Media, `<asx>`, element names in any case): `<entry><ref href=...>` in
  order, and `<entryref href=...>` (a nested playlist);
- XSPF (`<playlist xmlns="http://xspf.org/ns/0/">`): each `<track><location>`.

Remote text: the parser never loads a DTD, an entity or anything from the network, recovers
from broken markup, and gives no entries rather than raising. Relative entries resolve
against the playlist's own URL; entries that are not http(s) stream URLs are dropped.
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urljoin

from lxml import etree

from infra.urls import is_stream_url

XmlKind = Literal["asx", "xspf"]
MAX_BYTES = 65536
MAX_ENTRIES = 50
_START = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]{0,200}\?>\s*)?(?:<!--.{0,500}?-->\s*)*<"
                    rb"(asx|playlist)[\s>]", re.IGNORECASE | re.DOTALL)


def xml_kind(head: bytes) -> XmlKind | None:
    """"asx" or "xspf" when `head` starts like one (by its root element), else None."""
    match = _START.match(head[:4096])
    if match is None:
        return None
    if match.group(1).lower() == b"asx":
        return "asx"
    return "xspf" if b"xspf.org/ns/0" in head[:4096] else None


# A start tag longer than this is cut (before `<` or `>`): libxml2 builds an element's
# attributes as a list it walks for each new one, quadratic in a tag of thousands of them.
MAX_TAG_BYTES = 2048
_LONG_TAG = re.compile(rb"<[A-Za-z][^<>]{%d,}" % MAX_TAG_BYTES)


def _root(data: bytes):
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True,
                             load_dtd=False, huge_tree=False)
    data = _LONG_TAG.sub(lambda m: m.group(0)[:MAX_TAG_BYTES], data[:MAX_BYTES])
    try:
        return etree.fromstring(data, parser)
    except (etree.LxmlError, ValueError):
        return None


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _absolute(value: str | None, base_url: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if base_url:
        try:
            value = urljoin(base_url, value)
        except ValueError:
            return None
    return value if is_stream_url(value) else None


def _keep(entries: list[str | None]) -> list[str]:
    return list(dict.fromkeys(e for e in entries if e))[:MAX_ENTRIES]


def parse_asx(data: bytes, base_url: str | None = None) -> list[str]:
    """Each entry's refs and each entryref, in document order."""
    root = _root(data)
    if root is None or _local(root.tag) != "asx":
        return []
    found: list[str | None] = []
    for element in root.iter():
        name = _local(element.tag)
        if name in ("ref", "entryref"):
            try:
                attrs = {k.lower(): v for k, v in element.attrib.items()}
            except ValueError:  # "&#xD800;": lxml keeps bytes no text can hold; entry dropped
                continue
            found.append(_absolute(attrs.get("href"), base_url))
    return _keep(found)


def parse_xspf(data: bytes, base_url: str | None = None) -> list[str]:
    """Each track's locations, in order."""
    root = _root(data)
    if root is None or _local(root.tag) != "playlist":
        return []
    found: list[str | None] = []
    for element in root.iter():
        if _local(element.tag) == "location" and element.getparent() is not None \
                and _local(element.getparent().tag) == "track":
            try:
                found.append(_absolute(element.text, base_url))
            except ValueError:  # "&#xD800;": lxml keeps bytes no text can hold; entry dropped
                continue
    return _keep(found)
