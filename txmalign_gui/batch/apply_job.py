"""`run_apply`: resample another stack (raw data, another channel) with saved transforms."""

from __future__ import annotations

from typing import Optional

from .. import io
from ..engine.errors import InputError
from ..engine.progress import Progress
from ..engine.stack import apply_transforms
from .align_job import check_output, source_file
from .prepare import PrepareOptions, prepare_stack


def run_apply(transforms_path: str, source: str, out: str, prepare: PrepareOptions,
              progress: Optional[Progress] = None, force: bool = False) -> dict:
    """Apply the (N, 3) transforms in `transforms_path` (CSV or aligned HDF5) to `source`; write `out`.

    `out` ending in .tif/.tiff is written as a TIFF stack, anything else as aligned HDF5.
    """
    progress = progress or Progress()
    check_output(out, [source, transforms_path], force)
    transforms = io.read_transforms(transforms_path)
    data = io.read_stack(source)
    if len(transforms) != len(data):
        raise InputError(f"{transforms_path} holds {len(transforms)} transforms but {source} has "
                         f"{len(data)} images")
    images = prepare_stack(data, prepare)
    aligned = apply_transforms(images, transforms, progress=progress.sub(0.0, 0.9))
    progress.update(0.9, "writing")
    if out.lower().endswith((".tif", ".tiff")):
        io.write_tiff_stack(out, aligned, input_path=source_file(source))
    else:
        provenance = io.build_provenance("applied", {}, None, None, source, transforms_from=transforms_path,
                                         preprocessing=prepare.to_dict())
        io.write_aligned_hdf5(out, aligned, transforms, energies=data.energies, angles=data.angles,
                              provenance=provenance, input_path=source_file(source))
    progress.update(1.0, "done")
    return {"images": len(data), "output": out}
