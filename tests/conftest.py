"""Shared test set-up. Kivy reads its environment at import: set it before anything imports kivy.

Fixtures for the real parts live in tests/support/ (Icecast bench, WAV analysis,
metadata payloads) and are re-exported here.
"""

import os
import tempfile

_tmp = tempfile.mkdtemp(prefix="onair-tests-")
os.environ["KIVY_NO_ARGS"] = "1"
os.environ["KIVY_NO_CONSOLELOG"] = "1"
os.environ["KIVY_NO_FILELOG"] = "1"
os.environ["KIVY_LOG_MODE"] = "MIXED"
os.environ["KIVY_HOME"] = os.path.join(_tmp, "kivy")
os.environ["ONAIR_CONFIG_DIR"] = os.path.join(_tmp, "config")
os.environ["ONAIR_CACHE_DIR"] = os.path.join(_tmp, "cache")
os.environ.pop("ONAIR_STATIONS", None)
os.environ.pop("ONAIR_AUDIO_FILE", None)

# Property tests run on a loaded 2-core CI machine: no per-example deadline (a slow
# example is not a failure), and no example database written into the work tree.
from hypothesis import settings  # noqa: E402

settings.register_profile("onair", deadline=None, database=None)
settings.load_profile("onair")
