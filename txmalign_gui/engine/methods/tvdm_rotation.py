"""TVDM rotation search, then alternating translation / angle refinement on each finer level.

Angle ranges up to 10 deg follow the paper (differential evolution on a coarse level).  Wider ranges
start from the rotation candidates of the Fourier magnitude spectra of two levels (multi-start), each
checked by its own coarse-to-fine shift search and compared on a 128 px level.

Translation and rotation are coupled, so each refinement step re-searches the shift at the current angle
and then the angle at the current shift, as in the TVDM paper; every loop is bounded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import List, Optional

import numpy as np

from ..progress import Progress
from ..rotation_spectrum import rotation_candidates
from ..transform import Transform, wrap_angle
from .tvdm_cost import BlockGrid, v_fit
from .tvdm_levels import Level, transform_from
from .tvdm_search import MAX_MOVES, MIN_SIGNIFICANCE, LevelSearch, integer_search, pyramid_shift, refined_search

# Differential evolution searches at most this many degrees either side of its starting angle.
DE_HALF_WIDTH = 10.0
# The level differential evolution runs on is the smallest with at least this many pixels per side.
DE_LEVEL_SIZE = 64
# Candidate angles are compared on the coarsest level with at least this many pixels per side.
CHECK_LEVEL_SIZE = 128
# Spectrum candidates closer than this (deg) are one candidate.
_SAME_ANGLE = 2.0
# Rounds of shift / angle refinement the best _REFINED candidates get on the comparison level.
_CHECK_ITERATIONS = 2
_REFINED = 2
# Bound on the generations of differential evolution (it usually converges much earlier).
_DE_GENERATIONS = 40
# Converged when the angle moves less than this (deg) and the shift less than this (px) in an iteration.
_ANGLE_TOL, _SHIFT_TOL = 0.005, 0.02


@dataclass(frozen=True)
class EvolutionSettings:
    """Differential evolution settings: population size, crossover probability and dithered mutation."""

    population: int = 100
    crossover: float = 0.7
    mutation: tuple = (0.5, 1.0)


@dataclass(frozen=True)
class RigidResult:
    """Full-resolution transform, its cost, the coarse translation search at the chosen angle and the
    finest level that resolved the answer above the noise, with the best significance of a minimum, and
    the standard error (px per axis) of the last full-resolution shift refinement when a block grid was
    asked for (`tvdm_search.refine_shift`; NaN otherwise or when full resolution did not resolve it)."""

    transform: Transform
    cost: float
    coarse: LevelSearch
    resolved: int
    significance: float
    angle_on_bound: bool
    error: np.ndarray


def de_level_index(levels: List[Level], coarsest: int) -> int:
    """The coarsest level (not beyond `coarsest`) with at least DE_LEVEL_SIZE px per side."""
    for index in range(coarsest, -1, -1):
        if min(levels[index].shape) >= DE_LEVEL_SIZE:
            return index
    return 0


def _angle_step(level: Level) -> float:
    """Angle (deg) that moves a pixel at the rim of the level's inscribed circle by one pixel."""
    return math.degrees(2.0 / min(level.shape))


def refine_angle(level: Level, transform: Transform, step: float) -> Transform:
    """V-fit of the TVDM cost at angle -step, 0, +step around `transform` (shift fixed), following the minimum."""
    cache: dict = {}

    def cost(angle: float) -> float:
        if angle not in cache:
            cache[angle] = level.cost(Transform(transform.dy, transform.dx, angle))
        return cache[angle]

    centre = transform.angle_deg
    for _ in range(MAX_MOVES + 1):
        below, at, above = cost(centre - step), cost(centre), cost(centre + step)
        if at <= min(below, above):
            break
        centre = centre - step if below < above else centre + step
    offset = v_fit(below, at, above, level.squared) if at <= min(below, above) else 0.0
    return Transform(transform.dy, transform.dx, wrap_angle(centre + offset * step))


