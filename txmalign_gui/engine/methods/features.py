"""Keypoint registration: ORB or SIFT keypoints, matched by descriptor and fitted robustly with RANSAC.

Independent of gray values between keypoints, it copes with large rotations and shifts when the images
have enough distinct corners; precision is limited by keypoint localisation (a few tenths of a pixel).
"""

from __future__ import annotations

import functools
import math
import warnings
from typing import Any, cast

import numpy as np
from scipy import ndimage

from ..params import ANGLE_RANGE, ROTATION, Param, ParamSet
from ..quality import confirm
from ..result import FAILED, LOW_CONFIDENCE, OK, MethodOutcome
from ..transform import Transform, image_centre
from .registry import MethodSpec, register_method

PARAMS = ParamSet((
    ROTATION,
    ANGLE_RANGE,
    Param("detector", "Keypoint detector", str, "orb",
          "ORB is fast; SIFT is slower but finds more reliable, more precisely placed keypoints.",
          choices=("orb", "sift")),
    Param("model", "Motion model", str, "rigid",
          "'rigid' fits shift (and rotation when that is on); 'similarity' also fits a scale, reported to "
          "warn of a magnification change.", choices=("rigid", "similarity")),
    Param("keypoints", "Keypoints (ORB)", int, 800,
          "How many of the strongest ORB keypoints each image keeps.", minimum=20, maximum=10000),
    Param("residual", "Inlier distance (px)", float, 1.5,
          "Matched keypoints farther than this from where the fitted motion puts them count as wrong "
          "matches.", minimum=0.1, maximum=20.0),
    Param("min_inliers", "Minimum inliers", int, 8,
          "Fewer correctly matched keypoints than this means the registration failed.", minimum=3),
))

# Pixels kept clear of a mask's edge, so descriptors never see the masked area.
_MASK_MARGIN = 8
# Scale deviation above which the images are reported as differently magnified.
_MAX_SCALE_ERROR = 0.02


@functools.lru_cache(maxsize=None)
def _shift_only_class():
    """A Euclidean model whose rotation is held at zero: the mean displacement of the point pairs.

    Built on first use: scikit-image's feature and transform modules take over a second to import, which
    every other method (and `txmalign --help`) should not pay."""
    from skimage.transform import EuclideanTransform

    class ShiftOnlyTransform(EuclideanTransform):
        def estimate(self, src, dst, *args, **kwargs) -> bool:
            self.params = np.eye(3)
            self.params[:2, 2] = np.mean(np.asarray(dst) - np.asarray(src), axis=0)
            return True

        @classmethod
        def from_estimate(cls, src, dst, *args, **kwargs) -> "ShiftOnlyTransform":
            model = cls()
            model.estimate(src, dst)
            return model

    return ShiftOnlyTransform


def _model_class(params: dict):
    """The RANSAC model for the chosen motion: translation only unless rotation is on."""
    from skimage.transform import EuclideanTransform, SimilarityTransform

    if params["model"] == "similarity":
        return SimilarityTransform
    return EuclideanTransform if params["rotation"] else _shift_only_class()


def _normalise(image: np.ndarray, mask) -> np.ndarray:
    """Gray values mapped to [0, 1] by the usable pixels' 0.5 and 99.5 percentiles; masked pixels get 0.5."""
    values = image[mask] if mask is not None else image
    low, high = np.percentile(values, [0.5, 99.5])
    scaled = np.clip((image - low) / (high - low if high > low else 1.0), 0.0, 1.0)
    return scaled if mask is None else np.where(mask, scaled, 0.5)


def _detect(image: np.ndarray, mask, params: dict):
    """Keypoints (row, col) and descriptors, keeping only keypoints well inside the usable area."""
    from skimage.feature import ORB, SIFT

    detector = SIFT() if params["detector"] == "sift" else ORB(n_keypoints=params["keypoints"],
                                                               fast_threshold=0.02)
    try:
        detector.detect_and_extract(_normalise(image, mask))
    except RuntimeError:  # skimage raises when an image yields no keypoint at all
        return np.zeros((0, 2)), np.zeros((0, 1))
    points, descriptors = cast(np.ndarray, detector.keypoints), cast(np.ndarray, detector.descriptors)
    if mask is not None and len(points):
        inside = ndimage.binary_erosion(mask, iterations=_MASK_MARGIN, border_value=1)
        rows, cols = np.round(points).astype(int).T
        keep = inside[rows.clip(0, mask.shape[0] - 1), cols.clip(0, mask.shape[1] - 1)]
        points, descriptors = points[keep], descriptors[keep]
    return points, descriptors


