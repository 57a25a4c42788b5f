"""TVDM's optional similarity / affine refinement: the TVDM cost of `scale_search.refine` on two levels.

After TVDM's rigid search, (dy, dx, angle, scale) and, for affine, the full 2 x 3 matrix are refined on the
TVDM cost itself (mean |gradient| of the difference map), on the next coarser level with linear
interpolation, then at full resolution with cubic interpolation (linear interpolation smooths differently
at every subpixel position, which would bias a 0.01 % scale estimate).
"""

from __future__ import annotations

from typing import List

import numpy as np

from ..pyramid import to_coarser, to_finer
from ..transform import AnyTransform, apply_transform
from .scale_search import LevelCost, Refined, refine
from .tvdm_cost import Gradients, aligned_cost
from .tvdm_levels import Level


def _level_cost(levels: List[Level], index: int) -> LevelCost:
    level = levels[index]
    order = 1 if index > 0 or np.isnan(level.moving_image).any() else 3

    def cost(transform: AnyTransform) -> float:
        warped = apply_transform(level.moving_image, transform, order=order).astype(np.float32, copy=False)
        return aligned_cost(level.fixed, Gradients.of(warped), level.min_count, level.squared)

    def to_level(transform: AnyTransform) -> AnyTransform:
        for k in range(index):
            transform = to_coarser(transform, levels[k].shape, levels[k + 1].shape)
        return transform

    def from_level(transform: AnyTransform) -> AnyTransform:
        for k in range(index, 0, -1):
            transform = to_finer(transform, levels[k].shape, levels[k - 1].shape)
        return transform

    return LevelCost(cost, level.shape, to_level, from_level)


def refine_tvdm(levels: List[Level], start: AnyTransform, params: dict, progress) -> Refined:
    """`start` (full resolution) refined to `params["transform"]` on TVDM's finest two levels."""
    used = [_level_cost(levels, index) for index in reversed(range(min(2, len(levels))))]
    return refine(start, params["transform"], used, rotation=bool(params["rotation"]),
                  scale_range=params["scale_range"], angle_range=params["angle_range"], progress=progress)
