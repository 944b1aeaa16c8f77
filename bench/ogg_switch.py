"""Switch to first audio on an Ogg Opus mount against an MP3 mount, in the same run.

Prints one JSON document. One local Icecast (tests/support/icecast.py) carries 440 Hz and
1000 Hz tones as MP3 and as Ogg Opus; On Air switches between the two tones of one codec
(bench/switch_latency.py's machinery: the player as the app builds it, with catch-up; a
raw-socket floor started with each switch; the new tone found in libvlc's WAV), first the
MP3 pair, then the Opus pair, each with a player of its own. The figure is each codec's
median of (switch to first audio - the paired floor); the target is Opus within
TARGET_MS of MP3.

    .venv/bin/python bench/ogg_switch.py [--rounds N]

With --rounds N the two codecs take turns N times (MP3, Opus, MP3, ...) and each figure is
the median over all of its switches' medians.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.switch_latency import SWITCHES, switch_onair  # noqa: E402
from tests.support.icecast import IcecastBench, Mount  # noqa: E402

TARGET_MS = 20
CODECS = {  # codec -> the mounts switched between (tones alternate 440, 1000 Hz)
    "mp3": (Mount("/a.mp3", 440, "mp3"), Mount("/b.mp3", 1000, "mp3")),
    "opus": (Mount("/a.opus", 440, "opus", rate=48000), Mount("/b.opus", 1000, "opus",
                                                               rate=48000)),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="onair-ogg-switch-"))
    runs: dict[str, list[dict]] = {codec: [] for codec in CODECS}
    try:
        with IcecastBench(tuple(m for pair in CODECS.values() for m in pair)) as bench:
            for n in range(args.rounds):
                for codec, pair in CODECS.items():
                    folder = tmp / f"{codec}-{n}"
                    folder.mkdir()
                    try:
                        runs[codec].append(switch_onair(bench, folder,
                                                        order=[m.path for m in pair]))
                    except RuntimeError as err:  # no audio: the codec does not play
                        runs[codec].append({"failed": str(err)})
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    over_floor = {codec: statistics.median(r["median_minus_floor_ms"] for r in results)
                  if all("failed" not in r for r in results) else None
                  for codec, results in runs.items()}
    difference = (round(over_floor["opus"] - over_floor["mp3"], 1)
                  if None not in over_floor.values() else None)
    report = {
        "bench": "ogg_switch",
        "measured": "switch request -> new station's tone first appended to libvlc's WAV "
                    "(On Air with catch-up, as the app builds it), minus a raw socket's first "
                    "audio byte started with the same switch; median of "
                    f"{SWITCHES} switches after a warm-up, per codec",
        "rounds": args.rounds,
        "mp3": runs["mp3"] if args.rounds > 1 else runs["mp3"][0],
        "opus": runs["opus"] if args.rounds > 1 else runs["opus"][0],
        "mp3_median_minus_floor_ms": over_floor["mp3"],
        "opus_median_minus_floor_ms": over_floor["opus"],
        "opus_minus_mp3_ms": difference,
        "target_within_ms": TARGET_MS,
        "within_target": difference is not None and difference <= TARGET_MS,
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
