"""ASX and XSPF playlists (player/xml_playlists.py): entries in order, relative ones
resolved, anything but http(s) dropped, hostile XML (entities, DTDs, broken markup, any
bytes) never raising, never reading a file; and the resolver expands them."""

from __future__ import annotations

import time

from hypothesis import given
from hypothesis import strategies as st

from infra.http_types import FetchedHead
from player.resolver import resolve_stream
from player.xml_playlists import parse_asx, parse_xspf, xml_kind

ASX = b"""<ASX version="3.0"><Title>KXYZ</Title>
<Entry><Ref HREF="http://a.example/live.mp3"/><Ref href="file:///etc/passwd"/></Entry>
<entry><ref href="/backup.aac"/></entry><ENTRYREF HREF="more.asx"/>
<Entry><Ref href="smb://host/share"/><Ref href="data:audio/wav;base64,AAAA"/></Entry></ASX>"""
XSPF = b"""<?xml version="1.0" encoding="UTF-8"?>
<playlist version="1" xmlns="http://xspf.org/ns/0/"><trackList>
<track><location>http://a.example/one.ogg</location></track>
<track><location>two.mp3</location><location>file:///etc/shadow</location></track>
</trackList><location>http://not.a.track/</location></playlist>"""


def test_asx_entries_in_order_relative_resolved_other_schemes_dropped() -> None:
    assert xml_kind(ASX) == "asx"
    assert parse_asx(ASX, "http://h.example/dir/list.asx") == [
        "http://a.example/live.mp3", "http://h.example/backup.aac",
        "http://h.example/dir/more.asx"]


def test_xspf_track_locations_only() -> None:
    assert xml_kind(XSPF) == "xspf"
    assert parse_xspf(XSPF, "http://h.example/dir/list.xspf") == [
        "http://a.example/one.ogg", "http://h.example/dir/two.mp3"]


def test_external_entities_are_never_loaded_nor_laughs_expanded(tmp_path) -> None:
    leak = tmp_path / "leak.txt"
    leak.write_text("http://leak.example/x.mp3")
    evil = (b'<?xml version="1.0"?><!DOCTYPE asx [<!ENTITY x SYSTEM "%s">'
            b'<!ENTITY a "http://a.example/a.mp3">]><asx><entry><ref href="&x;"/>'
            b'<ref href="&a;"/></entry></asx>') % leak.as_uri().encode()
    assert parse_asx(evil) == ["http://a.example/a.mp3"]  # the file's text is never read
    laughs = b'<!DOCTYPE asx [<!ENTITY a "aaaaaaaaaa">' + b"".join(
        b'<!ENTITY %c "&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;">' % ((ord("b") + i,) +
                                                                     (ord("a") + i,) * 10)
        for i in range(8)) + b']><asx><entry><ref href="&i;"/></entry></asx>'
    started = time.monotonic()
    assert parse_asx(laughs) == []
    assert time.monotonic() - started < 1.0


def test_broken_markup_keeps_what_it_can() -> None:
    assert parse_asx(b'<asx><entry><ref href="http://a.example/x.mp3"><entry>&&<') == [
        "http://a.example/x.mp3"]
    assert parse_xspf(b"<playlist><trackList><track><location>") == []
    assert xml_kind(b"<html><body>no</body></html>") is None
    assert xml_kind(b'<playlist xmlns="http://other/"/>') is None


@given(st.binary(max_size=2048))
def test_any_bytes_give_a_list(data: bytes) -> None:
    for parse in (parse_asx, parse_xspf):
        result = parse(data, "http://h.example/")
        assert isinstance(result, list) and all(u.startswith("http") for u in result)
    xml_kind(data)


def test_the_resolver_expands_an_asx_and_an_xspf() -> None:
    bodies = {"http://h.example/l.asx": ASX, "http://h.example/l.xspf": XSPF}

    def fetch(url: str, max_bytes: int = 65536) -> FetchedHead:
        return FetchedHead(final_url=url, content_type="text/xml", head=bodies[url][:max_bytes])

    bodies["http://h.example/more.asx"] = b"<asx></asx>"
    assert resolve_stream("http://h.example/l.asx", fetch) == [
        "http://a.example/live.mp3", "http://h.example/backup.aac"]
    assert resolve_stream("http://h.example/l.xspf", fetch) == [
        "http://a.example/one.ogg", "http://h.example/two.mp3"]
