"""Intensity-based registration: sum of squared differences ("ssd") and mutual information ("mi").

Coarse to fine on a Gaussian pyramid: the coarsest level is searched exhaustively with masked
cross-correlation (over a grid of angles when rotation is on), then Powell's method refines the transform
on every level.  Only pixels usable in both images after the transform count, averaged over their number.
With `transform` = similarity or affine, the rigid answer is then refined on the same criterion with a
scale (and shear) term (`scale_search`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Callable, List, Optional, Tuple

import numpy as np
from scipy import ndimage

from ..params import ANGLE_RANGE, ROTATION, Param, ParamSet
from ..pyramid import build_pyramid, to_coarser, to_finer
from ..quality import confirm
from ..result import FAILED, LOW_CONFIDENCE, OK, MethodOutcome
from ..transform import AnyTransform, Transform
from ._common import warp_with_mask
from .cost_precision import Precision, profile_precision
from .masked_ncc import masked_ncc_surface
from .registry import MethodSpec, register_method
from .scale_search import SCALE_RANGE, TRANSFORM_KIND, LevelCost, judged, refine, refinement_details

LEVELS = Param("levels", "Pyramid levels", int, 4,
               "How many times the images may be halved for the coarse search; more levels reach larger "
               "shifts faster.", minimum=1, maximum=8)
BINS = Param("bins", "Histogram bins", int, 32,
             "Number of gray levels per image in the joint histogram; fewer bins suit noisy images.",
             minimum=8, maximum=256)
SSD_PARAMS = ParamSet((ROTATION, ANGLE_RANGE, LEVELS, TRANSFORM_KIND, SCALE_RANGE))
MI_PARAMS = ParamSet((ROTATION, ANGLE_RANGE, LEVELS, BINS, TRANSFORM_KIND, SCALE_RANGE))

# Transforms leaving fewer usable pixels than this fraction of the fixed image's are rejected.
_MIN_OVERLAP = 0.3
# The coarsest level keeps at least this many pixels along its shorter side.
_MIN_LEVEL_SIZE = 32
# Gain over a misaligned pair, times sqrt(overlap in px), below which the answer is not told from noise.
_MIN_SCORE = 8.0
# Gain over a misaligned pair below which the answer is flagged as weak (the edge witness in `confirm`
# guards the answers above it).
_WEAK_GAIN = 0.05
# Gain over the misaligned mean, in spreads of the misaligned similarities, that counts as a match
# (_MIN_SIGNIFICANCE) and as a strong one (_STRONG_SIGNIFICANCE) when the gain itself is small.
_MIN_SIGNIFICANCE = 5.0
_STRONG_SIGNIFICANCE = 8.0
# How far (in pixels of the level, or pixels of rotation at the image corner) a level may move the estimate.
_LOCAL_RANGE = 3.0
# Angle candidates from the coarse search refined before descending the pyramid.
_CANDIDATES = 3
# The precision check (`cost_precision`) jackknifes over this many blocks per side of the field, on the
# finest pyramid level whose shorter side is at most `_PRECISION_SIZE` px (binning keeps it cheap and, by
# discarding the finest detail, can only make the precision it finds look worse).
_PRECISION_BLOCKS = 4
_PRECISION_SIZE = 512
# An answer stays ok only while the cost pins the field's corners to within this standard error (px) and
# its fitted minimum lies within `_MAX_CORNER_OFFSET` px (at the corners) of the answer.
_MAX_CORNER_ERROR = 0.5
_MAX_CORNER_OFFSET = 1.0


@dataclass
class _Level:
    """One pyramid level of both images with their usable-pixel maps (None = all usable)."""

    fixed: np.ndarray
    fixed_mask: Optional[np.ndarray]
    moving: np.ndarray
    moving_mask: Optional[np.ndarray]

    @property
    def ranges(self) -> tuple:
        """(low, high) gray values of the usable pixels of the fixed and of the moving image."""
        def extremes(image, mask):
            values = image if mask is None else image[mask]
            return float(values.min()), float(values.max())
        return extremes(self.fixed, self.fixed_mask), extremes(self.moving, self.moving_mask)

    @property
    def usable(self) -> int:
        return int(self.fixed.size if self.fixed_mask is None else self.fixed_mask.sum())

    def _warped(self, transform: AnyTransform, order: int) -> Tuple[np.ndarray, np.ndarray]:
        """Moving resampled by `transform` and the map of pixels usable in both images."""
        warped, usable = warp_with_mask(self.moving, self.moving_mask, transform, order)
        if self.fixed_mask is not None:
            usable &= self.fixed_mask
        return warped, usable

    def overlap(self, transform: AnyTransform, order: int) -> Tuple[np.ndarray, np.ndarray]:
        """Fixed and warped moving values at the pixels usable in both."""
        warped, usable = self._warped(transform, order)
        return self.fixed[usable], warped[usable]

    def block_statistics(self, criterion: "_Criterion", params: dict, blocks: int):
        """transform -> the criterion's statistics (cubic interpolation) for each of blocks x blocks blocks
        of the field, as `cost_precision.profile_precision` wants them."""
        rows, cols = self.fixed.shape
        labels = (np.arange(rows) * blocks // rows)[:, None] * blocks + (np.arange(cols) * blocks // cols)[None, :]
        ranges = self.ranges

        def statistics(transform: AnyTransform) -> np.ndarray:
            warped, usable = self._warped(transform, 3)
            return criterion.statistics(self.fixed[usable], warped[usable], labels[usable], blocks * blocks,
                                        params, ranges)
        return statistics


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    a = a - a.mean()
    b = b - b.mean()
    norm = math.sqrt(float(a @ a) * float(b @ b))
    return float(a @ b) / norm if norm > 0 else 0.0


def _joint_histogram(a: np.ndarray, b: np.ndarray, bins: int, ranges=None, labels=None,
                     groups: int = 1) -> np.ndarray:
    """Joint histogram of `a` and `b` with linear bin weights, one per group of pixels (`labels` in
    0 .. groups - 1; None: one group), as an array (groups, bins * bins) of unnormalised counts.

    Spreading each sample over its two nearest bins per image keeps the histogram continuous in the
    transform, which the optimiser needs; so do fixed gray-value `ranges` ((low, high) per image, values
    clipped to them): bins taken from each overlap's own extremes would jump whenever an interpolation
    overshoot enters or leaves it, and the optimiser was led 1 px astray by such jumps.
    """
    def position(values, value_range):
        low, high = value_range if value_range is not None else (float(values.min()), float(values.max()))
        scaled = np.clip((values - low) / (high - low if high > low else 1.0), 0.0, 1.0) * (bins - 1)
        index = np.minimum(scaled.astype(np.int64), bins - 2)
        return index, scaled - index

    ia, wa = position(a, None if ranges is None else ranges[0])
    ib, wb = position(b, None if ranges is None else ranges[1])
    base = ia * bins + ib if labels is None else labels * (bins * bins) + ia * bins + ib
    joint = np.zeros(groups * bins * bins)
    for da, weight_a in ((0, 1.0 - wa), (1, wa)):
        for db, weight_b in ((0, 1.0 - wb), (1, wb)):
            joint += np.bincount(base + da * bins + db, weights=weight_a * weight_b, minlength=joint.size)
    return joint.reshape(groups, bins * bins)


def _nmi_of(joint: np.ndarray, bins: int) -> np.ndarray:
    """Normalised mutual information minus one, in [0, 1], of joint histograms (..., bins * bins)."""
    joint = joint.reshape(joint.shape[:-1] + (bins, bins))
    total = joint.sum(axis=(-2, -1), keepdims=True)
    p = joint / np.where(total > 0, total, 1.0)

    def entropy(q, axes):
        with np.errstate(divide="ignore", invalid="ignore"):
            return -np.sum(np.where(q > 0, q * np.log(np.where(q > 0, q, 1.0)), 0.0), axis=axes)

    h_joint = entropy(p, (-2, -1))
    h_marginals = entropy(p.sum(-1), -1) + entropy(p.sum(-2), -1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(h_joint > 0, h_marginals / h_joint - 1.0, 0.0)


def _normalised_mi(a: np.ndarray, b: np.ndarray, bins: int, ranges=None) -> float:
    """Normalised mutual information minus one, in [0, 1] (see `_joint_histogram`)."""
    return float(_nmi_of(_joint_histogram(a, b, bins, ranges)[0], bins))


@dataclass(frozen=True)
class _Criterion:
    """A cost to minimise, a similarity in [.., 1] for the confidence, and the image used to initialise.

    The cost also comes in two steps for `cost_precision`: `statistics` sums additive statistics over
    groups of pixels (a, b, labels, groups, params, ranges -> (groups, statistics)), `cost_of` turns such
    sums (any leading axes) into costs (stats, params -> costs)."""

    cost: Callable[[np.ndarray, np.ndarray, dict, tuple], float]
    similarity: Callable[[np.ndarray, np.ndarray, dict, tuple], float]
    init_feature: Callable[[np.ndarray], np.ndarray]
    statistics: Callable[[np.ndarray, np.ndarray, np.ndarray, int, dict, tuple], np.ndarray]
    cost_of: Callable[[np.ndarray, dict], np.ndarray]


def _ssd_statistics(a, b, labels, groups, params, ranges) -> np.ndarray:
    """Per group: (sum of squared differences, pixel count)."""
    return np.stack([np.bincount(labels, (a - b) ** 2, groups), np.bincount(labels, None, groups)], axis=1)


SSD = _Criterion(cost=lambda a, b, p, ranges: float(np.mean((a - b) ** 2)),
                 similarity=lambda a, b, p, ranges: _pearson(a, b),
                 init_feature=lambda image: image,
                 statistics=_ssd_statistics,
                 cost_of=lambda stats, p: stats[..., 0] / np.maximum(stats[..., 1], 1.0))
# Gradient magnitude does not care whether a particle is brighter or darker than its surroundings.
MI = _Criterion(cost=lambda a, b, p, ranges: -_normalised_mi(a, b, p["bins"], ranges),
                similarity=lambda a, b, p, ranges: _normalised_mi(a, b, p["bins"], ranges),
                init_feature=lambda image: ndimage.gaussian_gradient_magnitude(image, 1.0),
                statistics=lambda a, b, labels, groups, p, ranges: _joint_histogram(a, b, p["bins"], ranges,
                                                                                    labels, groups),
                cost_of=lambda stats, p: -_nmi_of(stats, p["bins"]))


def _angle_grid(shape, angle_range: float) -> np.ndarray:
    """Angles spaced so that the image corner moves about one pixel between neighbours."""
    step = math.degrees(1.0 / (0.5 * math.hypot(*shape)))
    count = int(math.ceil(angle_range / step))
    return np.linspace(-angle_range, angle_range, 2 * count + 1)


def _coarse_candidates(level: _Level, criterion: _Criterion, params: dict, progress) -> List[Transform]:
    """Best (angle, integer shift) candidates on the coarsest level by masked cross-correlation."""
    fixed_feature = criterion.init_feature(level.fixed)
    angles = _angle_grid(level.fixed.shape, params["angle_range"]) if params["rotation"] else np.zeros(1)
    found = []
    for index, angle in enumerate(angles):
        progress.update(index / len(angles), f"coarse search, angle {angle:+.1f} deg")
        rotated, usable = warp_with_mask(level.moving, level.moving_mask, Transform(angle_deg=angle), order=1)
        if usable.sum() < 16:
            continue
        feature = criterion.init_feature(np.where(usable, rotated, float(np.mean(rotated[usable]))))
        surface, _ = masked_ncc_surface(fixed_feature, feature, level.fixed_mask, usable, _MIN_OVERLAP)
        if not np.isfinite(surface).any():
            continue
        best = np.unravel_index(int(np.nanargmax(surface)), surface.shape)
        centre = ((surface.shape[0] - 1) // 2, (surface.shape[1] - 1) // 2)
        found.append((float(surface[best]), Transform(float(best[0] - centre[0]), float(best[1] - centre[1]),
                                                      float(angle))))
    found.sort(key=lambda item: -item[0])
    return [transform for _, transform in found[:_CANDIDATES]] or [Transform()]


class _Objective:
    """The criterion's cost on one level as a function of (dy, dx[, angle in corner pixels])."""

    def __init__(self, level: _Level, criterion: _Criterion, params: dict, order: int, progress):
        self.level, self.criterion, self.params, self.order = level, criterion, params, order
        self.progress = progress
        self.rotation = params["rotation"]
        self.deg_per_unit = math.degrees(1.0 / (0.5 * math.hypot(*level.fixed.shape)))
        self.min_count = _MIN_OVERLAP * level.usable
        self.ranges = level.ranges
        self.calls = 0

    def to_vector(self, transform: Transform) -> np.ndarray:
        values = [transform.dy, transform.dx] + ([transform.angle_deg / self.deg_per_unit] if self.rotation else [])
        return np.array(values)

    def to_transform(self, vector) -> Transform:
        angle = float(vector[2]) * self.deg_per_unit if self.rotation else 0.0
        return Transform(float(vector[0]), float(vector[1]), angle)

    def __call__(self, vector) -> float:
        self.calls += 1
        if self.calls % 25 == 0:
            self.progress.check()
        a, b = self.level.overlap(self.to_transform(vector), self.order)
        if a.size < self.min_count:
            return 1e12
        return self.criterion.cost(a, b, self.params, self.ranges)

    def minimise(self, start: Transform):
        """Powell's method from `start`, kept within `_LOCAL_RANGE` (level pixels) of it and the angle range."""
        origin = self.to_vector(start)
        bounds = [(value - _LOCAL_RANGE, value + _LOCAL_RANGE) for value in origin]
        if self.rotation:
            limit = self.params["angle_range"] / self.deg_per_unit
            bounds[2] = (max(bounds[2][0], -limit), min(bounds[2][1], limit))
            origin[2] = np.clip(origin[2], *bounds[2])
        from scipy import optimize  # 0.3-0.7 s to import: only when this method runs

        result = optimize.minimize(self, origin, method="Powell", bounds=bounds,
                                   options={"xtol": 1e-2, "ftol": 1e-6, "maxfev": 2000})
        best, cost = result.x, float(result.fun)
        start_cost = self(origin)
        if start_cost < cost:  # never hand back a worse point than the one the optimiser started from
            best, cost = origin, start_cost
        at_bound = any(min(abs(x - low), abs(x - high)) < 0.02 for x, (low, high) in zip(best, bounds))
        return self.to_transform(best), cost, at_bound


