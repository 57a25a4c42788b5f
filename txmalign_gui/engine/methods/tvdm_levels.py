"""The multi-resolution data TVDM searches on: per pyramid level, smoothed images and their gradients.

Smoothing and gradients are computed once per image and level (`ImagePyramid`, shared by the pairs of a
stack that use the image); candidate shifts only slice them, and a candidate angle only resamples the
smoothed moving image of one level.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Callable, List, Optional, Tuple

import numpy as np

from .. import image_cache
from ..pyramid import downsample, to_coarser, to_finer
from ..transform import Transform, apply_transform
from .tvdm_cost import Gradients, aligned_cost, smooth
from .tvdm_noise import LevelSmoothing, choose_smoothing, noise_sigma

# Candidates whose overlap (in compared gradient samples) is below this fraction of the image are skipped.
MIN_OVERLAP = 0.25
# The coarsest level keeps at least this many pixels along its shorter side.
MIN_LEVEL_SIZE = 64


@dataclass
class Level:
    """One pyramid level: the gradients of both smoothed images (moving unrotated) and whether its cost
    squares the gradient differences; the smoothed images themselves, needed only to rotate or warp the
    moving one, come from the pyramids when first asked for (`fixed_image`, `moving_image`).

    Squared differences make the cost a correlation of gradients plus constants: an additive structure that
    is not common to both images (a modulated background, strong noise) adds a constant instead of burying
    the edges, as it does under an absolute value where it is larger than them.  Coarse levels, where such
    structure is as large as the features, use it; the finest level keeps the paper's absolute value.

    The moving side carries its gray-value scale (`moving.scale`) rather than scaled copies of the shared
    pyramid's arrays."""

    fixed: Gradients
    moving: Gradients
    smoothed_images: Callable[[], Tuple[np.ndarray, np.ndarray]]
    squared: bool = False
    smoothing: Optional[LevelSmoothing] = None
    _rotated: dict = field(default_factory=dict)
    _images: Optional[Tuple[np.ndarray, np.ndarray]] = None

    @property
    def shape(self):
        return self.fixed.shape

    def _smoothed(self) -> Tuple[np.ndarray, np.ndarray]:
        if self._images is None:
            fixed, moving = self.smoothed_images()
            scale = self.moving.scale
            self._images = fixed, (moving if scale == 1.0 else moving * np.float32(scale))
        return self._images

    @property
    def fixed_image(self) -> np.ndarray:
        """The smoothed fixed image (NaN where unusable)."""
        return self._smoothed()[0]

    @property
    def moving_image(self) -> np.ndarray:
        """The smoothed moving image times its gray-value scale (NaN where unusable)."""
        return self._smoothed()[1]

    @property
    def min_count(self) -> int:
        rows, cols = self.shape
        return int(MIN_OVERLAP * 2 * rows * cols)

    def moving_at(self, angle_deg: float) -> Gradients:
        """Gradients of the moving image rotated by `angle_deg` about this level's centre (cached per angle)."""
        if angle_deg == 0.0:
            return self.moving
        if angle_deg not in self._rotated:
            self._rotated.clear()
            rotated = apply_transform(self.moving_image, Transform(angle_deg=angle_deg), order=1)
            self._rotated[angle_deg] = Gradients.of(rotated.astype(np.float32, copy=False))
        return self._rotated[angle_deg]

    def cost(self, transform: Transform) -> float:
        """TVDM with the moving image resampled by `transform` (one interpolation)."""
        warped = apply_transform(self.moving_image, transform, order=1).astype(np.float32, copy=False)
        return aligned_cost(self.fixed, Gradients.of(warped), self.min_count, self.squared)


def level_sigma(sigma: float, level: int) -> float:
    """Gaussian sigma, in pixels of pyramid level `level`, that makes the level as smooth as `sigma` full-
    resolution pixels, but never less than min(sigma, 1) level pixels.

    Each `downsample` has already blurred level k by a variance of (4^k - 1) / 3 full-resolution px^2, so
    only the rest is added, scaled by 2^-k.  Smoothing every level by `sigma` of its own pixels instead
    would blur a coarse level 2^k times more than asked: with sigma = 3 the 64 px coarse level of a 1024 px
    image lost its features and the search returned about half the shift.  The floor keeps the paper's
    kernel (1 px on every level's own scale) for the default and smaller sigmas."""
    residual = max(sigma ** 2 - (4.0 ** level - 1.0) / 3.0, 0.0)
    return max(math.sqrt(residual) / 2.0 ** level, min(sigma, 1.0))


