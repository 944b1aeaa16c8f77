"""player.icy: ICY metadata out of a stream, for any split of the input into reads."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from player.icy import MAX_TITLE, IcyDemuxer, stream_title


def block(text: bytes) -> bytes:
    """One metadata block as a server sends it: a length byte, then NUL-padded 16s."""
    padded = text + b"\0" * (-len(text) % 16)
    return bytes([len(padded) // 16]) + padded


def icy_stream(metaint: int, audio: bytes, metas: dict[int, bytes]) -> bytes:
    """`audio` with a block after every `metaint` bytes: metas[k] after the k-th run, else L=0."""
    out, k = bytearray(), 0
    for i in range(0, len(audio), metaint):
        out += audio[i:i + metaint]
        if i + metaint <= len(audio):
            out += block(metas[k]) if k in metas else b"\0"
            k += 1
    return bytes(out)


def demux(metaint: int, data: bytes, cuts: list[int]) -> tuple[bytes, list[tuple[int, str]]]:
    """Feed `data` cut at `cuts`; the audio and titles with their offsets in the whole audio."""
    demuxer, audio, titles = IcyDemuxer(metaint), b"", []
    edges = [0, *sorted(c % (len(data) + 1) for c in cuts), len(data)]
    for a, b in zip(edges, edges[1:], strict=False):
        got, found = demuxer.feed(data[a:b])
        titles += [(len(audio) + offset, title) for offset, title in found]
        audio += got
    return audio, titles


@given(metaint=st.integers(1, 64), audio=st.binary(min_size=0, max_size=600),
       titles=st.dictionaries(st.integers(0, 12), st.text(max_size=40)),
       cuts=st.lists(st.integers(0, 10_000), max_size=12))
def test_any_split_gives_the_audio_and_each_title_at_its_place(metaint, audio, titles, cuts):
    metas = {k: f"StreamTitle='{t}';StreamUrl='';".encode() for k, t in titles.items()}
    data = icy_stream(metaint, audio, metas)
    got, found = demux(metaint, data, cuts)
    assert got == audio
    runs = len(audio) // metaint
    expected = [((k + 1) * metaint, stream_title(metas[k])) for k in sorted(metas) if k < runs]
    assert found == expected


def test_a_title_with_apostrophes_control_characters_and_latin1() -> None:
    assert stream_title(b"StreamTitle='Rock 'n' Roll - It's';StreamUrl='x';\0\0") == \
        "Rock 'n' Roll - It's"
    assert stream_title(b"StreamTitle='A\x07\nB\tC';") == "A B C"
    assert stream_title("StreamTitle='Caf\xe9';".encode("latin-1")) == "Caf\xe9"
    assert stream_title("StreamTitle='Caf\xe9 \u266b';".encode()) == "Caf\xe9 \u266b"
    assert stream_title(b"StreamUrl='http://x';") is None
    assert stream_title(b"StreamTitle='';") == ""
    long = stream_title(b"StreamTitle='" + b"x" * 4000 + b"';")
    assert len(long) == MAX_TITLE and long.endswith("...")


def test_no_metaint_passes_everything_through() -> None:
    assert IcyDemuxer(None).feed(b"\xff\xfbStreamTitle='x';") == (b"\xff\xfbStreamTitle='x';", [])
