"""Parser scaling benchmark (prints JSON): does any parser of remote text run super-linearly?

For each parser of remote input and each adversarial shape of its input (deep nesting with
stray end tags, unclosed tags and attributes, `<![` marked sections, huge attribute lists,
Composer programs lacking end times, hosts and authors by the thousand, many entries, ...),
the input is doubled from 1/32 of the parser's size cap up to the cap, and each doubling's
time ratio is printed. The caps are the code's own: 2 M characters of HTML
(infra.html_text.MAX_HTML_CHARS), 5 MB answers (infra.http), 64 KiB playlists
(player.playlists.MAX_PLAYLIST_BYTES, player.xml_playlists.MAX_BYTES), one ICY block of
255 x 16 bytes (and a 5 MB run of stream through the demuxer). A linear parser doubles its time
(2x); each must stay at most 2.5x per doubling. Times are CPU seconds of this process (the
shared machine's load is not in them), the best of 3 rounds, a round repeating a fast call
for at least ROUND_S; a doubling over the limit is timed again (RETRIES times at most):
noise goes, growth stays.

`--old REV` also runs the same shapes against the parsers of commit REV (`git archive` into
a temporary folder, run in a child process; the working tree and index are not touched),
and prints both. A call of the old code that would take over `--budget` seconds stops its
doubling there ("stopped").

Run: .venv/bin/python bench/parsers.py [--old HEAD] [--only NAME] [--budget 20]
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import inspect
import io
import json
import logging
import math
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")

LIMIT_RATIO = 2.5
DOUBLINGS = 5
ROUND_S = 0.05  # a timing round of a fast parser repeats calls for at least this long
RETRIES = 2  # times a doubling over the limit is measured again before it counts
TZ = ZoneInfo("America/Chicago")
DAY = date(2025, 5, 14)
HOME = "https://www.kcur.org/"


@dataclass(frozen=True)
class Case:
    name: str  # "parser: shape"
    cap: int  # input size at the top doubling (characters or bytes)
    build: Callable[[int], object]  # an input of about `size`
    call: Callable[[object], object]


def _shapes():
    """tests/support/hostile_inputs.py of THIS checkout, by path (an older tree has none)."""
    spec = importlib.util.spec_from_file_location(
        "hostile_inputs", ROOT / "tests" / "support" / "hostile_inputs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cases() -> list[Case]:
    """Every parser of remote text with its shapes, at the caps the code sets."""
    from infra import html_text
    from infra.html_text import html_to_text, plain
    from infra.http import HttpClient
    from library.model import parse_records
    from library.playlist_io import parse_m3u_text, parse_pls_text
    from news.feeds import parse_station_feed
    from news.newscast import parse_newscast
    from player import playlists
    from player.homepage import discover
    from player.icy import IcyDemuxer, stream_title
    from schedule.composer import day_programs, now_programs

    shapes = _shapes()
    html_cap = html_text.MAX_HTML_CHARS
    answer_cap = inspect.signature(HttpClient).parameters["max_bytes"].default
    playlist_cap = playlists.MAX_PLAYLIST_BYTES
    groups: list[tuple[str, dict, int, Callable[[object], object]]] = [
        ("html_to_text", shapes.HTML, html_cap, html_to_text),
        ("plain", shapes.PLAIN, html_cap, plain),
        ("homepage discover", shapes.HOMEPAGE, answer_cap, lambda html: discover(html, HOME)),
        ("composer day", shapes.COMPOSER_DAY, answer_cap, lambda d: day_programs(d, TZ, DAY)),
        ("composer now", shapes.COMPOSER_NOW, answer_cap, lambda d: now_programs(d, TZ, DAY)),
        ("station feed", shapes.FEED, answer_cap, lambda d: parse_station_feed(d, "Bench")),
        ("newscast feed", shapes.NEWSCAST, answer_cap, lambda d: parse_newscast(d, "Bench")),
        ("directory records", shapes.DIRECTORY, answer_cap, parse_records),
        ("pls", shapes.PLS, playlist_cap, playlists.parse_pls),
        ("m3u", shapes.M3U, playlist_cap, playlists.parse_m3u),
        ("sniff playlist", shapes.M3U, playlist_cap,
         lambda d: playlists.sniff_playlist("http://e.org/x", "text/html", d)),
        ("playlist title (m3u text)", shapes.PLAYLIST_TEXT, playlist_cap, parse_m3u_text),
        ("playlist title (pls text)", shapes.PLAYLIST_TEXT, playlist_cap, parse_pls_text),
        ("icy title block", shapes.ICY_BLOCK, shapes.ICY_BLOCK_BYTES, stream_title),
        ("icy stream", shapes.ICY_STREAM, answer_cap, lambda d: IcyDemuxer(16).feed(d)),
    ]
    groups += _newer_groups(shapes)
    return [Case(f"{parser}: {shape}", cap, build, call)
            for parser, group, cap, call in groups for shape, build in group.items()]


def _newer_groups(shapes) -> list:
    """Parsers an older tree may not have (none there: they run for this checkout only)."""
    try:
        from player import xml_playlists
    except ImportError:
        return []
    cap = xml_playlists.MAX_BYTES
    return [("asx", shapes.XML_PLAYLIST, cap, xml_playlists.parse_asx),
            ("xspf", shapes.XML_PLAYLIST, cap, xml_playlists.parse_xspf)]


# -- timing ----------------------------------------------------------------------------------
def timed(call: Callable[[object], object], data: object, calls: int = 1) -> tuple[float, str]:
    """CPU seconds of one call, the mean of `calls` calls (this process only: the shared
    machine's load is not in it)."""
    gc.collect()
    outcome = "ok"
    start = time.process_time()
    for _ in range(calls):
        try:
            call(data)
        except Exception as err:  # noqa: BLE001 - reported: the old code raises on some shapes
            outcome = f"raised {type(err).__name__}"
    return (time.process_time() - start) / calls, outcome


def best_time(call: Callable[[object], object], data: object) -> tuple[float, str]:
    """The best of 3 rounds of the mean time of a call, each round at least ROUND_S long
    (many calls of a fast parser), or of a single call when one takes longer than that."""
    first, outcome = timed(call, data)
    if first >= 1.0:
        return first, outcome
    calls = max(1, math.ceil(ROUND_S / max(first, 1e-6)))
    return min(first, *(timed(call, data, calls)[0] for _ in range(3))), outcome


def measure(case: Case, budget_s: float) -> dict:
    sizes = [case.cap >> k for k in range(DOUBLINGS, -1, -1)]
    times: list[float] = []
    outcomes: set[str] = set()
    result: dict = {"cap": case.cap}
    for size in sizes:
        growth = max(2.0, times[-1] / times[-2]) if len(times) > 1 else 2.0
        if times and times[-1] * growth > budget_s:
            result["stopped"] = (f"before {size}: the next call would take over "
                                 f"{budget_s:g} s")
            break
        best, outcome = best_time(case.call, case.build(size))
        times.append(best)
        outcomes.add(outcome)
    for _ in range(RETRIES):  # a ratio over the limit is timed again: noise goes, growth stays
        over = [i for i in range(len(times) - 1) if times[i + 1] > LIMIT_RATIO * times[i]]
        if not over or "stopped" in result:
            break
        for k in sorted({j for i in over for j in (i, i + 1)}):
            times[k] = min(times[k], best_time(case.call, case.build(sizes[k]))[0])
    ratios = [later / earlier for earlier, later in zip(times, times[1:], strict=False)]
    result.update({
        "sizes": sizes[:len(times)], "seconds": [round(t, 5) for t in times],
        "ratios": [round(r, 2) for r in ratios],
        "max_ratio": round(max(ratios), 2) if ratios else None,
        "outcome": sorted(outcomes),
    })
    result["ok"] = "stopped" not in result and bool(ratios) and max(ratios) <= LIMIT_RATIO
    return result


def run_here(only: str | None, budget_s: float, exact: str | None = None) -> dict:
    logging.disable(logging.CRITICAL)  # dropped items log a line each; not timed here
    report = {}
    for case in cases():
        if (only and only not in case.name) or (exact and exact != case.name):
            continue
        report[case.name] = measure(case, budget_s)
        print(f"{case.name}: {report[case.name]['ratios']}", file=sys.stderr, flush=True)
    return report


def run_old(rev: str, only: str | None, budget_s: float) -> dict:
    """This script against the parsers of commit `rev`: each case in a child process of its
    own, killed after 3 * budget_s (a quadratic parser's first size alone may take that)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True,
                             capture_output=True).stdout
    report: dict = {}
    with tempfile.TemporaryDirectory(prefix="onair-parsers-") as folder:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        for case in cases():
            if only and only not in case.name:
                continue
            args = [sys.executable, str(Path(__file__).resolve()), "--code", folder,
                    "--budget", str(budget_s), "--case", case.name]
            try:
                done = subprocess.run(args, cwd=folder, capture_output=True, text=True,
                                      timeout=3 * budget_s)
            except subprocess.TimeoutExpired:
                report[case.name] = {"cap": case.cap, "ok": False, "stopped": (
                    f"the smallest input ({case.cap >> DOUBLINGS}) took over "
                    f"{3 * budget_s:g} s")}
                print(f"old {case.name}: timed out", file=sys.stderr, flush=True)
                continue
            try:
                report.update(json.loads(done.stdout))
            except ValueError:
                report[case.name] = {"failed": done.stderr.strip()[-600:]}
            print(f"old {case.name}: {report[case.name].get('ratios')}", file=sys.stderr,
                  flush=True)
    return report


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--old", metavar="REV", help="also run the parsers of commit REV")
    parser.add_argument("--only", help="only the cases whose name contains this")
    parser.add_argument("--budget", type=float, default=20.0,
                        help="stop a shape's doubling before a call over this many seconds")
    parser.add_argument("--code", help=argparse.SUPPRESS)  # the tree to import (for --old)
    parser.add_argument("--case", help=argparse.SUPPRESS)  # one case, by its exact name
    args = parser.parse_args()
    sys.path.insert(0, args.code or str(ROOT))
    if args.code:
        print(json.dumps(run_here(args.only, args.budget, args.case)))
        return 0
    report: dict = {"bench": "parsers", "limit_ratio_per_doubling": LIMIT_RATIO,
                    "doublings": DOUBLINGS, "seconds": "CPU seconds per call"}
    if args.old:
        report["old"] = {"rev": args.old, **run_old(args.old, args.only, args.budget)}
    report["new"] = run_here(args.only, args.budget)
    report["new_all_ok"] = all(r["ok"] for r in report["new"].values())
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
