"""`run_tomo`: read a projection series and its angles, correct jitter, write the aligned series.

The output is the aligned HDF5 file in the Data Exchange layout as well, so TomoPy reads it unchanged.
"""

from __future__ import annotations

from typing import Optional

from .. import io
from ..engine.errors import InputError
from ..engine.progress import Progress
from ..engine.stack import apply_transforms
from ..engine.tomo import align_tomo
from ..io.output_paths import check_outputs, source_file
from .prepare import PrepareOptions, check_stack_memory, prepare_stack

_ALIGN_SHARE = 0.9


def tomo_record(result, data, angles_from: str, prepare: dict, program: str = "txmalign") -> "io.RunRecord":
    """The provenance record of a tomography alignment of the StackData `data` (the same from the CLI and
    the app), with the checksums of any other file its projections were read from."""
    return io.RunRecord(
        "tomo", result.params, data.source, strategy="tomographic consistency", preprocessing=dict(prepare),
        program=program,
        details=dict(angles_from=angles_from, centre_offset=result.centre_offset,
                     axis_tilt_deg=result.axis_tilt_deg, converged=result.converged,
                     iterations=[it.to_dict() for it in result.iterations], messages=list(result.messages),
                     linked_inputs=io.linked_checksums(data.metadata)))


def tomo_extras(result) -> dict:
    """The per-round residuals and preview slices stored beside the aligned projections."""
    return {"tomo/residuals": result.residuals if len(result.iterations) else None,
            "tomo/slice_before": result.slice_before, "tomo/slice_after": result.slice_after}


def run_tomo(source: str, out: str, angles: Optional[str] = None, params: Optional[dict] = None,
             prepare: PrepareOptions = PrepareOptions(minus_log=True), progress: Optional[Progress] = None,
             force: bool = False, skip_axis_values: int = 0) -> dict:
    """Align projections at `source` (angles from `angles` or the file) and write `out`; return a summary.

    Projections are flat/dark-normalised when the file has references and turned into line integrals
    with -log unless `prepare.minus_log` is off (for data that are already absorbance).
    `skip_axis_values` drops that many leading values of the angles file (entries of dark/flat frames).
    """
    progress = progress or Progress()
    check_outputs([out], [source, angles], force)
    data = io.read_stack(source, skip_axis_values=0 if angles else skip_axis_values)
    check_stack_memory(data, "aligning the projections of")
    angle_values = io.load_angles(angles, skip=skip_axis_values) if angles else data.angles
    if angle_values is None:
        raise InputError(f"{source} holds no rotation angles; give them with --angles FILE or "
                         "--angles file.h5:/dataset")
    if angles:
        data = data.with_angles(angle_values)
    projections = prepare_stack(data, prepare)
    result = align_tomo(projections, data.angles, params=params, progress=progress.sub(0.0, _ALIGN_SHARE))
    aligned = apply_transforms(projections, result.transforms, progress=progress.sub(_ALIGN_SHARE, 0.97))
    notes = list(data.metadata.get("warnings", []))
    record = tomo_record(result, data, angles or "file", prepare.to_dict())
    progress.update(0.97, "writing")
    io.write_aligned(out, aligned, result.transforms, record, input_path=source_file(source),
                     angles=result.angles_deg, extras=tomo_extras(result), tomography=True)
    progress.update(1.0, "done")
    last = result.iterations[-1] if result.iterations else None
    return {"projections": len(projections), "seconds": result.seconds, "converged": result.converged,
            "centre_offset_px": result.centre_offset, "axis_tilt_deg": result.axis_tilt_deg,
            "rounds": len(result.iterations), "last_rms_change_px": last.rms_change_px if last else None,
            "messages": notes + list(result.messages)}
