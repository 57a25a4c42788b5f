"""XANES tomography (FXI style: one tomography series per energy): align each series, then the series to
each other, and write one file with the per-energy and per-projection transforms.

Each series is first aligned on its own by tomographic consistency (`run_tomo`, as `batch tomo`).  That
leaves what one series cannot see: a shift of the whole series between energies (optics or stage drift).
Then every other series is registered onto the reference series projection by projection at the same
angle, with a pair method made for the edge contrast change (TVDM by default).  The measured (dy, dx) of
projection i of energy e become
    dy_e(i) = a_e                              (a vertical shift of the whole series)
    dx_e(i) = b_e + c_e cos(t_i) + d_e sin(t_i)   (a detector shift plus a sample move in the plane)
fitted robustly (median for dy; least squares for dx with measurements more than 3 robust deviations off
dropped once), because one pair at a grazing angle or with poor contrast must not move a whole energy.
The per-projection transform of energy e is its series correction plus the fitted cross-energy shift, so
`apply_transforms` with it puts every energy on the reference series' aligned frame.
"""

from __future__ import annotations

import os
import time
from typing import Any, Dict, List, Optional, Sequence

import h5py
import numpy as np

from .. import __version__
from ..engine.errors import InputError
from ..engine.methods import get_method
from ..engine.progress import Progress
from ..io.atomic import atomic_output
from ..io.h5tools import new_h5
from ..io.output_paths import check_outputs, source_file
from ..io.provenance import provenance_json

FORMAT_NAME = "txmalign xanes tomography transforms"
_ANGLE_TOLERANCE_DEG = 0.5  # series are matched projection by projection; their angles must agree this well
_SINUSOID_SPAN_DEG = 60.0  # below this angular span the cos/sin terms cannot be told from the constant


def read_aligned_series(path: str) -> Dict[str, np.ndarray]:
    """The aligned projections, transforms and angles of one series written by `run_tomo`."""
    with h5py.File(path, "r") as handle:
        return {"aligned": handle["aligned"][()], "transforms": handle["transforms"][()],
                "angles": handle["angles"][()]}


def fit_cross_shifts(measured: np.ndarray, angles_deg: np.ndarray, usable: np.ndarray) -> Dict[str, Any]:
    """The robust per-energy model of `measured` (N, 2) per-projection (dy, dx) at `angles_deg`.

    Returns `dy`, `dx` (the constant parts), `cos`, `sin` (the in-plane sample move; 0 when the angles span
    too little), `model` (N, 2) the fitted shift of every projection, `used` (N,) and `spread_px` (the
    robust scatter of the measurements about the model).
    """
    theta = np.deg2rad(angles_deg)
    used = usable.copy()
    if used.sum() < 3:
        raise InputError("fewer than 3 projections registered across energies; the series cannot be matched")
    span = np.ptp(angles_deg[used])
    columns = [np.ones_like(theta)]
    if span >= _SINUSOID_SPAN_DEG and used.sum() >= 6:
        columns += [np.cos(theta), np.sin(theta)]
    design = np.stack(columns, axis=1)
    dy = float(np.median(measured[used, 0]))
    for _ in range(2):
        coef, *_ = np.linalg.lstsq(design[used], measured[used, 1], rcond=None)
        residual = measured[:, 1] - design @ coef
        scale = 1.4826 * np.median(np.abs(residual[used] - np.median(residual[used]))) + 1e-3
        keep = usable & (np.abs(residual) <= 3 * scale)
        if keep.sum() < design.shape[1] + 1 or np.array_equal(keep, used):
            break
        used = keep
    coef = np.concatenate([coef, np.zeros(3 - len(coef))])
    model = np.stack([np.full_like(theta, dy), design @ coef[:design.shape[1]]], axis=1)
    spread = float(1.4826 * np.median(np.abs((measured - model)[used]))) if used.any() else float("nan")
    return {"dy": dy, "dx": float(coef[0]), "cos": float(coef[1]), "sin": float(coef[2]), "model": model,
            "used": used, "spread_px": spread}


