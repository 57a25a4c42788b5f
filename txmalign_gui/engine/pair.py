"""`register_pair`: the one entry point that registers a moving image onto a fixed one."""

from __future__ import annotations

import time

import numpy as np

from . import validation
from .methods import get_method
from .progress import as_progress
from .result import RegistrationResult
from .second_opinion import check_method_name, second_opinion, with_second_opinion
from .transform import from_row, image_centre


def register_pair(fixed, moving, method: str = "tvdm", *, params=None, mask=None, roi=None,
                  progress=None, cancel=None, check=None) -> RegistrationResult:
    """Find the rigid transform that aligns `moving` with `fixed`.

    Parameters
    ----------
    fixed, moving : array_like, 2-D, same shape
        The target image and the image to align with it (any real dtype; NaN or constant images are refused).
    method : str
        A registered method (`txmalign methods`): "tvdm" (default), "phasecorr", "masked_ncc", "ssd",
        "mi" or "features".
    params : dict, optional
        Overrides of the method's parameters, e.g. ``{"rotation": True, "sigma": 2}``.
    mask : array_like of bool, or (fixed_mask, moving_mask), optional
        True (or nonzero) where a pixel may be used, e.g. not under a beam block.
    roi : (y0, y1, x0, x1), optional
        Register only this rectangle; a rotation found there is re-centred on the full image.
    progress : Progress or callable ``(fraction, message)``, optional
        Told how far the search is; cancelling it (or `cancel`) stops the search.
    cancel : threading.Event-like, optional
        Set it to stop at the next progress update.
    check : str, optional
        A second, independent method; a confident disagreement over 0.5 px lowers the status.

    Returns
    -------
    RegistrationResult
        ``result.transform`` (dy, dx, angle_deg) satisfies
        ``ndimage.shift(skimage.transform.rotate(moving, angle_deg), (dy, dx)) ~= fixed`` with the rotation
        about the image centre (see `engine.transform`); ``status`` is "ok" only when the method has evidence,
        otherwise "low_confidence" or "failed" with a ``message`` saying why.

    Raises
    ------
    InputError
        For bad input (shapes, NaN images, unknown method or parameter), with a message naming the problem.
    Cancelled
        When cancelled.
    """
    spec = get_method(method)
    check = check_method_name(check)
    resolved = spec.resolve(params)
    fixed = validation.check_image(fixed, "fixed image", keep_float32=spec.float32)
    moving = validation.check_image(moving, "moving image", keep_float32=spec.float32)
    validation.check_pair_shapes(fixed, moving)
    fixed_mask, moving_mask = validation.split_masks(mask, fixed.shape)
    roi = validation.check_roi(roi, fixed.shape)
    reporter = as_progress(progress, cancel)
    reporter.update(0.0, f"{spec.label}: starting")

    fixed_crop = validation.crop(fixed, roi)
    moving_crop = validation.crop(moving, roi)
    if roi is not None:
        validation.check_image(fixed_crop, "fixed image inside the ROI", keep_float32=True)
        validation.check_image(moving_crop, "moving image inside the ROI", keep_float32=True)

    start = time.perf_counter()
    outcome = spec.run(fixed_crop, moving_crop, resolved, validation.crop(fixed_mask, roi),
                       validation.crop(moving_mask, roi), reporter)
    seconds = time.perf_counter() - start
    transform = outcome.transform
    if roi is not None and not np.array_equal(transform.linear(), np.eye(2)):
        y0, _, x0, _ = roi
        roi_centre = image_centre(fixed_crop.shape) + (y0, x0)
        transform = transform.recentred(roi_centre, image_centre(fixed.shape))
    transform = from_row(transform.to_row())  # plain floats, same kind
    result = RegistrationResult(transform=transform, cost=float(outcome.cost), method=spec.name,
                                params=resolved, seconds=seconds, status=outcome.status,
                                confidence=float(outcome.confidence), message=outcome.message,
                                roi=roi, details=dict(outcome.details))
    if check is not None:
        reporter.update(0.95, f"second opinion ({check})")
        result = with_second_opinion(result, second_opinion(fixed, moving, result, check, fixed_mask,
                                                            moving_mask, roi))
    reporter.update(1.0, f"{spec.label}: done")
    return result
