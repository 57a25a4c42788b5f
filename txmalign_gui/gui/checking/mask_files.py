"""Masks and tables as files: a mask is saved as a 0/255 8-bit TIFF or a bool .npy (255 / True = pixel the
registration uses, as `io.read_mask` reads it back); CSV text is written atomically."""

from __future__ import annotations

import numpy as np
import tifffile

from ... import io as txio

MASK_FILTERS = "Mask image (*.tif *.tiff);;NumPy (*.npy)"


def save_mask(path: str, usable: np.ndarray) -> None:
    usable = np.asarray(usable, dtype=bool)
    with txio.atomic_output(path) as temporary:
        if path.lower().endswith(".npy"):
            with open(temporary, "wb") as handle:
                np.save(handle, usable)
        else:
            tifffile.imwrite(temporary, usable.astype(np.uint8) * 255, photometric="minisblack")


def load_mask(path: str) -> np.ndarray:
    """The usable pixels stored in `path` (nonzero = usable)."""
    return txio.read_mask(path)


def save_text(path: str, text: str) -> None:
    with txio.atomic_output(path) as temporary:
        with open(temporary, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
