"""Turning a `StackData` into the float32 stack the engine registers (flat/dark, -log)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine.stack import preprocess


@dataclass(frozen=True)
class PrepareOptions:
    """How raw frames become the images that are registered and written."""

    flat_field: bool = True
    minus_log: bool = False

    def to_dict(self) -> dict:
        return {"flat_field": self.flat_field, "minus_log": self.minus_log}


def prepare_stack(data, options: PrepareOptions) -> np.ndarray:
    """Flat/dark-normalised (when the file has them and `flat_field`) and optionally -log images.

    Per-image references (an Xradia folder with one reference per energy) normalise image by image;
    shared references are averaged once.
    """
    flats = data.flats if options.flat_field else None
    darks = data.darks if options.flat_field else None
    per_image = bool(data.metadata.get("flats_per_image")) and flats is not None
    if not per_image:
        return preprocess(data.images, flats=flats, darks=darks, minus_log=options.minus_log)
    frames = [preprocess(data.images[i:i + 1], flats=flats[i], darks=darks, minus_log=options.minus_log)[0]
              for i in range(len(data))]
    return np.stack(frames)
