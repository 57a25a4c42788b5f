"""Checks that turn a bad stack, reference or anchor into a clear `InputError` before any registration."""

from __future__ import annotations

from typing import Optional

import numpy as np

from ..errors import InputError
from ..validation import check_image


def load_stack(stack, name: str = "stack") -> np.ndarray:
    """Return `stack` (array or lazy (N, H, W) object) as a checked float32 array; every frame finite."""
    if stack is None:
        raise InputError(f"{name} is missing")
    shape = getattr(stack, "shape", None)
    if shape is None:
        stack = np.asarray(stack)
        shape = stack.shape
    if len(shape) == 2:
        raise InputError(f"{name} is a single 2-D image of shape {tuple(shape)}; "
                         "a stack needs shape (images, rows, columns)")
    if len(shape) != 3:
        raise InputError(f"{name} must have shape (images, rows, columns), got {tuple(shape)}")
    if shape[0] < 2:
        raise InputError(f"{name} has {shape[0]} image(s); aligning needs at least 2")
    array = np.asarray(stack[()] if not isinstance(stack, np.ndarray) else stack)
    if array.dtype == object or not np.issubdtype(array.dtype, np.number):
        raise InputError(f"{name} is not numeric (dtype {array.dtype})")
    array = array.astype(np.float32, copy=False)
    for index in range(array.shape[0]):
        check_image(array[index], f"image {index} of the {name}")
    return array


def load_reference(reference, shape) -> Optional[np.ndarray]:
    """A separate registration target: None, one 2-D image or a stack of one target per image."""
    if reference is None:
        return None
    array = np.asarray(reference)
    if array.ndim == 2:
        if array.shape != tuple(shape[1:]):
            raise InputError(f"the reference image is {array.shape} but the stack's images are {tuple(shape[1:])}")
        return check_image(array, "reference image").astype(np.float32)
    if array.shape != tuple(shape):
        raise InputError(f"the reference stack has shape {array.shape}; it needs one target per image, "
                         f"shape {tuple(shape)}")
    return load_stack(array, "reference stack")


def resolve_anchor(anchor, count: int) -> int:
    """The anchor index: None or -1 means the middle image; anything outside the stack is an error."""
    if anchor is None or int(anchor) == -1:
        return count // 2
    index = int(anchor)
    if not 0 <= index < count:
        raise InputError(f"anchor image {index} is outside the stack (valid: 0 to {count - 1}, or -1 for the middle)")
    return index
