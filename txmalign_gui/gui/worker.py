"""The stack alignment job: a frozen, Qt-free copy of everything the engine needs, taken when Run was
pressed, run by the window's JobRunner (`run(progress)`) off the GUI thread."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Callable, Mapping, Optional

import numpy as np

from ..engine.progress import Progress
from ..engine.stack import align_stack, apply_transforms
from .prepare import prepare_images


@dataclass(frozen=True)
class AlignJob:
    """Everything one run needs, copied from the widgets when Run was pressed.

    `stack` is a StackData; `prepare` holds the PREPARE_PARAMS values; `frames` (sorted
    indices) re-runs only those frames, each registered onto frame `anchor`.  With
    `transforms` given (N, 3) nothing is registered: the job only resamples the stack
    (restoring a session).
    """

    stack: Any
    method: str
    params: Mapping
    stack_options: Mapping
    reference: Optional[np.ndarray] = None
    roi: Optional[tuple] = None
    mask: Optional[np.ndarray] = None
    frames: Optional[tuple] = None
    anchor: Optional[int] = None
    transforms: Optional[np.ndarray] = None
    prepare: Mapping = field(default_factory=dict)
    news: Optional[Callable[[tuple], None]] = field(default=None, compare=False)

    def __post_init__(self):
        for name in ("params", "stack_options", "prepare"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))

    def run(self, progress: Progress) -> "JobOutput":
        """Prepare, register and resample (see the class); `news((index, RegistrationResult))` per frame."""
        progress.update(0.0, "reading the stack")
        images = prepare_images(self.stack, self.stack.load(), self.prepare)
        if self.transforms is not None:
            progress.update(0.1, "applying the saved transforms")
            aligned = apply_transforms(images, self.transforms, progress=progress.sub(0.1, 1.0))
            return JobOutput(job=self, result=None, aligned=aligned)
        if self.frames is not None:
            return self._rerun(images, progress)
        progress.update(0.05, "aligning")
        result = align_stack(images, method=self.method, params=dict(self.params), mask=self.mask, roi=self.roi,
                             reference=self.reference, progress=progress.sub(0.05, 0.9),
                             on_result=lambda i, r: self._tell(int(i), r),
                             binning=int(self.prepare.get("binning", 1)), **self.stack_options)
        aligned = apply_transforms(images, result.transforms, progress=progress.sub(0.9, 1.0))
        progress.update(1.0, "done")
        return JobOutput(job=self, result=result, aligned=aligned)

    def _rerun(self, images: np.ndarray, progress: Progress) -> JobOutput:
        """Register the selected frames onto the anchor frame (or the separate reference) again.

        The anchor goes first in a small stack aligned with the anchor strategy, so even one
        selected frame makes a valid stack; only the selected frames' rows are returned.
        """
        order = [self.anchor] + [f for f in self.frames if f != self.anchor]
        keep = [i for i, frame in enumerate(order) if frame in self.frames]
        reference = self.reference
        if reference is not None and np.ndim(reference) == 3:
            reference = reference[order]
        options = {**self.stack_options, "strategy": "anchor", "anchor": 0}
        progress.update(0.05, "aligning the selected frames")
        result = align_stack(images[order], method=self.method, params=dict(self.params), mask=self.mask,
                             roi=self.roi, reference=reference, progress=progress.sub(0.05, 0.9),
                             on_result=lambda i, r: self._tell(int(order[i]), r),
                             binning=int(self.prepare.get("binning", 1)), **options)
        result = replace(result, transforms=np.asarray(result.transforms)[keep],
                         costs=np.asarray(result.costs)[keep], confidences=np.asarray(result.confidences)[keep],
                         statuses=[result.statuses[i] for i in keep])
        frames = tuple(order[i] for i in keep)
        aligned = apply_transforms(images[list(frames)], result.transforms, progress=progress.sub(0.9, 1.0))
        progress.update(1.0, "done")
        return JobOutput(job=self, result=result, aligned=aligned, frames=frames)

    def _tell(self, index: int, result) -> None:
        if self.news is not None:
            self.news((index, result))


@dataclass
class JobOutput:
    """What a finished job hands back: the engine's StackResult (None for a resampling-only job) and the
    aligned frames it covers."""

    job: AlignJob
    result: Any
    aligned: np.ndarray
    frames: Optional[tuple] = field(default=None)
