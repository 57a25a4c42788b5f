"""How the images are prepared before registration (flat-field, absorbance, binning), described as data.

The values drive `batch.prepare_stack` (the same preparation as the command line) and the `binning`
argument of `align_stack`; the aligned stack that is shown and saved is the prepared one.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace

import numpy as np

from ..batch.prepare import PrepareOptions, prepare_stack


def prepare_images(stack, images: np.ndarray, options: dict) -> np.ndarray:
    """The float32 stack that is registered and resampled: `images` after the chosen corrections."""
    chosen = PrepareOptions(flat_field=bool(options.get("flat_field")), minus_log=bool(options.get("minus_log")),
                            scale_gray=bool(options.get("scale_gray")))
    if (stack.flats is None or not chosen.flat_field) and not chosen.minus_log and not chosen.scale_gray:
        return images  # nothing to correct: no copy
    return prepare_stack(stack, chosen, images)


def _key(options: dict) -> tuple:
    return tuple(bool(options.get(name)) for name in ("flat_field", "minus_log", "scale_gray"))


class PreparedImages:
    """The prepared stack (for the checking tools and re-sampling edited frames) and recently shown prepared
    frames (for the Prepared view), kept until the stack or the preparation changes."""

    _FRAMES = 16

    def __init__(self):
        self.clear()

    def clear(self) -> None:
        self._stack, self._key, self._images = None, None, None
        self._frames: OrderedDict = OrderedDict()

    def images(self, stack, options: dict) -> np.ndarray:
        """The whole stack, prepared with `options` (loaded once per stack and preparation)."""
        key = _key(options)
        if self._images is None or self._stack is not stack or self._key != key:
            self._images = prepare_images(stack, stack.load(), dict(options))
            self._stack, self._key = stack, key
        return self._images

    def frame(self, stack, options: dict, index: int) -> np.ndarray:
        """Frame `index` prepared with `options`, without preparing the whole stack."""
        key = _key(options)
        if self._images is not None and self._stack is stack and self._key == key:
            return self._images[index]
        cache_key = (id(stack), key, int(index))
        if cache_key not in self._frames:
            single = stack
            if bool(stack.metadata.get("flats_per_image")) and np.ndim(stack.flats) == 3:
                single = replace(stack, flats=stack.flats[index:index + 1])
            self._frames[cache_key] = prepare_images(single, np.asarray(stack.frame(index))[None], dict(options))[0]
            while len(self._frames) > self._FRAMES:
                self._frames.popitem(last=False)
        return self._frames[cache_key]
