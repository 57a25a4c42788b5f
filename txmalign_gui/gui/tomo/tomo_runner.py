"""The tomography job the window's background worker runs, and the writer of its result.

`TomoJob.execute` prepares the projections (flat/dark, -log), calls the engine's `align_tomo` and
applies the corrections; it never touches a widget.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import count
from types import MappingProxyType
from typing import Any, Callable, Mapping

import numpy as np

from ... import io as txio
from ...batch.prepare import PrepareOptions, prepare_stack
from ...batch.tomo_job import tomo_extras, tomo_record
from ...engine.params import Param, ParamSet
from ...engine.progress import Progress
from ...engine.stack import apply_transforms
from ...engine.tomo import align_tomo

TOMO_PREPARE_PARAMS = ParamSet((
    Param("flat_field", "Flat-field correction", bool, True,
          "Subtract the dark images and divide by the flat (bright-field) images the file holds; "
          "ignored when the file has no flats."),
    Param("minus_log", "Absorbance (-ln)", bool, True,
          "Turn transmission into line integrals; switch off when the projections already are absorbance."),
))

TOMO_ANGLE_PARAMS = ParamSet((
    Param("first", "First angle (°)", float, 0.0, "Rotation angle of the first projection.",
          minimum=-3600.0, maximum=3600.0),
    Param("last", "Last angle (°)", float, 180.0,
          "Rotation angle of the last projection; the others are evenly spaced in between.",
          minimum=-3600.0, maximum=3600.0),
))

_ALIGN_END = 0.92


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

    def __post_init__(self):
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))

    def execute(self, progress: Progress, report: Callable[[int, Any], None]) -> TomoOutput:
        """Prepare, align and resample; `report(round, (TomoIteration, transforms))` after every round."""
        progress.update(0.0, "reading and preparing the projections")
        projections = prepare_stack(self.stack, self.prepare)
        rounds = count()
        result = align_tomo(projections, self.angles, params=dict(self.params),
                            progress=progress.sub(0.02, _ALIGN_END),
                            on_iteration=lambda it, transforms: report(next(rounds), (it, transforms)))
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
