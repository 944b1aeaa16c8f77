"""Station icons for directory results: downloaded and checked on the background lane.

A directory record's favicon (already an http(s) URL, library.model) is fetched through
infra.images.fetch_image into the cache's favicons dir, capped at FAVICON_MAX_BYTES and at
FAVICON_MAX_PIXELS (read from the header before anything decodes it: a few kB of PNG can
declare 30000x30000), and decoded once with Kivy's ImageLoader off the Kivy thread: a file
that is not an image, is too large, or does not decode gives no icon (the views show their
placeholder). A newer set of
results drops the icons still being fetched for the older one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kivy.event import EventDispatcher
from kivy.properties import DictProperty

from infra.http import HttpClient
from infra.images import fetch_image
from infra.paths import atomic_write_bytes
from infra.tasks import Task, TaskRunner
from library.model import DirectoryStation

log = logging.getLogger(__name__)

FAVICON_DIR = "favicons"
FAVICON_MAX_BYTES = 256 * 1024
FAVICON_MAX_PIXELS = (512, 512)  # checked from the header before Kivy decodes it
MAX_FAVICONS = 300


def decodes(path: Path) -> bool:
    """Whether Kivy can decode the image at `path` (call it off the Kivy thread)."""
    from kivy.core.image import ImageLoader

    try:
        image = ImageLoader.load(str(path), keep_data=True)
    except Exception:  # noqa: BLE001 - any loader failure means "no icon"
        return False
    return image is not None and image.width > 0 and image.height > 0


def load_favicon(http: HttpClient, url: str, cache_dir: Path) -> str:
    """Blocking: the icon's local file (a str) or "" when missing, too big or broken."""
    path = fetch_image(http, url, cache_dir, max_bytes=FAVICON_MAX_BYTES,
                       source="Station icon", max_files=MAX_FAVICONS,
                       max_pixels=FAVICON_MAX_PIXELS)
    if path is None:
        return ""
    if not decodes(path):
        path.unlink(missing_ok=True)  # never served from the cache as an icon again
        return ""
    return str(path)


class Favicons(EventDispatcher):
    """The icons of the results shown. `fetch(records)` fetches each record's favicon on
    the background lane (nothing without `http`); `icons` (uuid -> local file, found ones
    only) grows as they come, on the Kivy thread. A newer `fetch` or `cancel` drops the
    icons still coming for the older results."""

    icons = DictProperty({})

    def __init__(self, http: HttpClient | None, cache_dir: Path | None, tasks: TaskRunner,
                 *, logos_dir: Path | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._http = http
        self.cache_dir = None if cache_dir is None else Path(cache_dir) / FAVICON_DIR
        self.logos_dir = logos_dir
        self._tasks = tasks
        self._running: list[Task] = []
        self._generation = 0

    def fetch(self, records: Iterable[DirectoryStation]) -> None:
        self.cancel()
        self.icons = {}
        if self._http is None or self.cache_dir is None:
            return
        for record in records:
            if record.favicon:
                self._running.append(self._fetch_one(record.id, record.favicon))

    def idle(self) -> bool:
        """No icon download running on the background lane (tests wait on it)."""
        return self._tasks.busy("background") == 0

    def icon(self, uuid: str) -> str | None:
        """The local file of a result's icon, or None."""
        return self.icons.get(uuid) or None

    def keep(self, uuid: str) -> str | None:
        """An added station's logo: its icon copied out of the cache (which is pruned) into
        `logos_dir`; the copy's path, or None without an icon or when it cannot be copied."""
        icon = self.icon(uuid)
        if icon is None or self.logos_dir is None:
            return icon
        source = Path(icon)
        target = self.logos_dir / f"{uuid}{source.suffix}"
        try:
            atomic_write_bytes(target, source.read_bytes())
        except OSError as err:
            log.warning("station logo not kept: %s", err)
            return None
        return str(target)

    def _fetch_one(self, uuid: str, url: str) -> Task:
        http, cache_dir, generation = self._http, self.cache_dir, self._generation
        assert http is not None and cache_dir is not None

        def done(path: str) -> None:
            if path and generation == self._generation:
                self.icons = {**self.icons, uuid: path}

        return self._tasks.background(lambda: load_favicon(http, url, cache_dir), done,
                                      lambda err: log.info("icon %s: %s", uuid, err))

    def cancel(self) -> None:
        self._generation += 1
        for task in self._running:
            task.cancel()
        self._running = []