def _refine_level(level: Level, transform: Transform, iterations: int, progress: Progress, finest: bool,
                  grid: Optional[BlockGrid] = None):
    """Alternate the shift search (`integer_search`, refined on fractional shifts on the `finest` level) and the
    angle V-fit on one level, at most `iterations` times; also returns the last search and the standard
    error of the last refined shift (NaN unless `finest` with a `grid`)."""
    search, error = None, np.full(2, np.nan)
    for iteration in range(iterations):
        search = integer_search(level, transform.angle_deg, transform.shift)
        if finest:
            shift, _, error = refined_search(level, transform.angle_deg, search, grid)
        else:
            shift = search.shift
        shifted = Transform(float(shift[0]), float(shift[1]), transform.angle_deg)
        refined = refine_angle(level, shifted, _angle_step(level))
        moved = abs(refined.angle_deg - transform.angle_deg), np.abs(refined.shift - transform.shift).max()
        transform = refined
        progress.update((iteration + 1) / iterations, "refining shift and angle")
        if moved[0] < _ANGLE_TOL and moved[1] < _SHIFT_TOL:
            break
    return transform, search, error


def _evolve(level: Level, transform: Transform, low: float, high: float, settings: EvolutionSettings,
            progress: Progress) -> float:
    """Differential evolution of the angle in [low, high] with the shift of `transform` held fixed."""
    def cost(x) -> float:
        value = level.cost(Transform(transform.dy, transform.dx, float(x[0])))
        return value if np.isfinite(value) else 1e30

    generation = [0]

    def report(*_args, **_kwargs) -> None:
        generation[0] += 1
        progress.update(generation[0] / _DE_GENERATIONS, "differential evolution of the angle")

    from scipy.optimize import differential_evolution  # scipy.optimize loads in 0.3-0.5 s: only when rotating

    result = differential_evolution(
        cost, [(low, high)], popsize=settings.population, recombination=settings.crossover,
        mutation=settings.mutation, maxiter=_DE_GENERATIONS, tol=0.01, polish=False, seed=0,
        init="latinhypercube", callback=report)
    return float(result.x[0])


def check_level_index(levels: List[Level], coarsest: int) -> int:
    """The coarsest level (not beyond `coarsest`) with at least CHECK_LEVEL_SIZE px per side, else 0: candidate
    angles are compared there, fine enough that structure at the scale of the coarse pixels (modulated
    backgrounds, noise) does not decide between them."""
    for index in range(coarsest, -1, -1):
        if min(levels[index].shape) >= CHECK_LEVEL_SIZE:
            return index
    return 0


def _start_angles(levels: List[Level], spectrum_levels, angle_range: float) -> List[float]:
    """Rotation candidates from the magnitude spectra of `spectrum_levels` (each with its 180-degree twin),
    near-duplicates merged, within reach of the angle range."""
    found: List[float] = []
    for index in spectrum_levels:
        level = levels[index]
        for angle in rotation_candidates(level.fixed_image, level.moving_image, count=3):
            near = [a for a in found if abs(wrap_angle(a - angle)) < _SAME_ANGLE]
            if not near and abs(angle) <= angle_range + DE_HALF_WIDTH:
                found.append(angle)
    return found or [0.0]


def _evolved_start(levels: List[Level], de_level: int, coarsest: int, search_range: int, angle_range: float,
                   settings: EvolutionSettings, progress: Progress):
    """(transform on `de_level`, coarse search, significance, angle on bound) by the paper's scheme: the
    shift at angle 0, then differential evolution of the angle within +- angle_range on `de_level`."""
    found = pyramid_shift(levels, 0.0, Transform(), coarsest, search_range, finest=de_level)
    low, high = -angle_range, angle_range
    angle = _evolve(levels[de_level], found.transform, low, high, settings, progress)
    on_bound = min(angle - low, high - angle) < 0.01 * (high - low)
    return Transform(found.transform.dy, found.transform.dx, angle), found.coarse, found.significance, on_bound


