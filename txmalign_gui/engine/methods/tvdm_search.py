"""TVDM translation search: brute force on the coarsest level, a small window on each finer one, V-fit subpixel.

The result of each level (with its subpixel part) centres the next, so the fine levels only test the
3 x 3 shifts around it, moving the window when the minimum sits on its border.  At full resolution the
V-fit is refined on fractional shifts, one axis after the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional

import numpy as np

from ..progress import Progress
from ..transform import Transform
from .cost_precision import balance_error
from .tvdm_cost import BlockGrid, Gradients, LineCost, shift_cost, squared_shift_costs, v_fit
from .tvdm_levels import Level, transform_at, transform_from

# Windows of at least this radius are evaluated at once by FFT correlations (squared costs only).
_FFT_RADIUS = 3
# How many times a fine-level window may follow a minimum lying on its border.
MAX_MOVES = 4
# A level whose minimum is less significant than this (relative depth x sqrt(samples)) is dominated by
# noise: its answer is noisier than the coarser level's, so the search stops refining there.
MIN_SIGNIFICANCE = 2.5
# Distance (px) either side of a fractional shift at which the full-resolution refinement compares costs:
# the walls of the valley there are steep, so neither noise nor a flat bottom moves the balance point, and
# a whole pixel gives both sides the same fractional part, hence the same interpolation smoothing (and one
# interpolation serves both).
REFINE_STEP = 1.0


@dataclass(frozen=True)
class LevelSearch:
    """Best shift on one level: subpixel `shift`, its cost, the tested `costs` window, whether the
    minimum lies on the border of the allowed range, and how far it stands out of the noise."""

    shift: np.ndarray
    cost: float
    costs: np.ndarray
    on_edge: bool
    significance: float


def search_shift(fixed: Gradients, moving: Gradients, centre, radius: int, min_count: int,
                 squared: bool = False) -> LevelSearch:
    """Integer brute force over centre +- radius, V-fit to subpixel."""
    cost = _ShiftCosts(fixed, moving, min_count, squared)
    cy, cx = (int(round(v)) for v in centre)
    if squared and radius >= _FFT_RADIUS:
        costs = squared_shift_costs(fixed, moving, (cy, cx), radius, min_count)
        cost.window = (cy - radius, cx - radius, costs)
    else:
        offsets = range(-radius, radius + 1)
        costs = np.array([[cost(cy + i, cx + j) for j in offsets] for i in offsets])
    if np.all(np.isnan(costs)):
        return LevelSearch(np.array([cy, cx], float), np.nan, costs, True, 0.0)
    iy, ix = np.unravel_index(np.nanargmin(costs), costs.shape)
    on_edge = iy in (0, 2 * radius) or ix in (0, 2 * radius)
    return _fitted(cost, cy + iy - radius, cx + ix - radius, costs, bool(on_edge), fixed.gx.size, squared)


def follow_shift(fixed: Gradients, moving: Gradients, centre, min_count: int, max_moves: int = MAX_MOVES,
                 squared: bool = False) -> LevelSearch:
    """Integer minimum near `centre` on a fine level, V-fit to subpixel: the nearest whole shift and its four
    neighbours, moving to the lowest neighbour (at most `max_moves` times) while one is lower.

    Started from the coarser level's answer, within about half a pixel of the minimum of a cost that is
    V-shaped there, this finds the minimum of the 3 x 3 window around it with 5 of its 9 costs, and those
    5 are what the V-fit needs.  `on_edge`: a neighbour was still lower after the last move."""
    cost = _ShiftCosts(fixed, moving, min_count, squared)
    by, bx = (int(round(v)) for v in centre)
    on_edge = False
    for move in range(max_moves + 1):
        cross = [(by, bx), (by - 1, bx), (by + 1, bx), (by, bx - 1), (by, bx + 1)]
        values = np.array([cost(*point) for point in cross])
        if np.all(np.isnan(values)):
            return LevelSearch(np.array([by, bx], float), np.nan, values, True, 0.0)
        lowest = int(np.nanargmin(values))
        on_edge = lowest != 0 and not values[lowest] == values[0]
        if not on_edge or move == max_moves:
            break
        by, bx = cross[lowest]
    return _fitted(cost, by, bx, values, on_edge, fixed.gx.size, squared)


class _ShiftCosts:
    """`costs(dy, dx)`: shift_cost at an integer shift, each evaluated once (kept in `known`), or looked up in
    `window` (first row shift, first column shift, costs) where a search computed a block of them at once."""

    def __init__(self, fixed: Gradients, moving: Gradients, min_count: int, squared: bool):
        self.fixed, self.moving, self.min_count, self.squared = fixed, moving, min_count, squared
        self.known: dict = {}
        self.window: Optional[tuple] = None

    def __call__(self, dy: int, dx: int) -> float:
        if self.window is not None:
            top, left, costs = self.window
            if 0 <= dy - top < costs.shape[0] and 0 <= dx - left < costs.shape[1]:
                return float(costs[dy - top, dx - left])
        if (dy, dx) not in self.known:
            self.known[(dy, dx)] = shift_cost(self.fixed, self.moving, dy, dx, self.min_count, self.squared)
        return self.known[(dy, dx)]


def _fitted(cost: _ShiftCosts, by: int, bx: int, costs: np.ndarray, on_edge: bool, samples: int,
            squared: bool) -> LevelSearch:
    """The search's answer at the integer minimum (by, bx): V-fit on its four neighbours, and significance."""
    best = cost(by, bx)
    up, down, left, right = cost(by - 1, bx), cost(by + 1, bx), cost(by, bx - 1), cost(by, bx + 1)
    shift = np.array([by + v_fit(up, best, down, squared), bx + v_fit(left, best, right, squared)])
    return LevelSearch(shift, best, costs, on_edge, significance(best, (up, down, left, right), samples))


