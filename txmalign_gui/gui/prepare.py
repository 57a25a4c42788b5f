"""How the images are prepared before registration (flat-field, absorbance, binning), described as data.

The values drive `engine.stack.preprocess` and the `binning` argument of
`align_stack`; the aligned stack that is shown and saved is the prepared one.
"""

from __future__ import annotations

import numpy as np

from ..engine.params import Param, ParamSet
from ..engine.stack import preprocess

PREPARE_PARAMS = ParamSet((
    Param("flat_field", "Flat-field correction", bool, True,
          "Subtract the dark images and divide by the flat (bright-field) images the file holds, so the "
          "beam profile does not pull the registration; ignored when the file has no flats."),
    Param("minus_log", "Absorbance (-ln)", bool, False,
          "Convert transmission to absorbance before aligning; the saved stack is then absorbance too."),
    Param("binning", "Registration binning", int, 1,
          "Register on images binned by this factor (faster, less noisy); the transforms are scaled back "
          "and applied to the full-size images.", minimum=1, maximum=16),
    Param("scale_gray", "Normalise gray levels", bool, False,
          "Give every image zero mean and unit spread, so gray levels drifting across the series do not "
          "bias the registration (the saved stack is normalised too).", advanced=True),
))


def prepare_images(stack, images: np.ndarray, options: dict) -> np.ndarray:
    """The float32 stack that is registered and resampled: `images` after the chosen corrections."""
    flats = stack.flats if options.get("flat_field") else None
    darks = stack.darks if options.get("flat_field") else None
    minus_log, scale_gray = bool(options.get("minus_log")), bool(options.get("scale_gray"))
    if flats is None and not minus_log and not scale_gray:
        return images
    if flats is not None and stack.metadata.get("flats_per_image") and np.ndim(flats) == 3:
        return np.concatenate([preprocess(images[i:i + 1], flats[i], darks, minus_log=minus_log,
                                          scale_gray=scale_gray) for i in range(len(images))])
    return preprocess(images, flats, darks, minus_log=minus_log, scale_gray=scale_gray)
