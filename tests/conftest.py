"""Shared test set-up. Kivy reads its environment at import: set it before anything imports kivy.

Fixtures for the real parts live in tests/support/ (Icecast bench, WAV analysis,
metadata payloads); the fixtures several packages share (Icecast servers, the demo media
and metadata site) are defined at the end of this file.
"""

import atexit
import os
import shutil
import tempfile

_tmp = tempfile.mkdtemp(prefix="onair-tests-")
atexit.register(shutil.rmtree, _tmp, ignore_errors=True)  # the process's config/cache/Kivy home
os.environ["KIVY_NO_ARGS"] = "1"
os.environ["KIVY_NO_CONSOLELOG"] = "1"
os.environ["KIVY_NO_FILELOG"] = "1"
os.environ["KIVY_LOG_MODE"] = "MIXED"
os.environ["KIVY_HOME"] = os.path.join(_tmp, "kivy")
os.environ["ONAIR_CONFIG_DIR"] = os.path.join(_tmp, "config")
os.environ["ONAIR_CACHE_DIR"] = os.path.join(_tmp, "cache")
os.environ.pop("ONAIR_STATIONS", None)
os.environ.pop("ONAIR_AUDIO_FILE", None)
# A proxy in the CI machine's environment must not get the tests' loopback traffic (the HTTP
# client and libvlc honour these): the proxy tests set them in their own subprocesses.
for _proxy_var in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "ftp_proxy"):
    os.environ.pop(_proxy_var, None)
    os.environ.pop(_proxy_var.upper(), None)

# Property tests run on a loaded 2-core CI machine: no per-example deadline (a slow
# example is not a failure), and no example database written into the work tree.
from hypothesis import settings  # noqa: E402

settings.register_profile("onair", deadline=None, database=None)
settings.load_profile("onair")


# -- the real parts, shared by the packages' tests -------------------------------------------
from collections.abc import Iterator  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def icecast() -> Iterator:
    """One real Icecast2 server for the session: /a.mp3 /a.aac (440 Hz), /b.aac /b.mp3
    (1000 Hz). Tests that stop, freeze or retitle a server use `bench` or their own."""
    from tests.support.icecast import IcecastBench

    with IcecastBench() as bench:
        yield bench


@pytest.fixture(scope="session")
def rising_icecast() -> Iterator:
    """A real Icecast2 server whose tones rise with time (/rise.mp3, /rise.aac: 400 Hz, +100 Hz
    every 10 s; tests/support/icecast.py rising_tone_hz), so the frequency heard tells which
    moment of the stream plays. `fed_since[mount]` is when its feeder started."""
    from tests.support.icecast import RISING_MOUNTS, IcecastBench

    with IcecastBench(RISING_MOUNTS) as server:
        yield server


@pytest.fixture(scope="module")
def bench() -> Iterator:
    """A real Icecast2 server of the module's own (same mounts as `icecast`)."""
    from tests.support.icecast import IcecastBench

    with IcecastBench() as server:
        yield server


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    """The demo's logos, story images and newscast audio (tests/support/demo_data.py)."""
    from tests.support.demo_data import make_media

    folder = tmp_path_factory.mktemp("media")
    make_media(folder)
    return folder


@pytest.fixture
def site(media):
    """The demo metadata server (Composer, RSS, the newscast) on loopback."""
    from tests.support.demo_data import DemoSite

    server = DemoSite(media).start()
    yield server
    server.close()


@pytest.fixture(scope="module")
def pulse():
    """A PulseAudio server with a null sink (tests/support/pulse.py), and PULSE_SERVER set
    for this process's libvlc meanwhile."""
    from tests.support.pulse import PulseServer

    with PulseServer() as server:
        before = os.environ.get("PULSE_SERVER")
        os.environ.update(server.env)
        try:
            yield server
        finally:
            if before is None:
                os.environ.pop("PULSE_SERVER", None)
            else:
                os.environ["PULSE_SERVER"] = before
