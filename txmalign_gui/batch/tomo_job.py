"""`run_tomo`: read a projection series and its angles, correct jitter, write the aligned series."""

from __future__ import annotations

from typing import Optional

from .. import io
from ..engine.errors import InputError
from ..engine.progress import Progress
from ..engine.stack import apply_transforms
from ..engine.tomo import align_tomo
from .align_job import check_output, source_file
from .prepare import PrepareOptions, prepare_stack

_ALIGN_SHARE = 0.9


def run_tomo(source: str, out: str, angles: Optional[str] = None, params: Optional[dict] = None,
             prepare: PrepareOptions = PrepareOptions(minus_log=True), progress: Optional[Progress] = None,
             force: bool = False) -> dict:
    """Align projections at `source` (angles from `angles` or the file) and write `out`; return a summary.

    Projections are flat/dark-normalised when the file has references and turned into line integrals
    with -log unless `prepare.minus_log` is off (for data that are already absorbance).
    """
    progress = progress or Progress()
    check_output(out, [source, angles], force)
    data = io.read_stack(source)
    angle_values = io.load_angles(angles) if angles else data.angles
    if angle_values is None:
        raise InputError(f"{source} holds no rotation angles; give them with --angles FILE or "
                         "--angles file.h5:/dataset")
    projections = prepare_stack(data, prepare)
    result = align_tomo(projections, angle_values, params=params, progress=progress.sub(0.0, _ALIGN_SHARE))
    aligned = apply_transforms(projections, result.transforms, progress=progress.sub(_ALIGN_SHARE, 0.97))
    provenance = io.build_provenance(
        "tomo", result.params, "tomographic consistency", None, source, angles_from=angles or "file",
        preprocessing=prepare.to_dict(), centre_offset=result.centre_offset,
        axis_tilt_deg=result.axis_tilt_deg, converged=result.converged,
        iterations=[it.to_dict() for it in result.iterations], messages=result.messages)
    extras = {"tomo/residuals": result.residuals if len(result.iterations) else None,
              "tomo/slice_before": result.slice_before, "tomo/slice_after": result.slice_after}
    progress.update(0.97, "writing")
    io.write_aligned_hdf5(out, aligned, result.transforms, angles=result.angles_deg, provenance=provenance,
                          input_path=source_file(source), extras=extras)
    progress.update(1.0, "done")
    last = result.iterations[-1] if result.iterations else None
    return {"projections": len(projections), "seconds": result.seconds, "converged": result.converged,
            "centre_offset_px": result.centre_offset,
            "axis_tilt_deg": result.axis_tilt_deg, "rounds": len(result.iterations),
            "last_rms_change_px": last.rms_change_px if last else None, "messages": list(result.messages)}
