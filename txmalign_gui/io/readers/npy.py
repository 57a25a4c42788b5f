"""Reader for numpy `.npy` stacks, memory-mapped so that only the frames used are read."""

from __future__ import annotations

from typing import Optional

import numpy as np

from ...engine.errors import InputError
from ..axis_values import sidecar_values
from ..registry import Reader, register_reader
from ..stack_data import StackData


def read_npy_array(path: str) -> np.ndarray:
    """The array in a `.npy` file, memory-mapped read-only, or `InputError` naming the file."""
    try:
        array: np.ndarray = np.load(path, mmap_mode="r", allow_pickle=False)
        return array
    except (OSError, ValueError) as error:
        raise InputError(f"cannot read {path} as a numpy .npy file: {error}") from error


def read_npy(path: str, dataset: Optional[str] = None) -> StackData:
    images = read_npy_array(path)
    metadata = {"format": "npy"}
    extra = sidecar_values(path, images.shape, metadata)
    return StackData(images=images, path=path, metadata=metadata, **extra)


def _is_npy(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(6) == b"\x93NUMPY"
    except OSError:
        return False


register_reader(Reader("npy", "numpy array", (".npy",), _is_npy, read_npy))
