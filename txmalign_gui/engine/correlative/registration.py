"""`correlate`: the map from an electron-microscopy image onto an X-ray image, from landmarks, from nothing or
from the learned guess, refined by mutual information, with an honest status.

Status rules: `failed` when the match is no better than the same images misaligned; `low_confidence` when
the optimiser stopped at the edge of its range, when the edges of the two images line up best elsewhere (the
edge witness of `engine.quality`, independent of the mutual information), when the refined map lands far from
the clicked landmarks, or when the match is weak; `ok` otherwise.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional

import numpy as np

from ..errors import InputError
from ..progress import Progress
from ..quality import edge_check
from ..result import FAILED, LOW_CONFIDENCE, OK
from ..transform import Transform
from ..validation import check_image
from .cost import similarity
from .geometry import PointMap, resample_em
from .initial import learned_available, learned_guess
from .landmarks import LandmarkFit, fit_landmarks, residuals_of
from .levels import Level, Pyramid
from .params import CORRELATE_PARAMS
from .refine import Objective, refine
from .search import global_search

# Gain over a misaligned pair, times sqrt(overlap in px), below which the answer is not told from noise.
_MIN_SCORE = 8.0
# Gain below which the match is called weak.
_WEAK_GAIN = 0.05
# Edge witness: farther than this (full X-ray px, at least one level px) and the answer is not confirmed.
_EDGE_TOLERANCE_PX = 1.0
# Search candidates whose mutual information on the coarsest level reaches this fraction of the best one's are
# refined to the finest level.
_CONTENDER_FRACTION = 0.8
# Search candidates ending farther apart than this (X-ray px at the image corners) are different answers; a
# different answer reaching this fraction of the winner's mutual information makes the winner ambiguous.
_DISTINCT_PX = 2.0
_RIVAL_FRACTION = 0.93
# Refined map farther than this from the clicked landmarks (X-ray px, or 3 x their own rms) is doubted.
_LANDMARK_TOLERANCE_PX = 3.0


@dataclass(frozen=True)
class CorrelativeResult:
    """The map taking EM (row, col) to X-ray (row, col), how it was found and how far to trust it."""

    point_map: PointMap
    status: str
    confidence: float
    message: str
    start: str
    model: str
    landmark_fit: Optional[LandmarkFit] = None
    details: Dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> Dict[str, Any]:
        record = {**self.point_map.to_dict(), "status": self.status, "confidence": self.confidence,
                  "message": self.message, "start": self.start, "model": self.model, "details": dict(self.details)}
        if self.landmark_fit is not None:
            record["landmarks"] = self.landmark_fit.to_dict()
        return record

    @staticmethod
    def from_dict(record: Mapping[str, Any]) -> "CorrelativeResult":
        """The result `to_dict` wrote (a saved session); the landmark fit is refitted from the points."""
        fit = None
        if record.get("landmarks"):
            marks = record["landmarks"]
            fit = fit_landmarks(marks["xray_points"], marks["em_points"], marks["model"])
        return CorrelativeResult(PointMap.from_matrix(record["matrix"]), str(record["status"]),
                                 float(record["confidence"]), str(record.get("message", "")),
                                 str(record.get("start", "session")), str(record.get("model", "similarity")), fit,
                                 dict(record.get("details", {})))


def _expected_scale(xray: np.ndarray, em: np.ndarray, scale_hint: Optional[float]) -> tuple:
    if scale_hint is not None:
        if not (math.isfinite(scale_hint) and scale_hint > 0):
            raise InputError(f"the expected scale must be a positive number, got {scale_hint}")
        return float(scale_hint), "pixel sizes"
    return math.sqrt(xray.size / em.size), "assumed: both images show about the same field"


def correlate(xray: Any, em: Any, *, landmarks: Optional[tuple] = None, params: Optional[Mapping] = None,
              scale_hint: Optional[float] = None, guess: Optional[PointMap] = None,
              progress: Optional[Progress] = None) -> CorrelativeResult:
    """Find the map taking (row, col) of `em` to (row, col) of `xray`.

    Parameters
    ----------
    xray, em : 2-D arrays of any size and numeric type (an 8-bit EM image is fine).
    landmarks : (X-ray points, EM points), each (N, 2) (row, col), N >= 3; fitted first (see `params`).
    params : CORRELATE_PARAMS values (model, start, angle_range, scale_range, bins, max_size).
    scale_hint : expected X-ray pixels per EM pixel (EM pixel size / X-ray pixel size), for the search.
    guess : a starting map (e.g. the learned guess computed elsewhere): the start when start is learned, one
        more search candidate when it is auto.
    progress : engine Progress (cancellable).
    """
    started = time.perf_counter()
    progress = progress or Progress()
    p = CORRELATE_PARAMS.resolve(params, owner="correlate")
    xray = check_image(xray, "the X-ray image", min_size=2 * 16)
    em = check_image(em, "the EM image", min_size=2 * 16).astype(np.float32)
    fit = fit_landmarks(landmarks[0], landmarks[1], p["model"]) if landmarks is not None and len(landmarks[0]) \
        else None
    start = _choose_start(p["start"], fit)
    if start == "learned" and guess is None:
        progress.update(0.0, "asking the learned predictor for a first guess")
        guess = learned_guess(xray, em)
    if fit is not None and start == "landmarks":
        scale, scale_source = fit.point_map.scale, "landmarks"
    elif guess is not None and start == "learned":
        scale, scale_source = guess.scale, "learned guess"
    else:
        scale, scale_source = _expected_scale(xray, em, scale_hint)
    progress.update(0.02, "building the image pyramids")
    pyramid = Pyramid(xray, em, scale, p["max_size"])
    search_edge, rival = False, None
    if start == "identity":
        low, high = scale / (1 + p["scale_range"] / 100), scale * (1 + p["scale_range"] / 100)
        candidates = [c.point_map for c in global_search(pyramid.coarsest, p["angle_range"], low, high, p["bins"],
                                                         progress.sub(0.02, 0.3))]
        learned = None
        if p["start"] == "auto" and (guess is not None or learned_available()):  # the network's guess competes
            learned = guess if guess is not None else learned_guess(xray, em)
            candidates.append(learned)
        if not candidates:
            raise InputError("the EM image does not overlap the X-ray image at any rotation and scale searched; "
                             "check the pixel sizes or click landmarks")
        # the coarsest level can prefer a wrong candidate (repeating structure): those close to the best there
        # are refined down to the finest level, which decides; so is the network's guess, which comes from a
        # different source of evidence than the coarse cost (on sparse particles it is often the better start)
        trials = [Objective(pyramid.coarsest, c, p["bins"], False, progress).minimise() for c in candidates]
        coarse = sorted(trials, key=lambda trial: trial[1])
        contenders = [m for m, cost, _ in coarse if cost <= _CONTENDER_FRACTION * coarse[0][1]]
        if learned is not None and not any(m is trials[-1][0] for m in contenders):
            contenders.append(trials[-1][0])
        share = 0.6 / len(contenders)
        finals = [refine(pyramid.levels, c, p["bins"], p["model"] == "affine",
                         progress.sub(0.35 + i * share, 0.35 + (i + 1) * share)) for i, c in enumerate(contenders)]
        finals.sort(key=lambda final: final[1])
        point_map, cost, at_bound = finals[0]
        rival = _rival(finals, pyramid.finest)
        search_edge = _at_search_edge(point_map, p["angle_range"], low, high)
    else:
        first = fit.point_map if fit is not None and start == "landmarks" else guess
        assert first is not None
        point_map, _, at_bound = refine(pyramid.levels, first, p["bins"], p["model"] == "affine",
                                        progress.sub(0.05, 0.95))
    progress.update(0.95, "assessing the match")
    status, confidence, message, details = _assess(pyramid.finest, point_map, fit, at_bound, search_edge, rival,
                                                   p["bins"])
    if fit is not None and _landmark_distance(point_map, fit) > max(_LANDMARK_TOLERANCE_PX, 3 * fit.rms):
        # the images led the optimiser away from what the user clicked: hand back the clicks' map, not a guess
        details["refined_matrix"] = point_map.matrix.tolist()
        point_map = fit.point_map
        message += "; the landmark fit is kept"
    details.update(scale_source=scale_source, **pyramid.describe(), seconds=time.perf_counter() - started)
    progress.update(1.0, "done")
    return CorrelativeResult(point_map, status, confidence, message, start, p["model"], fit, details)


def _choose_start(start: str, fit: Optional[LandmarkFit]) -> str:
    if start == "landmarks" and fit is None:
        raise InputError("refining from the landmarks needs at least 3 landmark pairs")
    if start != "auto":
        return start
    return "landmarks" if fit is not None else "identity"


def _rival(finals: list, level: Level) -> Optional[float]:
    """The mutual information of the best refined candidate that ends more than `_DISTINCT_PX` away from the
    winner, as a fraction of the winner's (None when every candidate ends at the winner)."""
    best_map, best_cost, _ = finals[0]
    rows, cols = level.xray.shape
    corners = np.array([[0, 0], [0, cols], [rows, 0], [rows, cols]], float) * level.xray_factor
    for point_map, cost, _ in finals[1:]:
        apart = np.max(np.hypot(*(best_map.apply(point_map.inverse().apply(corners)) - corners).T))
        if apart > _DISTINCT_PX and best_cost < 0:
            return float(cost / best_cost)
    return None