def _build_levels(fixed, moving, fixed_mask, moving_mask, count: int) -> List[_Level]:
    fixed_levels = build_pyramid(fixed, fixed_mask, min_size=_MIN_LEVEL_SIZE, max_levels=count)
    moving_levels = build_pyramid(moving, moving_mask, min_size=_MIN_LEVEL_SIZE, max_levels=count)
    return [_Level(f, fm, m, mm) for (f, fm), (m, mm) in zip(fixed_levels, moving_levels)]


def _assess(level: _Level, transform: AnyTransform, criterion: _Criterion, params: dict, at_bound: bool):
    """(confidence, status, message, details): the similarity gained over the same pair misaligned.

    The gain counts as evidence either relative to its largest value (`gain`, strong matches) or relative
    to how much the similarity of the misaligned pair varies between eight misalignments (`significance`):
    under strong noise every similarity is small, a true match still stands many spreads above them."""
    a, b = level.overlap(transform, order=3)
    if a.size < _MIN_OVERLAP * level.usable:
        return 0.0, FAILED, "the images hardly overlap at the best transform found", {}
    ranges = level.ranges
    aligned = criterion.similarity(a, b, params, ranges)
    rows, cols = level.fixed.shape
    misaligned = []
    for dy, dx in ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, -1), (1, -1), (-1, 1)):
        other = transform.then(Transform(dy * rows / 4, dx * cols / 4))
        misaligned.append(criterion.similarity(*level.overlap(other, order=1), params, ranges))
    baseline, spread = float(np.mean(misaligned)), float(np.std(misaligned, ddof=1))
    gain = float(np.clip((aligned - baseline) / max(1.0 - baseline, 1e-6), 0.0, 1.0))
    significance = (aligned - baseline) / max(spread, 1e-12)
    details = {"similarity": aligned, "misaligned_similarity": baseline, "misaligned_spread": spread,
               "significance": significance, "overlap_px": int(a.size)}
    if gain * math.sqrt(a.size) < _MIN_SCORE and significance < _MIN_SIGNIFICANCE:
        return gain, FAILED, (f"the match is no better than a misaligned one (similarity {aligned:.3f} vs "
                              f"{baseline:.3f}): noise or no common structure"), details
    if at_bound:
        return gain, LOW_CONFIDENCE, (f"the optimiser stopped at the edge of its search range (angle "
                                      f"{transform.angle_deg:+.2f} deg); the true optimum may lie outside "
                                      f"it: widen the angle range or check the images"), details
    if gain < _WEAK_GAIN and significance < _STRONG_SIGNIFICANCE:
        return gain, LOW_CONFIDENCE, f"weak match (similarity {aligned:.3f} vs {baseline:.3f} misaligned)", details
    return gain, OK, "", details


