"""`make demo`: the whole app offline, against local servers.

Starts a local Icecast with two demo stations (a distinct tone each, the stream
title changing every 20 s), a loopback metadata server with today's schedule,
stories with images and an hourly newscast (tests/support/demo_data.py), writes
a demo catalogue, and runs the app on it with its config and cache in a temp
folder. Everything is torn down when the app exits or on Ctrl-C.

    python scripts/demo.py               # the app
    python scripts/demo.py --serve-only  # only the servers; prints the catalogue path
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.support.demo_data import STATIONS, DemoSite, demo_catalogue, make_media  # noqa: E402
from tests.support.directory_server import DirectoryServer, demo_records  # noqa: E402
from tests.support.icecast import MOUNTS, IcecastBench  # noqa: E402
from tests.support.processes import stop_process  # noqa: E402

TITLE_EVERY_S = 20.0
SONGS = (
    "Count Basie Orchestra - April in Paris", "Mary Lou Williams - Night Life",
    "Charlie Parker - Now's the Time", "Bobby Watson - In Case You Missed It",
    "Pat Metheny - Phase Dance", "Claude Debussy - Clair de lune",
)


def rotate_titles(bench: IcecastBench, stop: threading.Event) -> None:
    """Give each stream a new title every TITLE_EVERY_S until `stop` is set."""
    for n in itertools.count():
        for i, st in enumerate(STATIONS):
            try:
                bench.set_title(st.mount, SONGS[(n + 2 * i) % len(SONGS)])
            except (OSError, RuntimeError) as err:
                print(f"demo: title update failed: {err}", file=sys.stderr)
        if stop.wait(TITLE_EVERY_S):
            return


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve-only", "--no-gui", action="store_true",
                        help="start the servers, print the catalogue path, wait for Ctrl-C")
    args = parser.parse_args(argv)
    missing = [tool for tool in ("icecast2", "ffmpeg") if shutil.which(tool) is None]
    if missing:
        print(f"demo: needs {' and '.join(missing)} (apt-get install icecast2 ffmpeg)",
              file=sys.stderr)
        return 1
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    work = Path(tempfile.mkdtemp(prefix="onair-demo-"))
    media = work / "media"
    make_media(media)
    wanted = {st.mount for st in STATIONS} | {"/b.aac"}  # /b.aac: a directory station
    bench = IcecastBench(tuple(m for m in MOUNTS if m.path in wanted))
    site = DemoSite(media).start()
    directory: DirectoryServer | None = None
    app: subprocess.Popen[bytes] | None = None
    try:
        bench.start()
        # "+ Add station" searches a local Radio Browser: try "tone" (or "npr")
        directory = DirectoryServer(demo_records(f"http://127.0.0.1:{bench.port}")).start()
        titles = threading.Thread(target=rotate_titles, args=(bench, stop), daemon=True)
        titles.start()
        catalogue = work / "demo-stations.json"
        catalogue.write_text(json.dumps(demo_catalogue(site, bench.url, media), indent=2))
        print(f"demo: metadata at {site.base_url}, streams on port {bench.port}")
        print(catalogue, flush=True)
        if args.serve_only:
            while not stop.wait(0.5):
                pass
            return 0
        env = dict(os.environ, ONAIR_CONFIG_DIR=str(work / "config"),
                   ONAIR_CACHE_DIR=str(work / "cache"), ONAIR_RADIO_BROWSER=directory.url)
        app = subprocess.Popen([sys.executable, str(REPO / "main.py"), "gui", "--stations",
                                str(catalogue)], env=env, cwd=REPO)
        while app.poll() is None and not stop.wait(0.5):
            pass
        return app.returncode or 0
    except KeyboardInterrupt:
        return 130
    finally:
        stop.set()
        stop_process(app, timeout=5)
        if directory is not None:
            directory.stop()
        site.close()
        bench.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