def refine_shift(fixed: Gradients, moving: Gradients, start, min_count: int, squared: bool = False,
                 grid: Optional[BlockGrid] = None):
    """(shift, cost there, error): per axis, the shift whose costs REFINE_STEP either side are equal, by a
    secant step from `start`; `start`, NaN and inf when a cost cannot be evaluated or the cost is not convex
    there.  `error` is, per axis, the standard error of that balance point jackknifed over the blocks of
    `grid` from the costs at the first step (`cost_precision.balance_error`), NaN without a grid."""
    shift, step = np.array(start, float), REFINE_STEP
    error = np.full(2, np.nan)
    for axis in (0, 1):
        along = LineCost(fixed, moving, shift[1 - axis], axis, min_count, squared)
        first = shift[axis]
        if grid is None:
            before, after = along(first, (-step, step))
        else:
            (before, after), sums, counts = along.with_blocks(first, (-step, step), grid)
        imbalance = after - before
        second = first - np.copysign(step / 4, imbalance)
        before, after = along(second, (-step, step))
        slope = (after - before - imbalance) / (second - first)
        if not np.isfinite(slope) or slope <= 0:
            return np.array(start, float), np.nan, np.full(2, np.inf)
        shift[axis] = np.clip(first - imbalance / slope, first - step / 2, first + step / 2)
        if grid is not None:
            error[axis] = balance_error(first, slope, sums, counts)[1]
    return shift, along(shift[1])[0], error


def refined_search(level: Level, angle: float, search: LevelSearch, grid: Optional[BlockGrid] = None):
    """(shift, cost, error) of a full-resolution `search` refined on fractional shifts (`refine_shift`; the
    search's own answer, with an infinite error, if that fails)."""
    shift, cost, error = refine_shift(level.fixed, level.moving_at(angle), search.shift, level.min_count,
                                      level.squared, grid)
    return (shift, cost, error) if np.isfinite(cost) else (search.shift, search.cost, np.full(2, np.inf))


def significance(best: float, neighbours, samples: int) -> float:
    """Relative depth of a minimum below its four neighbours times sqrt(samples).

    The cost is a mean over `samples` pixels, so noise moves it by about 1/sqrt(samples) of itself.
    """
    rise = np.nanmean(np.asarray(neighbours, float)) - best if np.any(np.isfinite(neighbours)) else 0.0
    if not np.isfinite(rise) or best <= 0:
        return np.inf if rise > 0 else 0.0
    return float(rise / best * np.sqrt(samples))


@dataclass(frozen=True)
class ShiftResult:
    """A pyramid search: the transform on `level` (full resolution when level is 0), its cost on level
    `resolved`, the coarse search and `resolved`, the finest level whose minimum stood out of the noise
    (the answer comes from there), the best `significance` of a minimum on any level, and the standard
    error (px per axis) of the full-resolution refinement when a block grid was asked for (else NaN; inf
    when the refinement failed)."""

    transform: Transform
    level: int
    cost: float
    coarse: LevelSearch
    resolved: int
    significance: float
    error: np.ndarray


def integer_search(level: Level, angle: float, centre, search_range: Optional[int] = None) -> LevelSearch:
    """One level's integer search: brute force over +- `search_range` (on the coarsest level) or else
    `follow_shift`.  It compares every sample at each of many shifts, so the moving gradients' gray-value
    scale is applied once, to a copy that lives only during the search (not during the refinement after
    it, which holds more)."""
    moving = level.moving_at(angle).materialized()
    if search_range is not None:
        return search_shift(level.fixed, moving, centre, search_range, level.min_count, level.squared)
    return follow_shift(level.fixed, moving, centre, level.min_count, squared=level.squared)


def pyramid_shift(levels: List[Level], angle: float, start: Transform, coarsest: int, search_range: int,
                  progress: Optional[Progress] = None, finest: int = 0, precision_blocks: int = 0
                  ) -> ShiftResult:
    """Translation for a fixed rotation `angle`, from level `coarsest` (window +- search_range around
    `start`) down to level `finest`; the returned transform is expressed on level `finest`.  With
    `precision_blocks`, the full-resolution refinement also measures its standard error, jackknifed over
    that many blocks per side of the field."""
    current = transform_at(levels, Transform(start.dy, start.dx, angle), coarsest)
    coarse = None
    cost, resolved, best, error = np.nan, coarsest, 0.0, np.full(2, np.nan)
    grid = BlockGrid(levels[0].shape, precision_blocks) if precision_blocks else None
    for index in range(coarsest, finest - 1, -1):
        level = levels[index]
        full = index == coarsest
        result = integer_search(level, angle, current.shift, search_range if full else None)
        best = max(best, result.significance)
        if full:
            coarse = result
        elif result.significance < MIN_SIGNIFICANCE:
            current = transform_from(levels[finest:index + 1], current, index - finest)
            break
        if index == 0:
            shift, cost, error = refined_search(level, angle, result, grid)
        else:
            shift, cost = result.shift, result.cost
        current = Transform(float(shift[0]), float(shift[1]), angle)
        resolved = index
        if progress is not None:
            progress.update((coarsest - index + 1) / (coarsest - finest + 1), f"translation, level {index}")
        if index > finest:
            current = transform_from(levels[index - 1:index + 1], current, 1)
    assert coarse is not None  # the coarsest level always runs first
    return ShiftResult(current, finest, cost, coarse, resolved, best, error)