def _precision(levels: List[_Level], transform: AnyTransform, criterion: _Criterion, params: dict) -> Precision:
    """How precisely the criterion pins `transform` (`cost_precision`), in full-resolution px."""
    index = 0
    while index + 1 < len(levels) and min(levels[index].fixed.shape) > _PRECISION_SIZE:
        transform = to_coarser(transform, levels[index].fixed.shape, levels[index + 1].fixed.shape)
        index += 1
    level = levels[index]
    found = profile_precision(level.block_statistics(criterion, params, _PRECISION_BLOCKS),
                              lambda stats: criterion.cost_of(stats, params), level.fixed.shape, transform)
    return found.scaled(2.0 ** index)


def _pinned(outcome: MethodOutcome, precision: Precision) -> MethodOutcome:
    """`outcome` kept OK only when the cost pins its transform (`_MAX_CORNER_ERROR`, `_MAX_CORNER_OFFSET`)."""
    details = {**outcome.details, "corner_error_px": precision.uncertainty_px,
               "cost_minimum_offset_px": list(precision.offset_px)}
    error, offset = precision.uncertainty_px, precision.distance_px
    if error <= _MAX_CORNER_ERROR and offset <= _MAX_CORNER_OFFSET:
        return replace(outcome, details=details)
    parts = ", ".join(f"{name} {value:.2f} px" for name, value in
                      zip(("shift along rows", "along columns", "rotation at the corners"), precision.error_px))
    if error > _MAX_CORNER_ERROR:
        message = (f"noise limits the precision: the cost pins the field's corners only to about "
                   f"+-{2 * error:.1f} px (standard errors: {parts})")
    else:
        message = (f"the cost's minimum, fitted around the answer, lies {offset:.1f} px (at the field's "
                   f"corners) from it: the answer is not pinned")
    return replace(outcome, status=LOW_CONFIDENCE, message=message, details=details)


