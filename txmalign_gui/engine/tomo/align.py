"""`align_tomo`: jitter correction of a parallel-beam projection series, coarse, then by consistency.

The rotation axis' in-plane tilt is measured first (projections 180 deg apart) and rotated away.  The
coarse step uses row-profile and centre-of-mass invariants, or a trained network; the fine step
reconstructs (FBP, or SIRT for limited or sparse angles), reprojects and registers on a multi-resolution
schedule (e.g. binning 4, 2, 1) until the corrections settle.
"""

from __future__ import annotations

import time
from typing import Callable, Optional

import numpy as np
from scipy import ndimage

from ..errors import InputError
from ..methods import get_method
from ..progress import as_progress
from .acceleration import SmoothModeExtrapolator
from .axis import estimate_tilt, rotate_series
from .coarse import coarse_alignment
from .consistency import consistency_round, sample_band
from .inputs import MIN_WIDTH, check_angles, check_projections, consistency_refusal
from .learned_coarse import learned_coarse
from .params import TOMO_PARAMS
from .projector import ParallelProjector, matrix_entries
from .result import TomoIteration, TomoResult
from .sinusoid import remove_sample_motion

OnIteration = Callable[[TomoIteration, np.ndarray], None]

# Share of the progress bar taken by the axis tilt, the coarse step (up to) and the preview slices.
_TILT_SHARE = 0.02
_COARSE_SHARE = 0.05
_PREVIEW_SHARE = 0.05
# A finest-level round whose largest change is under this share of the tolerance may end the level before
# the third round (no slow drift worth extrapolating is left).
_QUIET_SHARE = 0.25
# Largest projector (stored weights) built for one level: about 1.6 GB.
_MAX_MATRIX_ENTRIES = 200_000_000


def align_tomo(projections, angles_deg, *, params=None, progress=None, cancel=None,
               on_iteration: Optional[OnIteration] = None) -> TomoResult:
    """Find the (dy, dx, angle) per projection that removes axis tilt and jitter from a parallel-beam series.

    Parameters
    ----------
    projections : array_like (N, rows, cols)
        Line integrals (e.g. -ln(I/I0)) with the rotation axis along the columns' direction, so that each
        detector row is one slice's sinogram.
    angles_deg : array_like (N,)
        The rotation angles in degrees.
    params : dict, optional
        Overrides of `TOMO_PARAMS` (iterations, binning, tolerance, reconstruction, coarse step, ...).
    progress, cancel
        As for `register_pair`.
    on_iteration : callable ``(TomoIteration, transforms)``, optional
        Called after every fine round with the current (N, 3) transforms (live preview).

    Returns
    -------
    TomoResult
        ``transforms`` (N, 3) to apply with `apply_transforms`, the rotation axis' offset and tilt, the
        rounds, residuals and preview slices.  Series too small for tomographic consistency (fewer than 30
        projections or under 90 deg) are aligned pairwise instead, with a notice in ``messages``.

    Raises
    ------
    InputError
        For bad input; `Cancelled` when cancelled.
    """
    settings = TOMO_PARAMS.resolve(params, owner="tomo")
    get_method(settings["method"])
    stack = check_projections(projections)
    angles = check_angles(angles_deg, len(stack))
    reporter = as_progress(progress, cancel)
    start = time.perf_counter()
    count, rows, cols = stack.shape
    messages = []
    refusal = consistency_refusal(angles)
    if refusal:
        return _pairwise_fallback(stack, angles, settings, reporter, refusal, start)
    if settings["reconstruction"] == "auto":
        settings["reconstruction"] = "sirt" if np.ptp(angles) < 170.0 or count < 60 else "fbp"
    if np.ptp(angles) < 170.0:
        messages.append(f"angles span {np.ptp(angles):.1f} deg (< 180): reconstructions are approximate "
                        f"({settings['reconstruction'].upper()} used)")

    tilt = 0.0
    if settings["axis_tilt"]:
        found = estimate_tilt(stack, angles, reporter.sub(0.0, _TILT_SHARE))
        if found.measured:
            tilt = found.tilt_deg
            stack = rotate_series(stack, -tilt)
        else:
            messages.append(f"axis tilt not corrected: {found.reason}")

    dy, dx = np.zeros(count), np.zeros(count)
    if settings["coarse"] and settings["coarse_method"] == "learned":
        dy, dx = learned_coarse(stack, angles, reporter.sub(_TILT_SHARE, _COARSE_SHARE))
    elif settings["coarse"]:
        dy, dx, _ = coarse_alignment(stack, angles, reporter.sub(_TILT_SHARE, _COARSE_SHARE))
    coarse = _as_transforms(dy, dx, tilt)

    report_round = None
    if on_iteration is not None:
        def report_round(record, transforms):
            transforms[:, 2] = -tilt
            on_iteration(record, transforms)
    dy, dx, rounds, converged = _refine(stack, angles, dy, dx, settings,
                                        reporter.sub(_COARSE_SHARE, 1.0 - _PREVIEW_SHARE),
                                        report_round, messages)
    centre_offset = -float(dx.mean())
    if not settings["centre_axis"]:
        dx = dx - dx.mean()
    before = after = row = None
    if settings["preview"] and matrix_entries(cols, count) > _MAX_MATRIX_ENTRIES:
        messages.append("preview slices skipped: the projections are too large to reconstruct here")
    elif settings["preview"]:
        reporter.update(1.0 - _PREVIEW_SHARE, "reconstructing preview slices")
        row = sample_band(stack, 1).start
        projector = ParallelProjector(cols, angles, settings["jobs"])
        before = _slice(projector, stack, row, np.zeros(count), np.zeros(count))
        after = _slice(projector, stack, row, dy, dx - (0.0 if settings["centre_axis"] else centre_offset))
    reporter.update(1.0, "tomography alignment done")
    return TomoResult(transforms=_as_transforms(dy, dx, tilt), angles_deg=angles, centre_offset=centre_offset,
                      axis_tilt_deg=tilt,
                      iterations=rounds, params=settings, seconds=time.perf_counter() - start,
                      converged=converged, coarse_transforms=coarse, slice_before=before,
                      slice_after=after, slice_row=row, messages=messages)


