"""TVDM: rigid registration minimising the total variation of the difference map (Xiao et al., JSR 2022).

Cost: mean |gradient| of gf(fixed, sigma) - T(gf(moving, sigma)) over the overlap, which ignores smooth
background and contrast differences.  Translation by a coarse-to-fine brute-force search with subpixel
V-fit, refined at full resolution on fractional shifts; rotation (optional) by differential evolution on a
coarse level (angle ranges up to 10 deg, as in the paper) or from Fourier-spectrum candidates (wider
ranges), then alternating shift/angle refinement down to full resolution.

Noise: each level's smoothing grows with the noise estimated from the images until the features dominate
the gradients again (`tvdm_noise`), and coarse or noise-dominated levels compare squared gradient
differences (`tvdm_levels.Level`).  A field too small for a second pyramid level is searched wider on its
one level.  `details` name the level shapes, their smoothing and the coarse search range used.

Precision: the full-resolution refinement also keeps its costs' sums per block of the field, and a
jackknife over the blocks gives the standard error of its shift (`details["precision_px"]`, per axis);
smooth images under heavy noise can be 0.3-0.6 px off while every minimum looks significant, so an answer
whose error exceeds MAX_PRECISION_PX is not `ok`.  Rigid answers (rotation on) get the same check of their
shift (the angle's precision is not measured); similarity and affine answers are not measured.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Optional

import numpy as np

from ..errors import InputError
from ..params import ANGLE_RANGE, ROTATION, Param, ParamSet
from ..quality import confirm
from ..result import FAILED, LOW_CONFIDENCE, OK, MethodOutcome
from ..transform import AnyTransform, Transform
from .registry import MethodSpec, register_method
from .scale_search import SCALE_RANGE, TRANSFORM_KIND, judged, refinement_details
from .tvdm_levels import build_levels
from .tvdm_rotation import EvolutionSettings, RigidResult, rigid_search
from .tvdm_scale import refine_tvdm
from .tvdm_search import MIN_SIGNIFICANCE, LevelSearch, ShiftResult, pyramid_shift

PARAMS = ParamSet((
    Param("sigma", "Gaussian sigma (px)", float, 1.0,
          "Smoothing applied to both images before comparing; larger tolerates more noise but blurs edges.",
          minimum=0.0, maximum=20.0),
    Param("levels", "Resolution levels", int, 5,
          "Number of pyramid levels (each halves the image); more levels reach larger shifts.",
          minimum=1, maximum=10),
    Param("search_range", "Search range (px)", int, 8,
          "Shift searched either way on the coarsest level, in its pixels; the reach at full resolution "
          "is this times 2^(levels - 1).", minimum=1, maximum=64),
    Param("gray_scale", "Gray-value scale", float, 0.0,
          "Factor applied to the moving image's gray values; 0 = automatic (ratio of the mean gray values), "
          "1 = no scaling.", minimum=0.0, maximum=1e6),
    ROTATION,
    ANGLE_RANGE,
    TRANSFORM_KIND,
    SCALE_RANGE,
    Param("population", "DE population", int, 100,
          "Number of candidate angles differential evolution keeps (angle ranges up to 10 deg; wider ranges "
          "start from spectrum candidates instead); more is slower but less easily trapped.",
          minimum=5, maximum=1000, advanced=True),
    Param("crossover", "DE crossover", float, 0.7,
          "Crossover probability of differential evolution.", minimum=0.0, maximum=1.0, advanced=True),
    Param("mutation_min", "DE mutation (low)", float, 0.5,
          "Lower end of the dithered mutation factor of differential evolution.",
          minimum=0.0, maximum=2.0, advanced=True),
    Param("mutation_max", "DE mutation (high)", float, 1.0,
          "Upper end of the dithered mutation factor of differential evolution.",
          minimum=0.0, maximum=2.0, advanced=True),
    Param("max_iter", "Max iterations", int, 3,
          "Most rounds of alternating shift and angle refinement at full resolution.",
          minimum=1, maximum=50, advanced=True),
))

# The precision of a translation is jackknifed over this many blocks per side of the field (`cost_precision`),
# fewer on small fields so that a block stays at least MIN_BLOCK_PX wide (the smoothed noise of neighbouring
# blocks must stay nearly independent).  With 8 the estimate followed the true errors more closely than
# with 3, 4 or 6 (benchmarks/tvdm_precision.py: fewer false alarms, no error over 3.3 standard errors).
PRECISION_BLOCKS, MIN_BLOCK_PX = 8, 16
# A translation whose standard error (both axes combined) exceeds this many px is not `ok`: errors above
# 0.25 px then stay rare even where the estimate runs low (benchmarks/tvdm_precision.py: none of 67 such
# pairs ok on natural images at 1-12 % noise, with 0.12 two were; 3 % of the pairs within 0.1 px flagged).
MAX_PRECISION_PX = 0.10
IMPRECISE_PREFIX = "noise limits the precision: about"
# Coarse minima more significant than this many times the noise threshold earn full confidence.
_CONFIDENT_SIGNIFICANCE = 4 * MIN_SIGNIFICANCE
# When noise forces the finest level to be smoothed by this many px or more (see `tvdm_noise`), the answer is
# not `ok`: on the paper's noise families (benchmarks/paper_families.py) errors of 0.5-1 px occurred there,
# while below it they stayed under 0.5 px.
NOISY_SIGMA = 4.0


def gray_scale_factor(fixed: np.ndarray, moving: np.ndarray, fixed_mask: Optional[np.ndarray],
                      moving_mask: Optional[np.ndarray], requested: float) -> float:
    """`requested`, or for 0 the ratio of the mean gray values (1 when a mean is not positive)."""
    if requested > 0:
        return requested
    mean_fixed = float((fixed[fixed_mask] if fixed_mask is not None else fixed).mean(dtype=np.float64))
    mean_moving = float((moving[moving_mask] if moving_mask is not None else moving).mean(dtype=np.float64))
    return mean_fixed / mean_moving if mean_fixed > 0 and mean_moving > 0 else 1.0


def _judge(coarse: LevelSearch, significance: float, resolved: int, search_range: int, angle_on_bound: bool,
           finest_sigma: float, adapted: bool):
    """(status, confidence, message) from the coarse search, the most significant minimum on any level,
    the level that resolved the answer and the smoothing noise forced on the finest level."""
    strength = float(np.clip(significance / _CONFIDENT_SIGNIFICANCE, 0.0, 1.0))
    confidence = strength / (1.0 + resolved)
    if coarse.on_edge:
        return FAILED, 0.0, (f"minimum on the edge of the search range (+-{search_range} px on the coarsest "
                             "level): the shift may be larger than the search reaches, or the images differ")
    if significance < MIN_SIGNIFICANCE:
        return FAILED, confidence, "no distinct minimum: the images may not show the same features"
    if angle_on_bound:
        return LOW_CONFIDENCE, confidence, "angle on the edge of the angle range: the rotation may be larger"
    if finest_sigma >= NOISY_SIGMA and adapted:
        return LOW_CONFIDENCE, confidence * 0.5, (
            f"noise limits the precision (it needed smoothing by {finest_sigma:g} px): errors up to about "
            "1 px are possible")
    if resolved >= 1:  # never refined at full resolution, so no better than a tenth of a level-pixel
        return LOW_CONFIDENCE, confidence, (f"noise limits the precision: the answer comes from pyramid level "
                                            f"{resolved} (about {2 ** resolved * 0.1:.1f} px)")
    return OK, confidence, ""


def _precise(status: str, confidence: float, message: str, error) -> tuple:
    """(status, confidence, message) kept, unless an `ok` shift's standard error (px per axis, combined;
    NaN when not measured) exceeds MAX_PRECISION_PX: then low confidence, saying how far off the
    answer may be, or that the full-resolution refinement could not place it (inf)."""
    combined = float(np.hypot(*error))
    if status != OK or not combined > MAX_PRECISION_PX:
        return status, confidence, message
    if not np.isfinite(combined):
        return LOW_CONFIDENCE, confidence * 0.5, ("the full-resolution refinement found no valley around the "
                                                  "answer: its precision is unknown")
    return LOW_CONFIDENCE, confidence * MAX_PRECISION_PX / combined, (
        f"{IMPRECISE_PREFIX} +-{2 * combined:.2f} px (two standard errors, measured on the images: "
        f"{error[0]:.2f} px along rows, {error[1]:.2f} px along columns)")


def coarse_search_range(levels, requested_range: int, requested_levels: int, exhaustive: bool) -> int:
    """Shift range (coarsest-level px) searched on the coarsest level.

    A field too small for all the requested levels (each at least MIN_LEVEL_SIZE px) would otherwise reach
    only requested_range * 2^(len(levels) - 1) px, less than the requested_range * 2^(requested_levels - 1)
    of a full pyramid; there the search widens towards that reach, up to a quarter of the coarsest field so
    the overlap stays meaningful.  An `exhaustive` (brute-force translation) search always widens; the
    rigid search's differential evolution finds a noisy minimum less reliably in a larger space, so it
    widens only on a single level, which would otherwise reach just +-requested_range px."""
    missing = requested_levels - len(levels)
    if missing <= 0 or (len(levels) > 1 and not exhaustive):
        return requested_range
    wanted = requested_range * 2 ** missing
    return max(requested_range, min(wanted, min(levels[-1].shape) // 4))


def run(fixed, moving, params, fixed_mask, moving_mask, progress) -> MethodOutcome:
    if params["mutation_min"] > params["mutation_max"]:
        raise InputError("parameter 'mutation_min' must not exceed 'mutation_max'")
    scale = gray_scale_factor(fixed, moving, fixed_mask, moving_mask, params["gray_scale"])
    levels = build_levels(fixed, moving, fixed_mask, moving_mask, params["sigma"], params["levels"], scale)
    coarsest = len(levels) - 1
    search_range = coarse_search_range(levels, params["search_range"], params["levels"],
                                       exhaustive=not params["rotation"])
    progress.update(0.05, "TVDM: pyramid ready")
    rigid = params["transform"] == "rigid"
    rigid_end = 1.0 if rigid else 0.7
    found: RigidResult | ShiftResult
    transform: AnyTransform
    blocks = min(PRECISION_BLOCKS, max(4, min(levels[0].shape) // MIN_BLOCK_PX)) if rigid else 0
    if params["rotation"]:
        settings = EvolutionSettings(params["population"], params["crossover"],
                                     (params["mutation_min"], params["mutation_max"]))
        found = rigid_search(levels, coarsest, search_range, params["angle_range"], settings,
                             params["max_iter"], progress.sub(0.05, rigid_end), precision_blocks=blocks)
        transform, cost, coarse, resolved = found.transform, found.cost, found.coarse, found.resolved
        on_bound = found.angle_on_bound
        significance = found.significance
    else:
        found = pyramid_shift(levels, 0.0, Transform(), coarsest, search_range,
                              progress.sub(0.05, rigid_end), precision_blocks=blocks)
        transform, coarse, resolved, on_bound = found.transform, found.coarse, found.resolved, False
        significance = found.significance
        cost = found.cost if resolved == 0 and np.isfinite(found.cost) else levels[0].cost(transform)
    finest = levels[0].smoothing
    assert finest is not None  # build_levels sets every level's smoothing
    status, confidence, message = _judge(coarse, significance, resolved, search_range, on_bound,
                                         finest.sigma, finest.adapted)
    details = {"gray_scale": scale, "levels_used": len(levels), "resolved_level": resolved,
               "significance": significance, "level_shapes": [list(level.shape) for level in levels],
               "coarse_search_range": search_range,
               "level_sigmas": [round(level.smoothing.sigma, 3) for level in levels if level.smoothing],
               "noise_sigma": list(finest.noise)}
    if rigid:
        # Rigid kinds only: a similarity / affine answer moves on from the rigid one, whose balance the scale
        # or shear still to be found makes uneven across the field, so its precision is not measured.
        details["precision_px"] = [float(e) for e in found.error]
    else:  # similarity / affine: refined from the rigid answer (tvdm_scale)
        refined = refine_tvdm(levels, transform, params, progress.sub(rigid_end, 1.0))
        details.update(refinement_details(transform, cost, refined))
        status, confidence, message = judged(status, confidence, message, refined, params["scale_range"])
        transform, cost = refined.transform, refined.cost
    outcome = MethodOutcome(transform, cost=float(cost), confidence=confidence, status=status, message=message,
                            details=details)
    # An independent witness, as for every method: edges must line up best at the answer to keep it ok.
    outcome = confirm(outcome, fixed, moving, fixed_mask, moving_mask)
    if not rigid or outcome.status != OK:
        return outcome
    # Last, the precision: an answer every other check accepts but whose noise leaves it imprecise says so
    # (`precision_limited`: a stack may still use it where its error is diluted, as in a chunk's average).
    status, confidence, message = _precise(outcome.status, outcome.confidence, outcome.message, found.error)
    if status == OK:
        return outcome
    return replace(outcome, status=status, confidence=confidence, message=message,
                   details={**outcome.details, "precision_limited": True})


SPEC = register_method(MethodSpec(
    name="tvdm", label="TVDM",
    description="Total variation of the difference map (Xiao et al. 2022): robust to noise, uneven "
                "backgrounds and contrast changes; translation, optionally rotation, scale (similarity) or affine.",
    params=PARAMS, run=run, supports_rotation=True, float32=True))
