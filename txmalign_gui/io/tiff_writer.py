"""Write an image stack as one multi-page float32 TIFF, frame by frame and atomically."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
import tifffile

from ..engine.errors import InputError
from .atomic import atomic_output

_BIGTIFF_BYTES = 2 ** 31


def write_tiff_stack(path: str, stack: Any, *, input_path: Optional[str] = None,
                     description: Optional[str] = None) -> None:
    """Write the (N, H, W) `stack` (array or lazy array-like) as float32; never over `input_path`.

    `description` (e.g. provenance JSON) is stored in the first page's ImageDescription tag."""
    shape = tuple(getattr(stack, "shape", np.shape(stack)))
    if len(shape) != 3:
        raise InputError(f"cannot write {path}: a stack (N x H x W) is needed, got shape {shape}")
    frames = (np.asarray(stack[i], dtype=np.float32) for i in range(shape[0]))
    with atomic_output(path, [input_path]) as temporary:
        with tifffile.TiffWriter(temporary, bigtiff=4 * int(np.prod(shape)) >= _BIGTIFF_BYTES) as writer:
            writer.write(frames, shape=shape, dtype=np.float32, photometric="minisblack",
                         description=description, metadata=None)