def skimage_to_transform(model, shape) -> tuple:
    """Our Transform (rotation about the image centre) and the scale from a skimage model mapping moving
    (x, y) points to fixed ones.  Rows are y, so a counter-clockwise angle in (x, y) is -angle in (row, col)."""
    scale = float(getattr(model, "scale", 1.0))
    angle = -math.degrees(model.rotation)
    centre = image_centre(shape)
    centre_xy = centre[::-1]
    landed = model(centre_xy[None, :])[0][::-1]  # where the image centre goes, in (row, col)
    shift = landed - centre
    return Transform(float(shift[0]), float(shift[1]), angle), scale


def _failed(message: str, details: dict) -> MethodOutcome:
    return MethodOutcome(Transform(), cost=1.0, confidence=0.0, status=FAILED, message=message, details=details)


def run(fixed, moving, params, fixed_mask, moving_mask, progress) -> MethodOutcome:
    progress.update(0.05, "finding keypoints in the fixed image")
    fixed_points, fixed_desc = _detect(fixed, fixed_mask, params)
    progress.update(0.4, "finding keypoints in the moving image")
    moving_points, moving_desc = _detect(moving, moving_mask, params)
    progress.update(0.75, "matching keypoints")
    details: dict[str, Any] = {"keypoints_fixed": len(fixed_points), "keypoints_moving": len(moving_points)}
    if min(len(fixed_points), len(moving_points)) < params["min_inliers"]:
        return _failed(f"too few keypoints ({len(fixed_points)} fixed, {len(moving_points)} moving); "
                       "try SIFT or a method that uses all pixels", details)
    from skimage.feature import match_descriptors
    from skimage.measure import ransac

    matches = match_descriptors(fixed_desc, moving_desc, cross_check=True, max_ratio=0.8)
    details["matches"] = len(matches)
    if len(matches) < params["min_inliers"]:
        return _failed(f"only {len(matches)} keypoints match between the images", details)
    src = moving_points[matches[:, 1]][:, ::-1]  # (x, y)
    dst = fixed_points[matches[:, 0]][:, ::-1]
    progress.update(0.85, "fitting the motion robustly (RANSAC)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        model_class = _model_class(params)
        model, inliers = ransac((src, dst), model_class, min_samples=1 if model_class is _shift_only_class() else 2,
                                residual_threshold=params["residual"], max_trials=2000,
                                rng=np.random.default_rng(0))
    count = 0 if inliers is None else int(inliers.sum())
    details["inliers"] = count
    if model is None or count < params["min_inliers"]:
        return _failed(f"only {count} of {len(matches)} matches agree on one motion "
                       f"(need {params['min_inliers']})", details)
    transform, scale = skimage_to_transform(model, fixed.shape)
    residuals = model.residuals(src[inliers], dst[inliers])
    details.update(scale=scale, rms_residual_px=float(np.sqrt(np.mean(residuals ** 2))),
                   inlier_fraction=count / len(matches))
    confidence = min(1.0, count / (3.0 * params["min_inliers"])) * min(1.0, 2.0 * count / len(matches))
    if abs(scale - 1.0) > _MAX_SCALE_ERROR:
        status, message = LOW_CONFIDENCE, (f"the images differ in scale by {100 * (scale - 1):+.1f} %, which a "
                                           "rigid transform cannot correct")
    elif abs(transform.angle_deg) > params["angle_range"]:
        status, message = LOW_CONFIDENCE, (f"the fitted rotation {transform.angle_deg:+.1f} deg is outside the "
                                           f"angle range (+-{params['angle_range']:g} deg)")
    elif count < 2 * params["min_inliers"] or count < 0.2 * len(matches):
        status, message = LOW_CONFIDENCE, f"few consistent matches ({count} of {len(matches)})"
    else:
        status, message = OK, ""
    outcome = MethodOutcome(transform, cost=details["rms_residual_px"], confidence=float(confidence),
                            status=status, message=message, details=details)
    return confirm(outcome, fixed, moving, fixed_mask, moving_mask)


SPEC = register_method(MethodSpec(
    name="features", label="Keypoint matching",
    description="ORB or SIFT keypoints matched and fitted with RANSAC; handles large shifts and rotations "
                "when the images show distinct corners.",
    params=PARAMS, run=run, supports_rotation=True))
