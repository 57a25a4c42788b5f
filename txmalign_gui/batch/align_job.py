"""`run_align`: read a stack, align it with a chosen method and strategy, write the results atomically."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from .. import io
from ..engine.progress import Progress
from ..engine.stack import align_stack, apply_transforms
from ..engine.stack.params import STACK_PARAMS
from ..engine.stack.runner import worker_count
from ..engine.stack.trust import too_many_failed
from ..engine.transform import display_rows
from ..io.lazy import LazyFrames, ReadAhead
from ..io.memory import check_disk_space
from ..io.output_paths import check_outputs, source_file
from .prepare import PrepareOptions, affordable_workers, prepared_frames, raw_frames

# Share of the progress bar spent registering; the rest resamples and writes, frame by frame.
_REGISTER_SHARE = 0.85


@dataclass(frozen=True)
class AlignOptions:
    """Everything that decides an alignment run besides the input and output paths."""

    method: str = "tvdm"
    params: dict = field(default_factory=dict)
    strategy: str = "anchor"
    anchor: Optional[int] = None
    chunk_size: int = STACK_PARAMS.get("chunk_size").default
    average_chunks: bool = True
    window: int = 3
    binning: int = 1
    roi: Optional[tuple] = None
    mask_path: Optional[str] = None
    reference: Optional[str] = None
    jobs: int = 0
    check_method: str = "none"
    transform: str = "rigid"
    prepare: PrepareOptions = PrepareOptions()
    skip_axis_values: int = 0

    def stack_options(self) -> dict:
        """The options recorded in the provenance under `options` (as the app records its stack options)."""
        return {"strategy": self.strategy, "anchor": self.anchor, "chunk_size": self.chunk_size,
                "average_chunks": self.average_chunks, "window": self.window, "binning": self.binning,
                "jobs": self.jobs,
                "check_method": self.check_method, "transform": self.transform}


def run_align(source: str, out: str, options: AlignOptions, progress: Optional[Progress] = None,
              transforms_csv: Optional[str] = None, tiff: Optional[str] = None, force: bool = False) -> dict:
    """Align the stack at `source` and write `out` (HDF5), plus optional CSV and TIFF; return a summary.

    The summary's `trusted` is False when more than half of the images failed (the CLI exits 1 then).
    """
    progress = progress or Progress()
    check_outputs([out, transforms_csv, tiff], [source, options.reference, options.mask_path], force)
    data = io.read_stack(source, skip_axis_values=options.skip_axis_values)
    # the default (one worker per idle core) takes only the workers the memory affords
    cores = worker_count(options.jobs)
    workers = cores if options.jobs else affordable_workers(data, cores)
    jobs = options.jobs if workers == cores else workers
    raw = raw_frames(data, "aligning", workers)
    count, height, width = data.shape
    for path in (out, tiff):  # refused now rather than after the registration
        if path:
            check_disk_space(path, 4.0 * count * height * width)
    images = prepared_frames(data, options.prepare, raw)
    mask = io.read_mask(options.mask_path) if options.mask_path else None
    reference = io.read_image(options.reference) if options.reference else None
    result = align_stack(images, method=options.method, params=options.params, strategy=options.strategy,
                         anchor=options.anchor, chunk_size=options.chunk_size,
                         average_chunks=options.average_chunks, window=options.window,
                         mask=mask, roi=options.roi, reference=reference, jobs=jobs,
                         binning=options.binning, check_method=options.check_method, transform=options.transform,
                         progress=progress.sub(0.0, _REGISTER_SHARE))
    aligned = aligned_frames(images, result.transforms, progress.sub(_REGISTER_SHARE, 1.0))
    notes = list(data.metadata.get("warnings", []))
    checks = {} if result.check_differences is None else {"check_differences_px": result.check_differences}
    record = io.RunRecord(
        result.method, result.params, source, strategy=result.strategy, anchor=result.anchor,
        preprocessing=options.prepare.to_dict(), options=options.stack_options(),
        details=dict(roi=list(options.roi) if options.roi else None, mask=options.mask_path,
                     reference=options.reference, flagged_pairs=result.flagged_pairs,
                     linked_inputs=io.linked_checksums(data.metadata),
                     messages=notes + list(result.messages), check_method=result.check_method,
                     check_disagreements=result.check_disagreements))
    with ReadAhead(aligned) as frames:  # the next frame is resampled while this one is written
        io.write_aligned(out, frames, result.transforms, record, input_path=source_file(source),
                         costs=result.costs, confidences=result.confidences, statuses=result.statuses,
                         energies=data.energies, angles=data.angles, extras=checks)
    if transforms_csv:
        io.write_transforms_csv(transforms_csv, result.transforms, input_path=source_file(source),
                                extra_columns=checks)
    if tiff:
        with ReadAhead(aligned) as frames:
            io.write_aligned(tiff, frames, result.transforms, record, input_path=source_file(source))
    progress.update(1.0, "done")
    summary = summarise(result, len(images))
    summary["messages"] = notes + summary["messages"]
    return summary


def aligned_frames(images, transforms, progress: Progress) -> LazyFrames:
    """The aligned stack as a lazy array: frame i is resampled when the writer asks for it, so the aligned
    frames are written as they are made and never held together."""
    count = len(images)

    def align_frame(index: int) -> np.ndarray:
        frame = apply_transforms(images[index][None], transforms[index:index + 1])[0]
        progress.update((index + 1) / count, f"resampled and wrote {index + 1} of {count} images")
        return frame

    return LazyFrames(count, images.shape[1:], np.float32, align_frame)


def summarise(result, count: int) -> dict:
    """Counts and extremes a person reads after a run."""
    rows = display_rows(result.transforms)
    shifts = np.hypot(rows[:, 0], rows[:, 1])
    scales = [result.transform(i).scale for i in range(count)]
    worst = int(np.argmin(result.confidences)) if count else 0
    return {
        "images": count, "method": result.method, "strategy": result.strategy, "anchor": int(result.anchor),
        "seconds": float(result.seconds), "statuses": dict(Counter(result.statuses)),
        "largest_shift_px": float(shifts.max()) if count else 0.0,
        "largest_angle_deg": float(np.abs(rows[:, 2]).max()) if count else 0.0,
        "transform_kind": result.kind,
        "largest_scale_change": float(max(abs(s - 1.0) for s in scales)) if count else 0.0,
        "lowest_confidence": (worst, float(result.confidences[worst])) if count else None,
        "flagged_pairs": len(result.flagged_pairs), "messages": list(result.messages),
        "trusted": not too_many_failed(result.statuses),
        "check_method": result.check_method, "check_disagreements": result.check_disagreements,
    }
