"""Solve for the per-image transforms that agree best with a redundant set of measured pairs.

A pair (i, j) measures the transform R aligning image j with image i, so the unknown anchor-relative
transforms must satisfy T_j = R.then(T_i): angle_j - angle_i = a and t_j - t_i = rot(angle_i) d.  Angles
are solved first (linear), then shifts (linear once the angles are known), each by iteratively
reweighted least squares (Huber, then Tukey's biweight) so that a few wrong registrations, e.g. across an
absorption edge, lose their influence instead of bending the solution.  Pairs still far from the solution
are flagged, and an image's confidence is the agreement of its own pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Tuple

import numpy as np
from scipy import sparse
from scipy.sparse.linalg import spsolve

from ..result import FAILED, LOW_CONFIDENCE, OK, RegistrationResult
from ..transform import Transform

FLAG_SHIFT_PX = 1.0      # a pair disagreeing with the solution by more than this is flagged
FLAG_ANGLE_DEG = 0.5
_MIN_SCALE_PX = 0.05     # robust scale floor: registrations are not trusted beyond this precision
_MIN_SCALE_DEG = 0.02
_STATUS_WEIGHT = {OK: 1.0, LOW_CONFIDENCE: 0.3, FAILED: 1e-3}
_HUBER_STEPS, _TUKEY_STEPS = 5, 10


@dataclass
class Solution:
    transforms: np.ndarray    # (N, 3)
    confidences: np.ndarray   # (N,)
    statuses: List[str]
    flagged: List[dict]


def _incidence(pairs, count: int) -> sparse.csr_matrix:
    rows = np.repeat(np.arange(len(pairs)), 2)
    cols = np.array([[j, i] for i, j in pairs]).ravel()
    values = np.tile([1.0, -1.0], len(pairs))
    return sparse.csr_matrix((values, (rows, cols)), shape=(len(pairs), count))


def _weighted_solve(matrix, rhs, weights, free) -> np.ndarray:
    a = matrix[:, free]
    normal = (a.T @ sparse.diags(weights) @ a).tocsc()
    ridge = 1e-9 * max(float(normal.diagonal().mean()), 1e-12)  # keeps cut-off images solvable (at 0)
    normal = normal + ridge * sparse.identity(normal.shape[0], format="csc")
    solution = np.zeros((matrix.shape[1], rhs.shape[1]))
    solved = spsolve(normal, a.T @ (weights[:, None] * rhs))
    solution[free] = np.asarray(solved).reshape(len(np.flatnonzero(free)), rhs.shape[1])
    return solution


def robust_solve(matrix, rhs, prior, free, min_scale: float) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """IRLS for matrix @ x ~ rhs with prior weights: (x, robust weights in [0, 1], residual norms)."""
    robust = np.ones(len(prior))
    x = _weighted_solve(matrix, rhs, prior, free)
    for step in range(_HUBER_STEPS + _TUKEY_STEPS):
        residual = np.linalg.norm(matrix @ x - rhs, axis=1)
        used = prior > 1e-2
        scale = max(1.4826 * float(np.median(residual[used] if used.any() else residual)), min_scale)
        if step < _HUBER_STEPS:
            k = 1.345 * scale
            robust = np.where(residual <= k, 1.0, k / np.maximum(residual, 1e-300))
        else:
            c = 4.685 * scale
            robust = np.where(residual < c, (1.0 - (residual / c) ** 2) ** 2, 0.0)
        x = _weighted_solve(matrix, rhs, prior * np.maximum(robust, 1e-6), free)
    return x, robust, np.linalg.norm(matrix @ x - rhs, axis=1)


def solve_consistent(count: int, anchor: int, results: Dict[Tuple[int, int], RegistrationResult]) -> Solution:
    """Anchor-relative transforms from pair results keyed (fixed, moving)."""
    pairs = list(results)
    measured = [results[p] for p in pairs]
    # Images far apart in the series differ more in contrast, so their registrations are less exact:
    # weight each pair by the inverse of its separation as well as by its own confidence.
    prior = np.array([_STATUS_WEIGHT[r.status] * max(r.confidence, 0.05) / abs(i - j)
                      for (i, j), r in zip(pairs, measured)])
    matrix = _incidence(pairs, count)
    free = np.ones(count, dtype=bool)
    free[anchor] = False

    angle_rhs = np.array([[r.angle_deg] for r in measured])
    angles, angle_weight, angle_residual = robust_solve(matrix, angle_rhs, prior, free, _MIN_SCALE_DEG)
    angles = angles[:, 0]
    shift_rhs = np.array([Transform(angle_deg=angles[i]).rotation_matrix() @ r.transform.shift
                          for (i, _), r in zip(pairs, measured)])
    shifts, shift_weight, shift_residual = robust_solve(matrix, shift_rhs, prior, free, _MIN_SCALE_PX)

    agreement = np.minimum(angle_weight, shift_weight)
    flagged = []
    for (i, j), r, ra, rs in zip(pairs, measured, angle_residual, shift_residual):
        if r.status == FAILED or rs > FLAG_SHIFT_PX or ra > FLAG_ANGLE_DEG:
            reason = r.message if r.status == FAILED else \
                f"disagrees with the solution by {rs:.2f} px, {ra:.2f} deg"
            flagged.append({"fixed": int(i), "moving": int(j), "residual_px": float(rs),
                            "residual_deg": float(ra), "status": r.status, "reason": reason})
    confidences, statuses = _image_confidence(count, anchor, pairs, measured, agreement)
    transforms = np.column_stack([shifts, angles])
    return Solution(transforms, confidences, statuses, flagged)


def _image_confidence(count, anchor, pairs, measured, agreement):
    """Mean over an image's pairs of (agreement x pair confidence); FAILED when none agrees."""
    total = np.zeros(count)
    support = np.zeros(count)
    n = np.zeros(count)
    for (i, j), r, a in zip(pairs, measured, agreement):
        score = a * r.confidence * (r.status != FAILED)
        for k in (i, j):
            total[k] += score
            support[k] = max(support[k], a * (r.status != FAILED))
            n[k] += 1
    confidences = np.where(n > 0, total / np.maximum(n, 1), 0.0)
    statuses = [OK if c >= 0.5 else LOW_CONFIDENCE for c in confidences]
    for k in range(count):
        if support[k] < 0.5:
            statuses[k] = FAILED
    confidences[anchor], statuses[anchor] = 1.0, OK
    return confidences, statuses
