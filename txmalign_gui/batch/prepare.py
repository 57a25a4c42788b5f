"""Turning a `StackData` into the float32 stack the engine registers (flat/dark, -log)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine.stack.preprocess import preprocess
from ..io.memory import check_memory

# float32 copies alive at once in a run: the prepared images, the aligned result, one working copy
_COPIES = 3


@dataclass(frozen=True)
class PrepareOptions:
    """How raw frames become the images that are registered and written."""

    flat_field: bool = True
    minus_log: bool = False
    scale_gray: bool = False

    def to_dict(self) -> dict:
        return {"flat_field": self.flat_field, "minus_log": self.minus_log, "scale_gray": self.scale_gray}


def prepare_stack(data, options: PrepareOptions, images=None) -> np.ndarray:
    """Flat/dark-normalised (when the file has them and `flat_field`), optionally -log and gray-scaled images.

    `images` replaces `data.images` when the frames are already loaded.  Per-image references (an
    Xradia folder with one reference per energy) normalise image by image; shared references are
    averaged once.
    """
    images = data.images if images is None else images
    flats = data.flats if options.flat_field else None
    darks = data.darks if options.flat_field else None
    corrections = dict(minus_log=options.minus_log, scale_gray=options.scale_gray)
    per_image = bool(data.metadata.get("flats_per_image")) and np.ndim(flats) == 3
    if not per_image:
        return preprocess(images, flats=flats, darks=darks, **corrections)
    return np.concatenate([preprocess(images[i:i + 1], flats=flats[i], darks=darks, **corrections)
                           for i in range(len(images))])


def check_stack_memory(data, doing: str, copies: int = _COPIES) -> None:
    """Refuse before loading when `copies` float32 copies of the stack would not fit in memory."""
    count, height, width = data.shape
    check_memory(copies * 4.0 * count * height * width,
                 f"{doing} {data.source} ({count} x {height} x {width} images)")
