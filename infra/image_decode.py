"""Decoding a fetched image for display, with Pillow, at no more than the size it is shown at.

`decode(path, max_pixels=..., display=...)` reads the header first and refuses an image over
`max_pixels` (infra.images checked it before the file reached the cache; a file an older
version cached is checked here too), then decodes its first frame and shrinks it to fit
`display` (width, height): a JPEG by its decoder's own DCT scaling (Pillow's `draft`, so a
4096x4096 JPEG is never whole in memory), any other format by `thumbnail` once decoded. So
the largest story image the cap lets through costs a display-sized texture, not the 64 MB
of a 4096x4096 RGBA one (bench/image_rss.py measures it). Never raises: an image that does
not decode is None, with one log line.

`kivy_image(pixels)` wraps the result for Kivy as its own image loaders do (ImageData in an
ImageLoaderBase): built on any thread, its `.texture` is made on the Kivy thread, when asked.
Blocking; call `decode` off the Kivy thread.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from PIL import Image

from infra.images import PILLOW_FORMATS, STORY_IMAGE_MAX_PIXELS, checked_size

STORY_DISPLAY_PIXELS = (2048, 2048)  # the reader shows a lead image at most 360 dp high
REDUCE_STRIP_ROWS = 64  # output rows reduced at a time
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pixels:
    """A decoded image: `mode` "rgb" or "rgba", rows top to bottom in `data`."""

    width: int
    height: int
    mode: str
    data: bytes
    source: str


def decode(path: Path | str, *, max_pixels: tuple[int, int] = STORY_IMAGE_MAX_PIXELS,
           display: tuple[int, int] = STORY_DISPLAY_PIXELS,
           what: str = "Image") -> Pixels | None:
    """The image at `path` decoded and fitted within `display`, or None (one log line) when
    it is over `max_pixels`, not an image, or does not decode."""
    path = Path(path)
    if not checked_size(path, max_pixels, what=f"{what} {path.name}"):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path, formats=PILLOW_FORMATS) as image:
                with _fitted(image, display) as fitted:
                    return Pixels(fitted.width, fitted.height, fitted.mode.lower(),
                                  fitted.tobytes(), str(path))
    except Exception as err:  # noqa: BLE001 - any decoder failure: no image, one line
        _log.info("%s %s not shown: it does not decode (%s)", what, path.name, err)
        return None


def _fitted(image: Image.Image, display: tuple[int, int]) -> Image.Image:
    """The first frame as RGB or RGBA, no larger than `display` (aspect kept). The whole
    decoded frame is let go as soon as a smaller copy exists: a 4096x4096 RGBA PNG peaks at
    its own 64 MB plus the copy, not at the 176 MB of Pillow's resize of it."""
    if image.format == "JPEG":
        image.draft("RGB", display)  # decoded at 1/2, 1/4 or 1/8 scale when that still fits
    image.load()
    alpha = image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info
    out = image
    if out.mode not in ("RGB", "RGBA", "L", "LA"):  # palette, 1-bit, CMYK, 16-bit
        out = out.convert("RGBA" if alpha else "RGB")
    factor = max(-(-out.width // display[0]), -(-out.height // display[1]))
    if factor > 1:
        out = _replaced(out, _reduced(out, factor), image)
    if out.mode not in ("RGB", "RGBA"):
        out = _replaced(out, out.convert("RGBA" if alpha else "RGB"), image)
    if out is not image:
        image.close()  # frees the decoded frame now, not when the file is closed
    out.thumbnail(display)  # in place; never enlarges
    return out


def _reduced(image: Image.Image, factor: int) -> Image.Image:
    """`image.reduce(factor)` (a box average), strip by strip: Pillow reduces RGBA through
    a premultiplied copy of the whole image, which a strip keeps to a few MB."""
    width, height = image.size
    out = Image.new(image.mode, (-(-width // factor), -(-height // factor)))
    step = factor * REDUCE_STRIP_ROWS
    for top in range(0, height, step):
        with image.crop((0, top, width, min(height, top + step))) as strip:
            out.paste(strip.reduce(factor), (0, top // factor))
    return out


def _replaced(old: Image.Image, new: Image.Image, opened: Image.Image) -> Image.Image:
    if old is not opened:
        old.close()
    return new


def kivy_image(pixels: Pixels) -> Any:
    """A Kivy image (ImageLoaderBase) of `pixels`: `.texture` on the Kivy thread."""
    return _loader_class()(pixels.source, inline=True, rawdata=pixels)


@cache
def _loader_class() -> type:
    """Kivy's loader shape (kivy.core.image.img_pil) over pixels decoded already; made once,
    on first use (Kivy is imported only then)."""
    from kivy.core.image import ImageData, ImageLoaderBase

    class Decoded(ImageLoaderBase):
        def load(self, filename: Pixels) -> list[ImageData]:
            return [ImageData(filename.width, filename.height, filename.mode, filename.data,
                              source=filename.source)]

    return Decoded