def _level_costs(levels: List[_Level], criterion: _Criterion, params: dict) -> List[LevelCost]:
    """The criterion on the two finest levels (coarser first; cubic interpolation on the finest) for the
    similarity / affine refinement of `scale_search`."""
    def level_cost(index: int) -> LevelCost:
        level, order = levels[index], 3 if index == 0 else 1
        ranges, min_count = level.ranges, _MIN_OVERLAP * level.usable

        def cost(transform: AnyTransform) -> float:
            a, b = level.overlap(transform, order)
            return criterion.cost(a, b, params, ranges) if a.size >= min_count else 1e12

        def to_level(transform: AnyTransform) -> AnyTransform:
            for k in range(index):
                transform = to_coarser(transform, levels[k].fixed.shape, levels[k + 1].fixed.shape)
            return transform

        def from_level(transform: AnyTransform) -> AnyTransform:
            for k in range(index, 0, -1):
                transform = to_finer(transform, levels[k].fixed.shape, levels[k - 1].fixed.shape)
            return transform

        return LevelCost(cost, level.fixed.shape, to_level, from_level)

    return [level_cost(index) for index in reversed(range(min(2, len(levels))))]


def _register(criterion: _Criterion, fixed, moving, params, fixed_mask, moving_mask, progress) -> MethodOutcome:
    levels = _build_levels(fixed, moving, fixed_mask, moving_mask, params["levels"])
    coarsest = len(levels) - 1
    steps = progress.sub(0.0, 0.3)
    candidates = _coarse_candidates(levels[coarsest], criterion, params, steps)
    refined = [_Objective(levels[coarsest], criterion, params, 1, progress).minimise(c) for c in candidates]
    transform, cost, at_bound = min(refined, key=lambda item: item[1])
    for index in range(coarsest - 1, -1, -1):
        progress.update(0.3 + 0.6 * (coarsest - index) / max(coarsest, 1), f"refining on level {index}")
        transform = to_finer(transform, levels[index + 1].fixed.shape, levels[index].fixed.shape)
        order = 3 if index == 0 else 1
        transform, cost, at_bound = _Objective(levels[index], criterion, params, order, progress).minimise(
            transform)
    if coarsest == 0:
        transform, cost, at_bound = _Objective(levels[0], criterion, params, 3, progress).minimise(transform)
    extended = None
    if params["transform"] != "rigid":
        progress.update(0.9, f"refining the {params['transform']} transform")
        rigid, rigid_cost = transform, cost
        extended = refine(transform, params["transform"], _level_costs(levels, criterion, params),
                         rotation=bool(params["rotation"]), scale_range=params["scale_range"],
                         angle_range=params["angle_range"], progress=progress)
        transform, cost = extended.transform, extended.cost
    progress.update(0.95, "assessing the match")
    confidence, status, message, details = _assess(levels[0], transform, criterion, params, at_bound)
    if extended is not None:
        details.update(refinement_details(rigid, rigid_cost, extended))
        status, confidence, message = judged(status, confidence, message, extended, params["scale_range"])
    outcome = confirm(MethodOutcome(transform, cost=cost, confidence=confidence, status=status, message=message,
                                    details=details), fixed, moving, fixed_mask, moving_mask)
    if outcome.status != OK:
        return outcome
    progress.update(0.97, "measuring the precision")
    return _pinned(outcome, _precision(levels, transform, criterion, params))


def run_ssd(fixed, moving, params, fixed_mask, moving_mask, progress) -> MethodOutcome:
    return _register(SSD, fixed, moving, params, fixed_mask, moving_mask, progress)


def run_mi(fixed, moving, params, fixed_mask, moving_mask, progress) -> MethodOutcome:
    return _register(MI, fixed, moving, params, fixed_mask, moving_mask, progress)


SSD_SPEC = register_method(MethodSpec(
    name="ssd", label="Sum of squared differences",
    description="Registration minimising the mean squared gray-value difference, coarse to fine (rigid, or "
                "similarity / affine on request); "
                "for images with the same contrast and brightness.",
    params=SSD_PARAMS, run=run_ssd, supports_rotation=True))

MI_SPEC = register_method(MethodSpec(
    name="mi", label="Mutual information",
    description="Registration maximising normalised mutual information, coarse to fine (rigid, or similarity / "
                "affine on request); for images "
                "whose contrast differs (e.g. across an absorption edge).",
    params=MI_PARAMS, run=run_mi, supports_rotation=True))
