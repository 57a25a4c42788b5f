"""Gaussian image pyramids that respect masks, and the mapping of transforms between levels.

Coarse-to-fine searches start on small images, where a wide search is cheap, and refine the answer on
each finer level; masked pixels never leak into usable ones while smoothing.
"""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple, overload

import numpy as np
from scipy import ndimage

from .transform import AnyTransform, Transform, image_centre

Level = Tuple[np.ndarray, Optional[np.ndarray]]


def downsample(image: np.ndarray, mask: Optional[np.ndarray] = None) -> Level:
    """Blur with sigma 1 px (only usable pixels contribute) and keep every second row and column."""
    if mask is None:
        return ndimage.gaussian_filter(image, 1.0)[::2, ::2], None
    weight = ndimage.gaussian_filter(mask.astype(np.float64), 1.0)
    blurred = ndimage.gaussian_filter(np.where(mask, image, 0.0), 1.0)
    smooth = np.where(weight > 1e-6, blurred / np.maximum(weight, 1e-6), 0.0)
    return smooth[::2, ::2], (weight > 0.5)[::2, ::2]


def build_pyramid(image: np.ndarray, mask: Optional[np.ndarray] = None, min_size: int = 32,
                  max_levels: int = 8) -> List[Level]:
    """Levels from finest (the input) to coarsest; halving stops before a side drops under `min_size`."""
    levels = [(image, mask)]
    while len(levels) < max_levels and min(levels[-1][0].shape) // 2 >= min_size:
        levels.append(downsample(*levels[-1]))
    return levels


@overload
def to_finer(transform: Transform, coarse_shape: Sequence[int], fine_shape: Sequence[int]) -> Transform: ...
@overload
def to_finer(transform: AnyTransform, coarse_shape: Sequence[int], fine_shape: Sequence[int]) -> AnyTransform: ...


def to_finer(transform: AnyTransform, coarse_shape: Sequence[int], fine_shape: Sequence[int]) -> AnyTransform:
    """Express a transform found on a level made by `downsample` on the next finer level.

    Coarse pixel i sits at fine pixel 2 i, so shifts double and the rotation centre is moved from
    twice the coarse centre to the fine image's centre (any kind: only the shift changes).
    """
    doubled = transform.scaled(2.0)
    return doubled.recentred(2.0 * image_centre(coarse_shape), image_centre(fine_shape))


@overload
def to_coarser(transform: Transform, fine_shape: Sequence[int], coarse_shape: Sequence[int]) -> Transform: ...
@overload
def to_coarser(transform: AnyTransform, fine_shape: Sequence[int], coarse_shape: Sequence[int]) -> AnyTransform: ...


def to_coarser(transform: AnyTransform, fine_shape: Sequence[int], coarse_shape: Sequence[int]) -> AnyTransform:
    """The inverse of `to_finer`: a fine-level transform expressed on the next coarser level."""
    moved = transform.recentred(image_centre(fine_shape), 2.0 * image_centre(coarse_shape))
    return moved.scaled(0.5)
