"""The tomography job the window's background worker runs, and the writer of its result.

`TomoJob.run` prepares the projections (flat/dark, -log), calls the engine's `align_tomo` and
applies the corrections; it never touches a widget.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Mapping, Optional

import numpy as np

from ... import io as txio
from ...batch.prepare import PrepareOptions, prepare_stack
from ...batch.tomo_job import tomo_extras, tomo_record
from ...engine.errors import InputError, TxmAlignError
from ...engine.params import Param, ParamSet
from ...engine.progress import Progress
from ...engine.stack import apply_transforms
from ...engine.tomo import TomoIteration, TomoResult, align_tomo
from ...io.axis_values import find_sidecar, load_angles

TOMO_ANGLE_PARAMS = ParamSet((
    Param("first", "First angle (°)", float, 0.0, "Rotation angle of the first projection.",
          minimum=-3600.0, maximum=3600.0),
    Param("last", "Last angle (°)", float, 180.0,
          "Rotation angle of the last projection; the others are evenly spaced in between.",
          minimum=-3600.0, maximum=3600.0),
))

_ALIGN_END = 0.92


def skip_angles(values, count: int, skip: int) -> np.ndarray:
    """The `count` angles that follow the first `skip` values of an angles file holding more values than
    projections (a scan that also logged its dark and flat images)."""
    values = np.asarray(values, dtype=float)
    if skip < 0 or skip + count > len(values):
        raise InputError(f"skipping {skip} of {len(values)} values leaves fewer than the {count} angles needed")
    return values[skip:skip + count]


def longer_angles_file(stack) -> Optional[tuple]:
    """(file name, its values) when the folder or file of `stack` has an angles file with more values than
    projections (the reader then leaves the angles out and warns); None otherwise."""
    if stack.angles is not None or not os.path.exists(stack.path):
        return None
    try:
        sidecar = find_sidecar(stack.path, "angles")
        values = None if sidecar is None else load_angles(sidecar)
    except (TxmAlignError, OSError, ValueError):
        return None
    if values is None or len(values) <= len(stack):
        return None
    return os.path.basename(sidecar), values


def default_skip(values: int, count: int) -> int:
    """A first guess of how many leading values to skip: half the surplus (darks and flats are usually
    recorded before and after the projections)."""
    return max(0, (values - count) // 2)


def result_from_dict(state: dict) -> TomoResult:
    """A TomoResult from its `to_dict()` (a session); the preview slices are not stored."""
    return TomoResult(transforms=np.array(state["transforms"], dtype=float).reshape(-1, 3),
                      angles_deg=np.array(state["angles_deg"], dtype=float),
                      centre_offset=float(state["centre_offset"]),
                      iterations=[TomoIteration(**it) for it in state.get("iterations", ())],
                      params=dict(state.get("params", {})), seconds=float(state.get("seconds", 0.0)),
                      converged=bool(state.get("converged", False)), slice_row=state.get("slice_row"),
                      messages=list(state.get("messages", ())))


def evenly_spaced_angles(projections: int, first: float, last: float) -> np.ndarray:
    """Angles of `projections` projections from `first` to `last` degrees inclusive."""
    return np.linspace(first, last, projections)


@dataclass(frozen=True)
class TomoOutput:
    """A finished tomography run: the engine's TomoResult, the prepared projections and the aligned ones."""

    job: "TomoJob"
    result: Any
    projections: np.ndarray
    aligned: np.ndarray


@dataclass(frozen=True)
class TomoJob:
    """Everything one tomography run needs, copied from the widgets when Run was pressed."""

    stack: Any
    angles: np.ndarray
    params: Mapping
    prepare: PrepareOptions
    angles_from: str = "file"
    result: Any = None  # a TomoResult to re-apply (restoring a session) instead of aligning
    news: Optional[Callable[[tuple], None]] = field(default=None, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))

    def run(self, progress: Progress) -> TomoOutput:
        """Prepare, align and resample; `news((TomoIteration, transforms))` after every round."""
        progress.update(0.0, "reading and preparing the projections")
        projections = prepare_stack(self.stack, self.prepare)
        result = self.result if self.result is not None else align_tomo(
            projections, self.angles, params=dict(self.params), progress=progress.sub(0.02, _ALIGN_END),
            on_iteration=lambda it, transforms: self.news and self.news((it, transforms)))
        aligned = apply_transforms(projections, result.transforms, progress=progress.sub(_ALIGN_END, 1.0))
        progress.update(1.0, "done")
        return TomoOutput(job=self, result=result, projections=projections, aligned=aligned)


def save_tomo(path: str, output: TomoOutput) -> None:
    """Write the aligned projections with the command line's writer (`io.write_aligned`): TIFF for
    .tif/.tiff, otherwise HDF5 (also in the Data Exchange layout) with angles, corrections, provenance,
    per-round residuals and the preview slices, exactly as `txmalign tomo` writes them."""
    stack, result = output.job.stack, output.result
    record = tomo_record(result, stack, output.job.angles_from, output.job.prepare.to_dict(),
                         program="txmalign-gui")
    txio.write_aligned(path, output.aligned, result.transforms, record, input_path=stack.path,
                       angles=result.angles_deg, extras=tomo_extras(result), tomography=True)