class ImagePyramid:
    """One image's levels (finest first) and, per level, its noise and the gradients of its smoothed image
    for each smoothing asked for, each computed once.

    None of this depends on the image it is paired with, so inside `image_cache.reuse()` (a stack alignment)
    a target image's pyramid serves every pair that uses it.  The smoothed images are not kept: the
    searches compare gradients, and only rotating or warping needs an image again (`smoothed` recomputes
    it), so a kept pyramid holds a third less."""

    def __init__(self, image: np.ndarray, mask: Optional[np.ndarray]):
        self._raw = [(image, mask)]
        self._noise: dict = {}
        self._gradients: dict = {}

    def raw(self, level: int):
        """(image, mask) of `level` before its smoothing."""
        while len(self._raw) <= level:
            self._raw.append(downsample(*self._raw[-1]))
        return self._raw[level]

    def noise(self, level: int) -> float:
        if level not in self._noise:
            image, mask = self.raw(level)
            self._noise[level] = noise_sigma(image if mask is None else np.where(mask, image, np.nan))
        return self._noise[level]

    def smoothed(self, level: int, sigma: float) -> np.ndarray:
        """`level` smoothed by `sigma` px (computed anew each time)."""
        image, mask = self.raw(level)
        return smooth(image, mask, sigma)

    def gradients(self, level: int, sigma: float) -> Gradients:
        if (level, sigma) not in self._gradients:
            smoothed = self.smoothed(level, sigma)
            # `downsample` blurs by 1 px before decimating: an unmasked image smoothed by exactly that is
            # decimated now, so the next level never smooths it again
            if sigma == 1.0 and self._raw[level][1] is None and len(self._raw) == level + 1:
                self._raw.append((smoothed[::2, ::2].copy(), None))
            self._gradients[(level, sigma)] = Gradients.of(smoothed)
        return self._gradients[(level, sigma)]


def image_pyramid(image: np.ndarray, mask: Optional[np.ndarray]) -> ImagePyramid:
    """The pyramid of `image` (made float32), shared with earlier pairs inside `image_cache.reuse()`."""
    image = image.astype(np.float32, copy=False)
    return image_cache.cached("tvdm_pyramid", image, mask, lambda: ImagePyramid(image, mask))


def build_levels(fixed: np.ndarray, moving: np.ndarray, fixed_mask: Optional[np.ndarray],
                 moving_mask: Optional[np.ndarray], sigma: float, count: int, moving_scale: float = 1.0
                 ) -> List[Level]:
    """Up to `count` levels, finest first; the coarsest keeps at least MIN_LEVEL_SIZE px per side.
    `sigma` is the smoothing in full-resolution pixels (see `level_sigma`); the moving image's gray values
    are multiplied by `moving_scale` (after smoothing, which is linear, so its pyramid can be shared)."""
    pyramids = (image_pyramid(fixed, fixed_mask), image_pyramid(moving, moving_mask))
    levels: List[Level] = []
    while True:
        index = len(levels)
        noises = tuple(pyramid.noise(index) for pyramid in pyramids)  # the noise share ignores the scale
        chosen = choose_smoothing([partial(pyramid.gradients, index) for pyramid in pyramids], noises,
                                  level_sigma(sigma, index))
        chosen = replace(chosen, noise=(noises[0], noises[1] * moving_scale))
        on_fixed, on_moving = pyramids
        images = partial(_smoothed_pair, on_fixed, on_moving, index, chosen.sigma)
        # Where noise dominated, the finest level compares squared differences too (see `Level`).
        levels.append(Level(on_fixed.gradients(index, chosen.sigma),
                            on_moving.gradients(index, chosen.sigma).scaled(moving_scale), images,
                            squared=index > 0 or chosen.adapted, smoothing=chosen))
        if len(levels) >= count or min(pyramids[0].raw(index)[0].shape) // 2 < MIN_LEVEL_SIZE:
            return levels


def _smoothed_pair(fixed: ImagePyramid, moving: ImagePyramid, level: int, sigma: float):
    return fixed.smoothed(level, sigma), moving.smoothed(level, sigma)


def transform_at(levels: List[Level], transform: Transform, level: int) -> Transform:
    """A full-resolution transform expressed on pyramid level `level`."""
    for index in range(level):
        transform = to_coarser(transform, levels[index].shape, levels[index + 1].shape)
    return transform


def transform_from(levels: List[Level], transform: Transform, level: int) -> Transform:
    """A transform found on level `level` expressed at full resolution."""
    for index in range(level, 0, -1):
        transform = to_finer(transform, levels[index].shape, levels[index - 1].shape)
    return transform
