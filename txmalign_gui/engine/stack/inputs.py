"""Checks that turn a bad stack, reference or anchor into a clear `InputError` before any registration."""

from __future__ import annotations

from collections import OrderedDict
from typing import Optional, Set

import numpy as np

from ..errors import InputError
from ..in_memory import holds_in_memory
from ..validation import check_image


def load_stack(stack, name: str = "stack"):
    """Return `stack` checked, with float32 frames.

    An in-memory array becomes a float32 array whose every frame is checked (finite, not constant) now.
    A lazy (N, H, W) array-like (frames read or prepared on demand, `io.lazy`) stays lazy: it is wrapped so
    that each frame is converted and checked the first time it is read, and the stack is never held whole.
    """
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
    dtype = np.dtype(getattr(stack, "dtype", np.float64))
    if dtype.kind == "O" or not np.issubdtype(dtype, np.number):
        raise InputError(f"{name} is not numeric (dtype {dtype})")
    if not isinstance(stack, np.ndarray):
        return CheckedFrames(stack, name)
    array = stack.astype(np.float32, copy=False)
    for index in range(array.shape[0]):
        check_image(array[index], f"image {index} of the {name}", keep_float32=True)
    return array


class CheckedFrames:
    """A lazy stack whose frames come out float32 and checked (`check_image`) on first reading; the last
    `_KEEP` frames are kept: a target image serves several pairs in a row, each with a new moving image
    (more would be held by every process of a pool, for no gain)."""

    _KEEP = 2

    def __init__(self, stack, name: str):
        self.stack, self.name = stack, name
        self.shape = tuple(int(s) for s in stack.shape)
        self.dtype = np.dtype(np.float32)
        self.ndim = 3
        self._checked: Set[int] = set()
        self._recent: "OrderedDict[int, np.ndarray]" = OrderedDict()

    def __len__(self) -> int:
        return self.shape[0]

    def hold_in_memory(self, threads: int = 1) -> bool:
        """Whether the frames underneath are (now) all in memory: see `Frames.hold_in_memory`."""
        return holds_in_memory(self.stack, threads)

    def __getitem__(self, index):
        if not isinstance(index, (int, np.integer)):
            raise TypeError("a lazily read stack is indexed one frame at a time")
        if not -self.shape[0] <= index < self.shape[0]:
            raise IndexError(f"frame {index} is out of range for a stack of {self.shape[0]}")
        index = int(index) % self.shape[0]
        if index in self._recent:
            self._recent.move_to_end(index)
            return self._recent[index]
        frame = np.asarray(self.stack[index]).astype(np.float32, copy=False)
        if index not in self._checked:
            check_image(frame, f"image {index} of the {self.name}", keep_float32=True)
            self._checked.add(index)
        self._recent[index] = frame
        if len(self._recent) > self._KEEP:
            self._recent.popitem(last=False)
        return frame


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