def register_across(reference: np.ndarray, series: np.ndarray, method: str, params: Optional[dict],
                    progress: Progress) -> Dict[str, np.ndarray]:
    """(dy, dx) that put each projection of `series` on the same-angle projection of `reference`."""
    from ..engine import register_pair

    count = len(reference)
    measured = np.zeros((count, 2))
    usable = np.zeros(count, dtype=bool)
    statuses = []
    for i in range(count):
        fixed, moving = np.nan_to_num(reference[i]), np.nan_to_num(series[i])
        result = register_pair(fixed, moving, method=method, params=params)
        measured[i] = (result.transform.dy, result.transform.dx)
        usable[i] = result.status != "failed"
        statuses.append(result.status)
        progress.update((i + 1) / count, f"projection {i + 1} of {count}")
    return {"measured": measured, "usable": usable, "statuses": np.array(statuses, dtype=object)}


def match_angles(series: Sequence[Dict[str, np.ndarray]], names: Sequence[str]) -> np.ndarray:
    """The common angles of every series (same count, each within the tolerance), or a clear refusal."""
    first = np.asarray(series[0]["angles"], dtype=float)
    for data, name in zip(series[1:], names[1:]):
        angles = np.asarray(data["angles"], dtype=float)
        if angles.shape != first.shape:
            raise InputError(f"{name} has {len(angles)} projections, {names[0]} has {len(first)}; every energy's "
                             "series must be taken at the same angles")
        worst = float(np.max(np.abs(angles - first))) if len(first) else 0.0
        if worst > _ANGLE_TOLERANCE_DEG:
            raise InputError(f"the angles of {name} differ from those of {names[0]} by up to {worst:.2f} deg "
                             f"(more than {_ANGLE_TOLERANCE_DEG} deg); the series cannot be matched")
    return first


def _check_reference(reference: int, count: int) -> None:
    if count < 2:
        raise InputError("XANES tomography needs at least 2 series (one per energy)")
    if not 0 <= reference < count:
        raise InputError(f"the reference series {reference} is not one of the {count} series (0 to {count - 1})")


def align_series(outputs: Sequence[str], reference: int = 0, method: str = "tvdm", params: Optional[dict] = None,
                 progress: Optional[Progress] = None) -> Dict[str, Any]:
    """Cross-energy alignment of series already aligned one by one (the `run_tomo` outputs `outputs`)."""
    progress = progress or Progress()
    _check_reference(reference, len(outputs))
    headers = []
    for path in outputs:
        with h5py.File(path, "r") as handle:
            headers.append({"angles": handle["angles"][()], "shape": handle["aligned"].shape})
    angles = match_angles(headers, outputs)
    shapes = {h["shape"][1:] for h in headers}
    if len(shapes) > 1:
        raise InputError(f"the series have different projection sizes ({sorted(shapes)}); they cannot be matched")
    base = read_aligned_series(outputs[reference])
    count = len(outputs)
    fits: List[Dict[str, Any]] = []
    measured = np.zeros((count, len(angles), 2))
    totals = np.zeros((count, len(angles), 3))
    statuses = []
    for e, path in enumerate(outputs):
        part = progress.sub(e / count, (e + 1) / count)
        data = base if e == reference else read_aligned_series(path)
        if e == reference:
            found = {"measured": np.zeros((len(angles), 2)), "usable": np.ones(len(angles), dtype=bool),
                     "statuses": np.array(["reference"] * len(angles), dtype=object)}
        else:
            found = register_across(base["aligned"], data["aligned"], method, params, part)
        fit = fit_cross_shifts(found["measured"], angles, found["usable"])
        fits.append(fit)
        measured[e] = found["measured"]
        statuses.append(found["statuses"])
        totals[e] = data["transforms"]
        totals[e, :, :2] += fit["model"]
    return {"angles": angles, "fits": fits, "measured": measured, "statuses": statuses, "transforms": totals}


