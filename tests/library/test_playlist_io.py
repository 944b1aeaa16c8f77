"""Import and export of playlist files: M3U/M3U8, PLS, pyradio CSV; bad lines skipped and
reported by line number; export then import gives the same names and URLs."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from infra.errors import BadInput
from library.playlist_io import export_stations, import_stations, playlist_text
from library.user_catalogue import clean_name, new_station
from player.stations import Station

M3U = """#EXTM3U
#EXTINF:-1 tvg-logo="https://a.example/logo,1.png" group-title="News, Talk",KCUR 89.3
https://kcur.streamguys1.com/kcur-website-icy
# a comment
#EXTINF:-1,WKAR, East Lansing
https://wkar.streamguys1.com/wkarfm-web.aac

http://127.0.0.1:8000/unnamed.mp3
#EXTINF:-1,Local File
file:///home/me/music.mp3
#EXTINF:-1,Lost title
"""

PLS = """[playlist]
NumberOfEntries=4
File2=https://wkar.streamguys1.com/wkarfm-web.aac
Title2=WKAR 90.5
File1=https://kcur.streamguys1.com/kcur-website-icy
Title1=KCUR 89.3
Length1=-1
File3=javascript:alert(1)
Title3=Script
this line is junk
Title9=No file for me
Version=2
"""

CSV = """# pyradio stations
# name,url[,encoding[,icon]]
KCUR 89.3,https://kcur.streamguys1.com/kcur-website-icy
"WKAR, East Lansing",https://wkar.streamguys1.com/wkarfm-web.aac,utf-8,https://wkar.org/i.png
News,-
"#1 Hits",http://127.0.0.1:8000/hits.mp3,,,profile,extra columns
Local,file:///etc/passwd
Just a name
"broken,http://x.example/
"""


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def pairs(stations: list[Station]) -> list[tuple[str, list[str]]]:
    return [(s.name, [st.url for st in s.streams]) for s in stations]


def test_m3u_with_extinf_names_and_bad_lines_reported(tmp_path) -> None:
    result = import_stations(write(tmp_path, "stations.m3u", M3U))
    assert pairs(result.stations) == [
        ("KCUR 89.3", ["https://kcur.streamguys1.com/kcur-website-icy"]),
        ("WKAR, East Lansing", ["https://wkar.streamguys1.com/wkarfm-web.aac"]),
        ("127.0.0.1/unnamed.mp3", ["http://127.0.0.1:8000/unnamed.mp3"]),
    ]
    assert result.problems == [
        'stations.m3u line 10: URL "file:///home/me/music.mp3": scheme "file" is not http '
        "or https",
        "stations.m3u line 11: #EXTINF without a URL after it",
    ]
    assert [s.id for s in result.stations] == ["kcur", "wkar-east-lansing", "127-0-0-1-unnamed-mp3"]


def test_pls_in_entry_number_order_with_titles(tmp_path) -> None:
    result = import_stations(write(tmp_path, "x.PLS", PLS))
    assert pairs(result.stations) == [
        ("KCUR 89.3", ["https://kcur.streamguys1.com/kcur-website-icy"]),
        ("WKAR 90.5", ["https://wkar.streamguys1.com/wkarfm-web.aac"]),
    ]
    assert result.problems == [
        'x.PLS line 8: File3 "javascript:alert(1)": scheme "javascript" is not http or https',
        'x.PLS line 10: not a KEY=VALUE line: "this line is junk"',
        "x.PLS line 11: Title9 has no File9",
    ]


def test_pyradio_csv_with_comments_quotes_groups_and_extra_columns(tmp_path) -> None:
    result = import_stations(write(tmp_path, "stations.csv", CSV))
    assert pairs(result.stations) == [
        ("KCUR 89.3", ["https://kcur.streamguys1.com/kcur-website-icy"]),
        ("WKAR, East Lansing", ["https://wkar.streamguys1.com/wkarfm-web.aac"]),
        ("#1 Hits", ["http://127.0.0.1:8000/hits.mp3"]),
    ]
    assert result.problems[0] == ('stations.csv line 7: URL "file:///etc/passwd": scheme '
                                  '"file" is not http or https')
    assert result.problems[1] == "stations.csv line 8: expected name,url"
    assert result.problems[2].startswith("stations.csv line 9: ")
    assert len(result.problems) == 3


def test_consecutive_entries_of_one_name_are_one_station_with_mirrors(tmp_path) -> None:
    text = ("#EXTM3U\n#EXTINF:-1,KCUR\nhttps://a.example/1\n#EXTINF:-1,KCUR\n"
            "https://a.example/2\n#EXTINF:-1,WKAR\nhttps://b.example/\n#EXTINF:-1,KCUR\n"
            "https://a.example/3\n")
    result = import_stations(write(tmp_path, "m.m3u8", text))
    assert pairs(result.stations) == [("KCUR", ["https://a.example/1", "https://a.example/2"]),
                                      ("WKAR", ["https://b.example/"]),
                                      ("KCUR", ["https://a.example/3"])]
    assert [s.id for s in result.stations] == ["kcur", "wkar", "kcur-2"]


def test_hostile_names_become_one_clean_line(tmp_path) -> None:
    name = "A\x1b[31m \u202eRadio " + "x" * 300
    result = import_stations(write(tmp_path, "h.csv", f'"{name}",http://a.example/\n'))
    station = result.stations[0]
    assert station.name == clean_name(name) and len(station.name) == 80
    assert station.name.isprintable()


@pytest.mark.parametrize("name,content,message", [
    ("s.txt", "http://a.example/", "cannot import this kind of file (by its extension: .csv, "
                                   ".m3u, .m3u8, .pls)"),
    ("s.m3u8", "#EXTM3U\n#EXT-X-VERSION:3\n#EXTINF:10,\nseg1.aac\n",
     "an HLS stream playlist (#EXT-X- tags), not a list of stations"),
    ("s.m3u", "#EXTM3U\n", "no stations to import"),
    ("s.pls", "[playlist]\nFile1=ftp://x/\n", 'no stations to import: s.pls line 2: File1 '
                                             '"ftp://x/": scheme "ftp"'),
])
def test_files_that_give_no_stations_are_bad_input(tmp_path, name, content, message) -> None:
    with pytest.raises(BadInput) as err:
        import_stations(write(tmp_path, name, content))
    assert message in str(err.value) and "\n" not in str(err.value)


def test_missing_and_huge_files_and_latin1(tmp_path) -> None:
    with pytest.raises(BadInput, match="gone.m3u: cannot read it"):
        import_stations(tmp_path / "gone.m3u")
    with pytest.raises(BadInput, match="larger than"):
        import_stations(write(tmp_path, "big.m3u", b"#" * 5_000_001))
    latin = "#EXTINF:-1,Radio Café\nhttp://a.example/\n".encode("latin-1")
    assert import_stations(write(tmp_path, "l.m3u", latin)).stations[0].name == "Radio Café"
    bom = "\ufeffKCUR,http://a.example/\n".encode()
    assert import_stations(write(tmp_path, "b.csv", bom)).stations[0].name == "KCUR"


def test_export_formats(tmp_path) -> None:
    stations = [new_station("KCUR 89.3", ["https://a.example/1", "https://a.example/2"]),
                new_station("#1, \"Hits\"", ["http://b.example/x?a=1,2"])]
    assert playlist_text("m3u", stations) == (
        "#EXTM3U\n#EXTINF:-1,KCUR 89.3\nhttps://a.example/1\n#EXTINF:-1,KCUR 89.3\n"
        'https://a.example/2\n#EXTINF:-1,#1, "Hits"\nhttp://b.example/x?a=1,2\n')
    assert playlist_text("pls", stations[:1]) == (
        "[playlist]\nFile1=https://a.example/1\nTitle1=KCUR 89.3\nLength1=-1\n"
        "File2=https://a.example/2\nTitle2=KCUR 89.3\nLength2=-1\nNumberOfEntries=2\n"
        "Version=2\n")
    assert playlist_text("csv", stations).splitlines()[1:] == [
        "KCUR 89.3,https://a.example/1", "KCUR 89.3,https://a.example/2",
        '"#1, ""Hits""","http://b.example/x?a=1,2"']
    with pytest.raises(BadInput, match="cannot export this kind of file"):
        export_stations(tmp_path / "x.json", stations)
    with pytest.raises(BadInput, match="no stations to export"):
        export_stations(tmp_path / "x.pls", [])


NAMES = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1,
                max_size=90).map(clean_name).filter(bool)
URLS = st.builds(lambda host, path: f"https://{host}.example/{path}",
                 st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True),
                 st.from_regex(r"[A-Za-z0-9._~!$&'()*+,;=:@%/?-]{0,40}", fullmatch=True))


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(NAMES, st.lists(URLS, min_size=1, max_size=3, unique=True)),
                min_size=1, max_size=6),
       st.sampled_from(["m3u", "m3u8", "pls", "csv"]))
def test_export_then_import_gives_the_same_names_and_urls(tmp_path, listed, ext) -> None:
    everything = [u for _, urls in listed for u in urls]
    assume(len(set(everything)) == len(everything))
    stations = [new_station(name, urls, timezone="UTC") for name, urls in listed]
    path = tmp_path / f"round.{ext}"
    export_stations(path, stations)
    result = import_stations(path)
    assert result.problems == []
    assert [(n, u) for n, urls in pairs(result.stations) for u in urls] == \
        [(n, u) for n, urls in pairs(stations) for u in urls]
