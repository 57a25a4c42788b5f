"""Images that compare a frame with a reference: difference, red/green overlay, checkerboard, split."""

from __future__ import annotations

from typing import Tuple

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

from ..errors import InputError


def _pair(image: npt.ArrayLike, reference: npt.ArrayLike) -> Tuple[NDArray[np.float64], NDArray[np.float64]]:
    image = np.asarray(image, dtype=np.float64)
    reference = np.asarray(reference, dtype=np.float64)
    if image.ndim != 2 or image.shape != reference.shape:
        raise InputError(f"cannot compare images of shapes {image.shape} and {reference.shape}")
    return image, reference


def normalise(image: npt.ArrayLike, low_percentile: float = 0.5, high_percentile: float = 99.5) -> np.ndarray:
    """Map the finite values' percentile range onto [0, 1] (clipped); NaN stays NaN."""
    image = np.asarray(image, dtype=np.float64)
    finite = image[np.isfinite(image)]
    if not finite.size:
        return np.full(image.shape, np.nan)
    low, high = np.percentile(finite, [low_percentile, high_percentile])
    span = high - low if high > low else 1.0
    scaled: np.ndarray = np.clip((image - low) / span, 0.0, 1.0)
    return scaled


def difference(image: npt.ArrayLike, reference: npt.ArrayLike) -> np.ndarray:
    """image - reference (what is left over after registration; NaN where either is undefined)."""
    image, reference = _pair(image, reference)
    return image - reference


def symmetric_limit(image: npt.ArrayLike, percentile: float = 99.5) -> float:
    """A display limit L for showing `image` (a difference) on [-L, L]: the percentile of |values|."""
    values = np.abs(np.asarray(image, dtype=np.float64))
    values = values[np.isfinite(values)]
    limit = float(np.percentile(values, percentile)) if values.size else 0.0
    return limit if limit > 0 else 1.0


def overlay_rgb(image: npt.ArrayLike, reference: npt.ArrayLike) -> np.ndarray:
    """(H, W, 3) in [0, 1]: the reference in red and the image in green, each contrast-normalised,
    so aligned structure looks yellow and misplaced structure red or green; undefined pixels are black."""
    image, reference = _pair(image, reference)
    rgb = np.zeros(image.shape + (3,))
    rgb[..., 0] = np.nan_to_num(normalise(reference))
    rgb[..., 1] = np.nan_to_num(normalise(image))
    return rgb


def checkerboard(image: npt.ArrayLike, reference: npt.ArrayLike, tile: int = 32) -> np.ndarray:
    """Alternate square tiles of `tile` pixels: the reference where (row // tile + col // tile) is even."""
    image, reference = _pair(image, reference)
    if int(tile) < 1:
        raise InputError(f"the checkerboard tile must be 1 pixel or more, got {tile}")
    rows, cols = np.indices(image.shape)
    use_reference = ((rows // int(tile) + cols // int(tile)) % 2) == 0
    return np.where(use_reference, reference, image)


def split_view(image: npt.ArrayLike, reference: npt.ArrayLike, fraction: float = 0.5,
               vertical: bool = True) -> np.ndarray:
    """The reference left of (or, with vertical False, above) the split at `fraction` of the width
    (height), the image beyond it."""
    image, reference = _pair(image, reference)
    axis = 1 if vertical else 0
    cut = int(round(float(np.clip(fraction, 0.0, 1.0)) * image.shape[axis]))
    out: np.ndarray = image.copy()
    if vertical:
        out[:, :cut] = reference[:, :cut]
    else:
        out[:cut] = reference[:cut]
    return out