def write_xanes_tomo(out: str, cross: Dict[str, Any], sources: Sequence[str], outputs: Sequence[str],
                     energies: Optional[np.ndarray], reference: int, method: str, tomo_settings: Dict[str, Any],
                     inputs_protected: Sequence[str]) -> None:
    """One HDF5 file: per-energy shifts, per-projection transforms, raw cross-energy registrations, provenance."""
    fits = cross["fits"]
    provenance = {
        "program": "txmalign", "version": __version__, "kind": "xanes tomography",
        "created_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "series_inputs": list(sources),
        "series_outputs": [os.path.abspath(p) for p in outputs], "reference_series": reference,
        "cross_method": method, "tomo": tomo_settings,
        "model": "dy_e(i) = dy; dx_e(i) = dx + cos*cos(angle_i) + sin*sin(angle_i); per-projection transforms = "
                 "series correction + fitted cross-energy shift, relative to the reference series",
        "spread_px": [f["spread_px"] for f in fits],
    }
    with atomic_output(out, inputs_protected) as temporary:
        with new_h5(temporary) as handle:
            handle.attrs["format"] = FORMAT_NAME
            handle.attrs["txmalign_version"] = __version__
            offsets = handle.create_dataset("energy_offsets", data=[[f["dy"], f["dx"]] for f in fits])
            offsets.attrs["columns"] = ["dy", "dx"]
            offsets.attrs["description"] = "constant shift (px) that puts each energy's series on the reference"
            handle.create_dataset("energy_sinusoid", data=[[f["cos"], f["sin"]] for f in fits]).attrs["columns"] = \
                ["cos", "sin"]
            handle.create_dataset("transforms", data=cross["transforms"]).attrs["columns"] = \
                ["dy", "dx", "angle_deg"]
            handle.create_dataset("cross_measured", data=cross["measured"]).attrs["columns"] = ["dy", "dx"]
            handle.create_dataset("cross_used", data=np.stack([f["used"] for f in fits]))
            handle.create_dataset("cross_statuses", data=[[str(s) for s in row] for row in cross["statuses"]],
                                  dtype=h5py.string_dtype())
            handle.create_dataset("angles", data=cross["angles"]).attrs["units"] = "degrees"
            if energies is not None:
                handle.create_dataset("energies", data=np.asarray(energies, dtype=float)).attrs["units"] = "eV"
            handle.create_dataset("series", data=[os.path.abspath(p) for p in outputs], dtype=h5py.string_dtype())
            handle.create_dataset("provenance", data=provenance_json(provenance), dtype=h5py.string_dtype())


def check_xanes_outputs(out: str, sources: Sequence[str], outputs: Sequence[str], force: bool) -> None:
    """Refuse before any work an `out` that is an input, one of the series outputs, or exists without force."""
    if os.path.abspath(out) in {os.path.abspath(p) for p in outputs}:
        raise InputError(f"{out} is also the output of one series; choose another --out")
    check_outputs([out], list(sources), force)


def summary_of(cross: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Per-energy figures for the printed table and --json."""
    return [{"series": e, "dy_px": f["dy"], "dx_px": f["dx"], "cos_px": f["cos"], "sin_px": f["sin"],
             "spread_px": f["spread_px"], "projections_used": int(f["used"].sum())}
            for e, f in enumerate(cross["fits"])]


def run_xanes_tomo(jobs: Sequence[Any], out: str, reference: int = 0, method: str = "tvdm",
                   energies: Optional[np.ndarray] = None, force: bool = False, progress: Optional[Progress] = None,
                   **backend: Any) -> Dict[str, Any]:
    """Align every series (`jobs`: tomo BatchJobs, one per energy, on the back end chosen by `backend`, as
    `run_jobs` takes it), then the series to each other; write `out`.  Returns the series outcomes and, when
    every series was aligned, the per-energy figures (`energies_table`); else `error` says why not."""
    from .backends import run_jobs
    from .runner import exit_failed

    progress = progress or Progress()
    sources = [job.source for job in jobs]
    outputs = [job.output for job in jobs]
    if energies is not None and len(energies) != len(jobs):
        raise InputError(f"{len(energies)} energies for {len(jobs)} series; give one energy per series")
    check_xanes_outputs(out, sources, outputs, force)
    _check_reference(reference, len(jobs))
    get_method(method)
    outcomes = run_jobs(list(jobs), progress=progress.sub(0.0, 0.6), **backend)
    if exit_failed(outcomes):
        failed = [o["source"] for o in outcomes if o["status"] != "done" and o["status"] != "skipped"]
        return {"series": outcomes, "energies_table": None,
                "error": f"{len(failed)} series could not be aligned, so the energies were not matched "
                         f"and {out} was not written"}
    cross = align_series(outputs, reference, method, progress=progress.sub(0.6, 0.98))
    settings = {"params": dict(jobs[0].options.params), "preprocessing": jobs[0].options.prepare.to_dict()}
    write_xanes_tomo(out, cross, sources, outputs, energies, reference, method, settings,
                     [source_file(s) for s in sources])
    progress.update(1.0, "done")
    return {"series": outcomes, "energies_table": summary_of(cross), "error": None, "output": out}