def _at_search_edge(point_map: PointMap, angle_range: float, low: float, high: float) -> bool:
    """Whether the searched rotation or scale ended on the border of its grid (the truth may lie beyond)."""
    near_angle = angle_range < 180 and abs(point_map.angle_deg) > angle_range - 0.5
    near_scale = point_map.scale < low * 1.01 or point_map.scale > high / 1.01
    return bool(near_angle or near_scale)


def _assess(level: Level, point_map: PointMap, fit: Optional[LandmarkFit], at_bound: bool, search_edge: bool,
            rival: Optional[float], bins: int) -> tuple:
    """(status, confidence, message, details) from the mutual information gained over misaligned maps, the
    edge witness and the landmarks."""
    a, b = level.overlap(point_map)
    if a.size < level.min_overlap(point_map, 0.3):
        return FAILED, 0.0, "the EM image hardly overlaps the X-ray image at the best map found", {}
    aligned = similarity(a, b, bins, level.ranges)
    rows, cols = level.xray.shape
    misaligned = []
    for dy, dx in ((rows / 4, 0), (-rows / 4, 0), (0, cols / 4), (0, -cols / 4)):
        moved = point_map.then(PointMap.similarity(1.0, 0.0, (dy * level.xray_factor, dx * level.xray_factor)))
        ma, mb = level.overlap(moved)
        if ma.size >= 16:
            misaligned.append(similarity(ma, mb, bins, level.ranges))
    baseline = float(np.mean(misaligned)) if misaligned else 0.0
    gain = float(np.clip((aligned - baseline) / max(1.0 - baseline, 1e-6), 0.0, 1.0))
    details: Dict[str, Any] = {"mutual_information": aligned, "misaligned_mutual_information": baseline,
                               "overlap_px": int(a.size) * level.xray_factor ** 2}
    if gain * math.sqrt(a.size) < _MIN_SCORE:
        return FAILED, gain, (f"the match is no better than a misaligned one (mutual information {aligned:.3f} vs "
                              f"{baseline:.3f}): no common structure found"), details
    doubts = []
    edge = _edge_offset(level, point_map)
    details["edge_offset_px"] = edge
    if edge > max(_EDGE_TOLERANCE_PX, level.xray_factor):
        doubts.append(f"the edges of the two images line up best {edge:.1f} px from this map")
    if fit is not None:
        distance = _landmark_distance(point_map, fit)
        details["landmark_rms_px"] = distance
        if distance > max(_LANDMARK_TOLERANCE_PX, 3 * fit.rms):
            doubts.append(f"the refined map is {distance:.1f} px (rms) from the clicked landmarks")
    if at_bound:
        doubts.append("the refinement stopped at the edge of its range")
    if search_edge:
        doubts.append("the best rotation or scale lies on the border of the searched range; widen it or click "
                      "landmarks")
    if rival is not None:
        details["rival_fraction"] = rival
        if rival > _RIVAL_FRACTION:
            doubts.append(f"another rotation/scale matches almost as well ({100 * rival:.0f} % of this one's mutual "
                          "information): repeating structure? click landmarks to decide")
    if gain < _WEAK_GAIN:
        doubts.append(f"weak match (mutual information {aligned:.3f} vs {baseline:.3f} misaligned)")
    if doubts:
        return LOW_CONFIDENCE, gain, "; ".join(doubts), details
    return OK, gain, "", details


def _landmark_distance(point_map: PointMap, fit: LandmarkFit) -> float:
    """Rms distance (X-ray px) between the clicked X-ray points and where `point_map` puts their EM partners."""
    return float(np.sqrt(np.mean(np.sum(residuals_of(point_map, fit.xray_points, fit.em_points) ** 2, axis=1))))


def _edge_offset(level: Level, point_map: PointMap) -> float:
    """How far (full X-ray px) the edges of the resampled EM image line up best from where the map puts them."""
    warped = resample_em(level.em, level.local_map(point_map), level.xray.shape).astype(np.float64)
    usable = np.isfinite(warped)
    filled = np.where(usable, warped, float(np.mean(warped[usable])))
    check = edge_check(level.xray, filled, Transform(), None, usable)
    return float(math.hypot(*check.offset)) * level.xray_factor if not check.at_limit else math.inf

