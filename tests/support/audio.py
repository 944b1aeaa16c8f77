"""Read a WAV that libvlc writes through ONAIR_AUDIO_FILE and say what is in it.

libvlc's afile output writes the RIFF header with its final sizes only at the end,
so while the file is still growing the header sizes are wrong: the data length is
taken from the file size instead. Only 16-bit integer and 32-bit float PCM are read
(what libvlc's `--audiofile-wav` writes).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class WavInfo:
    rate: int
    channels: int
    sample_format: str  # "int16" or "float32"
    data_offset: int


def wav_info(path: str | Path) -> WavInfo:
    """The format chunk and where the samples start; ValueError if not a PCM WAV yet."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise ValueError(f"{path}: not a WAV file (yet)")
    pos, fmt = 12, None
    while pos + 8 <= len(head):
        cid, size = head[pos:pos + 4], struct.unpack_from("<I", head, pos + 4)[0]
        if cid == b"fmt ":
            tag, channels, rate = struct.unpack_from("<HHI", head, pos + 8)
            bits = struct.unpack_from("<H", head, pos + 22)[0]
            if tag == 0xFFFE:  # WAVE_FORMAT_EXTENSIBLE: the real tag starts the sub-format GUID
                tag = struct.unpack_from("<H", head, pos + 32)[0]
            fmt = (tag, channels, rate, bits)
        elif cid == b"data":
            if fmt is None:
                break
            tag, channels, rate, bits = fmt
            kinds = {(1, 16): "int16", (3, 32): "float32"}
            if (tag, bits) not in kinds:
                raise ValueError(f"{path}: unsupported WAV format tag {tag}, {bits} bits")
            return WavInfo(rate, channels, kinds[(tag, bits)], pos + 8)
        pos += 8 + size + (size & 1)
    raise ValueError(f"{path}: WAV header incomplete")


def read_samples(path: str | Path, start_s: float | None = None,
                 end_s: float | None = None) -> tuple[np.ndarray, int]:
    """Mono float samples in [-1, 1] between start_s and end_s (None: file start/end)."""
    info = wav_info(path)
    frame = info.channels * (2 if info.sample_format == "int16" else 4)
    total = (Path(path).stat().st_size - info.data_offset) // frame
    first = 0 if start_s is None else max(0, min(total, int(start_s * info.rate)))
    last = total if end_s is None else max(first, min(total, int(end_s * info.rate)))
    with open(path, "rb") as fh:
        fh.seek(info.data_offset + first * frame)
        raw = fh.read((last - first) * frame)
    raw = raw[: len(raw) // frame * frame]
    if info.sample_format == "int16":
        data = np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768.0
    else:
        data = np.frombuffer(raw, dtype="<f4").astype(np.float64)
    return data.reshape(-1, info.channels).mean(axis=1), info.rate


def duration_s(path: str | Path) -> float:
    """Seconds of audio written so far (0 when the header is not there yet)."""
    try:
        info = wav_info(path)
    except (ValueError, OSError):
        return 0.0
    frame = info.channels * (2 if info.sample_format == "int16" else 4)
    return (Path(path).stat().st_size - info.data_offset) // frame / info.rate


def analyse(path: str | Path, start_s: float | None = None,
            end_s: float | None = None) -> tuple[float, float]:
    """(dominant frequency in Hz, RMS level 0..1) of the window; (0.0, 0.0) when empty."""
    samples, rate = read_samples(path, start_s, end_s)
    if len(samples) < 64:
        return 0.0, 0.0
    rms = float(np.sqrt(np.mean(samples ** 2)))
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    spectrum[0] = 0.0
    freq = float(np.argmax(spectrum) * rate / len(samples))
    return freq, rms


def hears(path: str | Path, freq_hz: float, start_s: float | None = None,
          end_s: float | None = None, *, tolerance_hz: float = 15.0,
          min_rms: float = 0.01) -> bool:
    """True when the window holds a tone of `freq_hz` loud enough to be heard."""
    freq, rms = analyse(path, start_s, end_s)
    return rms >= min_rms and abs(freq - freq_hz) <= tolerance_hz