def _pairwise_fallback(stack, angles, settings: dict, reporter, reason: str, start: float) -> TomoResult:
    """Neighbour-to-neighbour TVDM registration for series too small for consistency, with a notice.

    Projections at different angles differ by the sample's own rotation, so pairwise shifts also hold
    apparent motion: the result is a rough alignment, and the axis offset stays unknown (NaN).
    """
    from ..stack import align_stack  # imported here: the stack engine is only needed for this path

    order = np.argsort(angles, kind="stable")
    found = align_stack(stack[order], method="tvdm", strategy="sequential",
                        progress=reporter.sub(0.0, 1.0)).transforms
    transforms = np.zeros((len(stack), 3))
    transforms[order] = found
    messages = [f"{reason}: aligned pairwise instead (TVDM, neighbour to neighbour in angle order); "
                "pairwise shifts include the sample's apparent motion between angles, so treat the "
                "result as a rough alignment; the rotation axis was not located"]
    reporter.update(1.0, "pairwise alignment done")
    return TomoResult(transforms=transforms, angles_deg=angles, centre_offset=float("nan"), iterations=[],
                      params=settings, seconds=time.perf_counter() - start, converged=False,
                      messages=messages, pairwise_fallback=True)


def _refine(stack, angles, dy, dx, settings: dict, progress, on_iteration, messages: list) -> tuple:
    """Reconstruct-reproject-register rounds on each resolution level; returns dy, dx, rounds, converged."""
    rows, cols = stack.shape[1:]
    if settings["iterations"] == 0:
        messages.append("fine alignment skipped (iterations = 0)")
        return dy, dx, [], False
    levels = _levels(settings["binning"], len(stack), rows, cols, messages)
    costs = np.array([min(rows // b, settings["slices"]) * (cols // b) ** 2 for b in levels], dtype=float)
    bounds = np.concatenate([[0.0], np.cumsum(costs) / costs.sum()])
    rounds, converged = [], False
    for index, binning in enumerate(levels):
        level = progress.sub(bounds[index], bounds[index + 1])
        projector = ParallelProjector(cols // binning, angles, settings["jobs"])
        converged = False
        finest = index == len(levels) - 1
        # the slow smooth mode only matters on the finest level: coarser ones hand it on anyway
        extrapolator = SmoothModeExtrapolator(angles) if finest and settings["reconstruction"] == "fbp" else None
        for r in range(settings["iterations"]):
            step_dy, step_dx, mismatch, failed = consistency_round(
                stack, dy, dx, binning, projector, settings["slices"], settings["method"],
                level.sub(r / settings["iterations"], (r + 1) / settings["iterations"]),
                settings["reconstruction"])
            step_dy, step_dx = remove_sample_motion(step_dy, step_dx, angles)
            jumped = False
            if extrapolator is not None:
                extra = extrapolator.extra(np.stack([step_dy, step_dx], axis=1))
                if extra is not None:
                    step_dy, step_dx, jumped = step_dy + extra[:, 0], step_dx + extra[:, 1], True
            dy, dx = dy + step_dy, dx + step_dx
            change = np.hypot(step_dy, step_dx)
            record = TomoIteration(binning, r, float(np.sqrt(np.mean(change ** 2))), float(change.max()),
                                   mismatch, failed)
            rounds.append(record)
            if failed:
                messages.append(f"binning {binning}, round {r}: {failed} projection(s) could not be "
                                "registered to their reprojection and kept their correction")
            if on_iteration is not None:
                on_iteration(record, _as_transforms(dy, dx))
            # on the finest level a plain round must follow the last jump, and the smooth mode must have
            # had the chance to show itself (three rounds) unless the corrections have all but stopped
            quiet = record.max_change_px < _QUIET_SHARE * settings["tolerance"] * binning
            settled = not jumped and (extrapolator is None or r >= 2 or quiet)
            if settled and record.max_change_px < settings["tolerance"] * binning:
                converged = True
                break
    if not converged:
        messages.append("the finest level did not settle within the tolerance; "
                        "more iterations may improve the result")
    return dy, dx, rounds, converged


def _levels(coarsest: int, count: int, rows: int, cols: int, messages: list) -> list:
    """Binning factors from `coarsest` halving to 1, skipping those too small or too large to project."""
    levels, binning = [], coarsest
    while binning >= 1:
        width = cols // binning
        if width < MIN_WIDTH or rows // binning < 8:
            messages.append(f"binning {binning} skipped: the binned projections would be too small")
        elif matrix_entries(width, count) > _MAX_MATRIX_ENTRIES:
            messages.append(f"binning {binning} skipped: projecting {count} angles of {width} px would need "
                            f"about {matrix_entries(width, count) * 8 / 1e9:.1f} GB; crop or bin the data")
        else:
            levels.append(binning)
        binning //= 2
    if not levels:
        raise InputError("no resolution level fits: the projections are too small or too large; "
                         "crop them or raise the binning")
    return levels


def _slice(projector: ParallelProjector, stack: np.ndarray, row: int, dy, dx) -> np.ndarray:
    """Filtered back-projection of detector row `row` after shifting each projection by (dy, dx)."""
    columns = np.arange(stack.shape[2], dtype=np.float64)
    sinogram = np.stack([
        ndimage.map_coordinates(image, [np.full_like(columns, row - dy[i]), columns - dx[i]],
                                order=1, mode="nearest")
        for i, image in enumerate(stack)])
    return projector.reconstruct(sinogram[:, None, :])[0]


def _as_transforms(dy, dx, tilt_deg: float = 0.0) -> np.ndarray:
    """(N, 3) rows (dy, dx, angle): rotating by -tilt makes the axis vertical, then the shifts apply."""
    return np.stack([dy, dx, np.full_like(dy, -tilt_deg)], axis=1)
