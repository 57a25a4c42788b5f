"""Checks that turn bad input into clear `InputError` messages before any maths runs."""

from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple, overload

import numpy as np

from .errors import InputError

Roi = Tuple[int, int, int, int]  # (y0, y1, x0, x1), half-open like Python slices


def check_image(image: Any, name: str = "image", min_size: int = 8, keep_float32: bool = False) -> np.ndarray:
    """Return `image` as a finite, non-constant 2-D float64 array (a float32 one unconverted with
    `keep_float32`) or raise `InputError`."""
    if image is None:
        raise InputError(f"{name} is missing")
    array = np.asarray(image)
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise InputError(f"{name} is not a numeric image (dtype {array.dtype})")
    if array.ndim == 3 and 1 in array.shape:
        array = np.squeeze(array)
    if array.ndim != 2:
        raise InputError(f"{name} must be a 2-D image, got an array of shape {array.shape}")
    if array.size == 0:
        raise InputError(f"{name} is empty (shape {array.shape})")
    if min(array.shape) < min_size:
        raise InputError(f"{name} is too small to register ({array.shape[0]} x {array.shape[1]} px; "
                         f"need at least {min_size} x {min_size})")
    if not np.issubdtype(array.dtype, np.floating):
        array = array.astype(np.float64)
    # NaN and infinities carry into the extremes, so two reductions check every pixel; in the image's own
    # float type, since a float64 copy of a 1024 px float32 frame took longer than the check
    low, high = float(array.min()), float(array.max())
    if not (np.isfinite(low) and np.isfinite(high)):
        bad = int(array.size - np.isfinite(array).sum())
        raise InputError(f"{name} contains {bad} NaN or infinite pixel(s); "
                         "mask them out or fix the data before registering")
    if high - low <= 1e-12 * max(1.0, abs(low), abs(high)):
        raise InputError(f"{name} is constant (every pixel is {array.flat[0]:g}); nothing to register")
    return array if keep_float32 and array.dtype == np.float32 else array.astype(np.float64, copy=False)


def check_mask(mask: Any, shape: Sequence[int], name: str = "mask") -> Optional[np.ndarray]:
    """Return `mask` as a bool array of `shape` (True = usable pixel) or None."""
    if mask is None:
        return None
    array = np.asarray(mask)
    if array.ndim == 3 and 1 in array.shape:
        array = np.squeeze(array)
    if array.shape != tuple(shape):
        raise InputError(f"{name} has shape {array.shape} but the images are {tuple(shape)}")
    array = array.astype(bool) if array.dtype != bool else array
    if array.sum() < 16:
        raise InputError(f"{name} leaves fewer than 16 usable pixels (True or nonzero = usable)")
    return array


def check_roi(roi: Any, shape: Sequence[int], min_size: int = 8) -> Optional[Roi]:
    """Return `roi` as an in-bounds (y0, y1, x0, x1) tuple or None; slices are accepted too."""
    if roi is None:
        return None
    if isinstance(roi, str):
        roi = parse_roi(roi)
    if len(roi) == 2 and all(isinstance(s, slice) for s in roi):
        ys, xs = roi
        roi = (ys.start or 0, shape[0] if ys.stop is None else ys.stop,
               xs.start or 0, shape[1] if xs.stop is None else xs.stop)
    try:
        y0, y1, x0, x1 = (int(v) for v in roi)
    except (TypeError, ValueError):
        raise InputError(f"ROI must be (y0, y1, x0, x1), got {roi!r}") from None
    if not (0 <= y0 < y1 <= shape[0] and 0 <= x0 < x1 <= shape[1]):
        raise InputError(f"ROI {y0}:{y1},{x0}:{x1} does not fit inside the {shape[0]} x {shape[1]} image")
    if y1 - y0 < min_size or x1 - x0 < min_size:
        raise InputError(f"ROI {y0}:{y1},{x0}:{x1} is smaller than {min_size} x {min_size} px")
    return (y0, y1, x0, x1)


def parse_roi(text: str) -> Roi:
    """Parse 'Y0:Y1,X0:X1' (as on the command line) into a tuple."""
    try:
        ypart, xpart = text.split(",")
        y0, y1 = ypart.split(":")
        x0, x1 = xpart.split(":")
        return (int(y0), int(y1), int(x0), int(x1))
    except ValueError:
        raise InputError(f"ROI must look like Y0:Y1,X0:X1 (e.g. 100:400,50:450), got {text!r}") from None


def check_pair_shapes(fixed: np.ndarray, moving: np.ndarray) -> None:
    if fixed.shape != moving.shape:
        raise InputError(f"fixed and moving images differ in shape: {fixed.shape} vs {moving.shape}; "
                         "crop or bin them to the same size first")


def split_masks(mask: Any, shape: Sequence[int]) -> Tuple[Optional[np.ndarray], Optional[np.ndarray]]:
    """Accept one mask for both images or a (fixed_mask, moving_mask) pair."""
    if isinstance(mask, (tuple, list)) and len(mask) == 2 and not np.isscalar(mask[0]) \
            and (mask[0] is None or np.ndim(mask[0]) == 2):
        return (check_mask(mask[0], shape, "fixed mask"), check_mask(mask[1], shape, "moving mask"))
    checked = check_mask(mask, shape)
    return checked, checked


@overload
def crop(array: np.ndarray, roi: Optional[Sequence[int]]) -> np.ndarray: ...
@overload
def crop(array: None, roi: Optional[Sequence[int]]) -> None: ...
def crop(array: Optional[np.ndarray], roi: Optional[Sequence[int]]) -> Optional[np.ndarray]:
    if array is None or roi is None:
        return array
    y0, y1, x0, x1 = roi
    return array[y0:y1, x0:x1]