def _multi_start(levels: List[Level], check: int, coarsest: int, search_range: int, angle_range: float,
                 progress: Progress):
    """(transform on `check`, coarse search, significance, angle on bound) of the best spectrum candidate:
    each candidate angle gets its own coarse-to-fine shift search down to level `check`; the best
    _REFINED of them (a distinct coarse minimum first, then the lowest cost on `check`) and the one with
    the most significant coarse minimum are refined in shift and angle there, and the lowest refined cost
    wins (distinct minima first)."""
    spectrum_levels = sorted({coarsest, check})
    starts = _start_angles(levels, spectrum_levels, angle_range)
    ranked = []
    for number, angle in enumerate(starts):
        found = pyramid_shift(levels, angle, Transform(), coarsest, search_range, finest=check)
        # At a wrong angle a pattern that differs between the images (stripes along x in one, along y in
        # the other) can match itself and lower the cost, but its coarse search finds no distinct minimum.
        distinct = found.significance >= MIN_SIGNIFICANCE and not found.coarse.on_edge
        ranked.append(((not distinct, levels[check].cost(found.transform)), number, found))
        progress.update(0.5 * (number + 1) / len(starts), "checking candidate angles")
    chosen = sorted(ranked, key=lambda item: item[:2])[:_REFINED]
    # Strong noise can leave every candidate short of a distinct minimum; the most significant one then
    # joins the refinement, where its cost drops most when it is the right angle.
    most_significant = max(ranked, key=lambda item: item[2].significance)
    if all(item[1] != most_significant[1] for item in chosen):
        chosen.append(most_significant)
    best = None
    for (distinct_rank, _), _, found in chosen:
        refined = _refine_level(levels[check], found.transform, _CHECK_ITERATIONS, Progress(), False)[0]
        rank = (distinct_rank, levels[check].cost(refined))
        if best is None or rank < best[0]:
            best = (rank, refined, found)
    progress.update(1.0, "checking candidate angles")
    assert best is not None  # `chosen` is never empty
    _, transform, found = best
    on_bound = angle_range < 180.0 and abs(transform.angle_deg) >= angle_range
    return transform, found.coarse, found.significance, on_bound


def rigid_search(levels: List[Level], coarsest: int, search_range: int, angle_range: float,
                 settings: EvolutionSettings, iterations: int, progress: Progress,
                 precision_blocks: int = 0) -> RigidResult:
    """Shift and angle aligning moving with fixed, the angle within +- angle_range degrees; with
    `precision_blocks`, the full-resolution shift refinement also measures its standard error, jackknifed
    over that many blocks per side (the angle's precision is not measured).

    Small angle ranges (up to DE_HALF_WIDTH) follow the paper: differential evolution on a coarse level.
    Wider ones start from every rotation candidate of the magnitude spectra (multi-start), which is
    faster and cannot be trapped by a coarse level where noise or a modulated background dominates."""
    if angle_range <= DE_HALF_WIDTH:
        start = de_level_index(levels, coarsest)
        transform, coarse, significance, on_bound = _evolved_start(
            levels, start, coarsest, search_range, angle_range, settings, progress.sub(0.0, 0.5))
    else:
        start = check_level_index(levels, coarsest)
        transform, coarse, significance, on_bound = _multi_start(
            levels, start, coarsest, search_range, angle_range, progress.sub(0.0, 0.5))
    resolved, current, error = start, start, np.full(2, np.nan)
    grid = BlockGrid(levels[0].shape, precision_blocks) if precision_blocks else None
    for index in range(start, -1, -1):
        sub = progress.sub(0.5 + 0.5 * (start - index) / (start + 1),
                           0.5 + 0.5 * (start - index + 1) / (start + 1))
        refined, search, refined_error = _refine_level(levels[index], transform,
                                                       iterations if index == 0 else 1, sub, index == 0, grid)
        significance = max(significance, search.significance)
        if index < start and search.significance < MIN_SIGNIFICANCE:
            break
        transform, resolved, error = refined, index, refined_error
        if index > 0:
            transform, current = transform_from(levels[index - 1:index + 1], transform, 1), index - 1
    full = transform_from(levels, transform, current)
    return RigidResult(full, levels[0].cost(full), coarse, resolved, significance, on_bound, error)
