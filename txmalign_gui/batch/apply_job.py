"""`run_apply`: resample another stack (raw data, another channel) with saved transforms."""

from __future__ import annotations

from typing import Optional

import numpy as np

from .. import io
from ..engine.errors import InputError
from ..engine.progress import Progress
from ..engine.stack import apply_transforms
from ..io.output_paths import check_outputs, source_file
from .prepare import PrepareOptions, check_stack_memory, prepare_stack


def check_shifts_fit(transforms: np.ndarray, frame_shape: tuple, origin: str) -> None:
    """Refuse shifts that move an image entirely out of its frame: the output would be all NaN."""
    height, width = frame_shape
    outside = np.flatnonzero((np.abs(transforms[:, 0]) >= height) | (np.abs(transforms[:, 1]) >= width))
    if len(outside):
        first = int(outside[0])
        dy, dx = transforms[first, :2]
        raise InputError(f"{origin}: the shift of image {first} (dy {dy:g}, dx {dx:g} px) moves it entirely out "
                         f"of its {height} x {width} frame ({len(outside)} such images); are these the "
                         "transforms of this stack?")


def run_apply(transforms_path: str, source: str, out: str, prepare: PrepareOptions,
              progress: Optional[Progress] = None, force: bool = False, skip_axis_values: int = 0) -> dict:
    """Apply the transforms in `transforms_path` (CSV or aligned HDF5; rigid, similarity or affine) to `source`.

    `out` ending in .tif/.tiff is written as a TIFF stack, anything else as aligned HDF5.
    """
    progress = progress or Progress()
    check_outputs([out], [source, transforms_path], force)
    transforms = io.read_transforms(transforms_path)
    data = io.read_stack(source, skip_axis_values=skip_axis_values)
    if len(transforms) != len(data):
        raise InputError(f"{transforms_path} holds {len(transforms)} transforms but {source} has "
                         f"{len(data)} images")
    check_shifts_fit(transforms, data.shape[1:], transforms_path)
    check_stack_memory(data, "resampling")
    images = prepare_stack(data, prepare)
    aligned = apply_transforms(images, transforms, progress=progress.sub(0.0, 0.9))
    progress.update(0.9, "writing")
    notes = list(data.metadata.get("warnings", []))
    record = io.RunRecord("applied", {}, source, preprocessing=prepare.to_dict(),
                          details=dict(transforms_from=transforms_path, messages=notes,
                                       linked_inputs=io.linked_checksums(data.metadata)))
    io.write_aligned(out, aligned, transforms, record, input_path=source_file(source),
                     energies=data.energies, angles=data.angles)
    progress.update(1.0, "done")
    return {"images": len(data), "output": out, "messages": notes}
