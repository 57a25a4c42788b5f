"""`run_align`: read a stack, align it with a chosen method and strategy, write the results atomically."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from .. import io
from ..io.paths import split_source
from ..engine.errors import InputError
from ..engine.progress import Progress
from ..engine.stack import align_stack, apply_transforms
from .prepare import PrepareOptions, prepare_stack

# Share of the progress bar spent registering; the rest resamples and writes.
_REGISTER_SHARE = 0.85


@dataclass(frozen=True)
class AlignOptions:
    """Everything that decides an alignment run besides the input and output paths."""

    method: str = "tvdm"
    params: dict = field(default_factory=dict)
    strategy: str = "anchor"
    anchor: Optional[int] = None
    chunk_size: int = 5
    window: int = 3
    binning: int = 1
    roi: Optional[tuple] = None
    mask_path: Optional[str] = None
    reference: Optional[str] = None
    jobs: int = 0
    check_method: str = "none"
    prepare: PrepareOptions = PrepareOptions()


def check_output(path: str, inputs, force: bool) -> None:
    """Refuse to write over an input, and over an existing file unless `force`."""
    for source in inputs:
        if source and os.path.exists(path) and os.path.exists(source_file(source)) \
                and os.path.samefile(path, source_file(source)):
            raise InputError(f"refusing to overwrite the input {path}; choose another output name")
    if os.path.exists(path) and not force:
        raise InputError(f"{path} already exists; choose another name or pass --force to replace it")


def source_file(source: str) -> str:
    """The file or folder part of a source such as `scan.h5:/img_xanes[3]`."""
    return split_source(source)[0]


def run_align(source: str, out: str, options: AlignOptions, progress: Optional[Progress] = None,
              transforms_csv: Optional[str] = None, tiff: Optional[str] = None, force: bool = False) -> dict:
    """Align the stack at `source` and write `out` (HDF5), plus optional CSV and TIFF; return a summary."""
    progress = progress or Progress()
    for path in (out, transforms_csv, tiff):
        if path:
            check_output(path, [source, options.reference, options.mask_path], force)
    data = io.read_stack(source)
    images = prepare_stack(data, options.prepare)
    mask = io.read_mask(options.mask_path) if options.mask_path else None
    reference = io.read_image(options.reference) if options.reference else None
    result = align_stack(images, method=options.method, params=options.params, strategy=options.strategy,
                         anchor=options.anchor, chunk_size=options.chunk_size, window=options.window,
                         mask=mask, roi=options.roi, reference=reference, jobs=options.jobs,
                         binning=options.binning, check_method=options.check_method,
                         progress=progress.sub(0.0, _REGISTER_SHARE))
    aligned = apply_transforms(images, result.transforms,
                               progress=progress.sub(_REGISTER_SHARE, 0.95))
    provenance = io.build_provenance(
        result.method, result.params, result.strategy, result.anchor, source,
        chunk_size=options.chunk_size, window=options.window, binning=options.binning,
        roi=list(options.roi) if options.roi else None, mask=options.mask_path,
        reference=options.reference, preprocessing=options.prepare.to_dict(),
        flagged_pairs=result.flagged_pairs, messages=result.messages, check_method=result.check_method,
        check_disagreements=result.check_disagreements)
    checks = {} if result.check_differences is None else {"check_differences_px": result.check_differences}
    progress.update(0.95, "writing")
    io.write_aligned_hdf5(out, aligned, result.transforms, costs=result.costs,
                          confidences=result.confidences, statuses=result.statuses,
                          energies=data.energies, angles=data.angles, provenance=provenance,
                          input_path=source_file(source), extras=checks)
    if transforms_csv:
        io.write_transforms_csv(transforms_csv, result.transforms, input_path=source_file(source),
                                extra_columns=checks)
    if tiff:
        io.write_tiff_stack(tiff, aligned, input_path=source_file(source))
    progress.update(1.0, "done")
    return summarise(result, len(images))


def summarise(result, count: int) -> dict:
    """Counts and extremes a person reads after a run."""
    shifts = np.hypot(result.transforms[:, 0], result.transforms[:, 1])
    worst = int(np.argmin(result.confidences)) if count else 0
    return {
        "images": count, "method": result.method, "strategy": result.strategy, "anchor": int(result.anchor),
        "seconds": float(result.seconds), "statuses": dict(Counter(result.statuses)),
        "largest_shift_px": float(shifts.max()) if count else 0.0,
        "largest_angle_deg": float(np.abs(result.transforms[:, 2]).max()) if count else 0.0,
        "lowest_confidence": (worst, float(result.confidences[worst])) if count else None,
        "flagged_pairs": len(result.flagged_pairs), "messages": list(result.messages),
        "check_method": result.check_method, "check_disagreements": result.check_disagreements,
    }
