"""How the images are prepared before registration (flat-field, absorbance, binning), described as data.

The values drive `batch.prepare_stack` (the same preparation as the command line) and the `binning`
argument of `align_stack`; the aligned stack that is shown and saved is the prepared one.
"""

from __future__ import annotations

import numpy as np

from ..batch.prepare import PrepareOptions, prepare_stack
from ..engine.params import Param, ParamSet

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
    chosen = PrepareOptions(flat_field=bool(options.get("flat_field")), minus_log=bool(options.get("minus_log")),
                            scale_gray=bool(options.get("scale_gray")))
    if (stack.flats is None or not chosen.flat_field) and not chosen.minus_log and not chosen.scale_gray:
        return images  # nothing to correct: no copy
    return prepare_stack(stack, chosen, images)
