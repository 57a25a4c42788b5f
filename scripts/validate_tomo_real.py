"""Validate tomography alignment on real projections: inject known jitter into a measured series, recover it.

Uses the Diamond I13-2 series (91 projections over 180 deg, 135 x 160 px, with dark and flat) in
../shared/data/real/tomo_i13_diamond_savu (or $TXMALIGN_REAL_DATA/tomo_i13_diamond_savu, or the folder
given as the first argument).  The series is flat/dark corrected to line integrals and aligned once as
measured (its own small jitter).  Then, for several draws, random jitter of +-5 px on both axes is
injected (cubic-spline shifts, edges repeated) and the series aligned again: composed with the injected
jitter, the answer must equal the as-measured one.  The error is reported after removing the common
offset and the horizontal sinusoid a cos(t) + b sin(t), which tomographic consistency cannot see, for
`align_tomo` (target: <= 0.06 px RMS, <= 0.12 px worst, < 30 s per alignment on 2 cores) and for
pairwise TVDM (chunked strategy) in the same run.  Also tries the 7-projection TXM .txrm.
Exits 0 with a note when the data are absent.

    python scripts/validate_tomo_real.py [FOLDER] [--draws 3] [--tolerance 0.02]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import tifffile
from scipy import ndimage

from txmalign_gui.engine import Transform
from txmalign_gui.engine.stack import align_stack
from txmalign_gui.engine.tomo import align_tomo
from txmalign_gui.engine.tomo.sinusoid import fit_sinusoid, sinusoid

REAL = Path(os.environ.get("TXMALIGN_REAL_DATA", Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
                           / "real"))
DEFAULT = REAL / "tomo_i13_diamond_savu"
TXRM = REAL / "txm_tomo_chip_and_tooth_tomopy" / "txrm_test_chip_tomo.txrm"
# angles.txt lists every frame of the scan: 5 darks, 5 flats, the projections, 5 flats, 5 darks.
FIRST_PROJECTION_LINE = 10
AMPLITUDE = 5.0
TARGET_RMS, TARGET_MAX, TARGET_SECONDS = 0.06, 0.12, 30.0


def load_diamond(folder: Path):
    """Line integrals -ln((raw - dark) / (flat - dark)) (N, rows, cols) and the angles in degrees."""
    raw = np.stack([tifffile.imread(p) for p in sorted(folder.glob("raw_*.tif*"))]).astype(np.float32)
    dark = tifffile.imread(folder / "dark_00001.tiff").astype(np.float32)
    flat = tifffile.imread(folder / "flat_00001.tiff").astype(np.float32)
    transmission = (raw - dark) / np.maximum(flat - dark, 1.0)
    angles = np.loadtxt(folder / "angles.txt")[FIRST_PROJECTION_LINE:FIRST_PROJECTION_LINE + len(raw)]
    return -np.log(np.clip(transmission, 1e-3, None)), angles


def recovery_errors(found, reference, jitter, angles):
    """(N, 2) errors of `found` (aligning the jittered series) against `reference` (the measured one).

    Each found transform, applied after the injected shift, must equal the reference transform; the
    common offset and the dx sinusoid are removed, as neither can be measured.
    """
    errors = np.empty((len(found), 2))
    for i, (f, r, j) in enumerate(zip(found, reference, jitter)):
        composed = Transform(float(j[0]), float(j[1])).then(Transform(*map(float, f)))
        errors[i] = composed.shift - Transform(*map(float, r)).shift
    errors[:, 0] -= errors[:, 0].mean()
    errors[:, 1] -= sinusoid(fit_sinusoid(errors[:, 1], angles), angles)
    return errors


def figures(errors):
    length = np.hypot(errors[:, 0], errors[:, 1])
    return float(np.sqrt(np.mean(length ** 2))), float(length.max())


def timed(function, *args, **kwargs):
    wall, cpu = time.perf_counter(), time.process_time()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def align_tvdm(series, angles):
    return align_stack(series, method="tvdm", strategy="chunked").transforms


def align_consistency(series, angles, params=None):
    return align_tomo(series, angles, params=params).transforms


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--draws", type=int, default=3)
    parser.add_argument("--tolerance", type=float, help="align_tomo tolerance (px) instead of the default")
    args = parser.parse_args(argv)
    params = {} if args.tolerance is None else {"tolerance": args.tolerance}
    if not (args.folder / "angles.txt").exists():
        print(f"skipped: real tomography data not found in {args.folder}")
        return 0
    projections, angles = load_diamond(args.folder)
    print(f"Diamond I13-2: {projections.shape[0]} projections of {projections.shape[1]} x "
          f"{projections.shape[2]} px, angles {angles[0]:.1f} to {angles[-1]:.1f} deg; jitter +-{AMPLITUDE:g} px, "
          f"{args.draws} draws")
    measured, wall, cpu = timed(align_tomo, projections, angles, params=params)
    print(f"as measured: {wall:.1f} s wall ({cpu:.1f} s CPU), axis offset {measured.centre_offset:+.2f} px, "
          f"tilt {measured.axis_tilt_deg:+.3f} deg, {len(measured.iterations)} rounds")
    for message in measured.messages:
        print("  note:", message)
    methods = {"consistency (align_tomo)": lambda s, a: align_consistency(s, a, params),
               "pairwise TVDM (chunked)": align_tvdm}
    references = {"consistency (align_tomo)": measured.transforms,
                  "pairwise TVDM (chunked)": align_tvdm(projections, angles)}
    summary = {name: [] for name in methods}
    rng = np.random.default_rng(13)
    for draw in range(args.draws):
        jitter = rng.uniform(-AMPLITUDE, AMPLITUDE, (len(angles), 2))
        jittered = np.stack([ndimage.shift(p, s, order=3, mode="nearest") for p, s in zip(projections, jitter)])
        for name, method in methods.items():
            found, wall, cpu = timed(method, jittered, angles)
            rms, worst = figures(recovery_errors(found, references[name], jitter, angles))
            summary[name].append((rms, worst, wall, cpu))
            print(f"draw {draw}: {name:26s} rms {rms:.3f} px, worst {worst:.3f} px, {wall:5.1f} s wall "
                  f"({cpu:.1f} s CPU)")
    print("summary over draws (mean rms / largest worst / slowest wall):")
    for name, rows in summary.items():
        rows = np.array(rows)
        print(f"  {name:26s} rms {rows[:, 0].mean():.3f} px, worst {rows[:, 1].max():.3f} px, "
              f"{rows[:, 2].max():.1f} s")
    rows = np.array(summary["consistency (align_tomo)"])
    met = rows[:, 0].mean() <= TARGET_RMS and rows[:, 1].max() <= TARGET_MAX
    wall_met, cpu_met = rows[:, 2].max() < TARGET_SECONDS, rows[:, 3].max() < TARGET_SECONDS
    print(f"target (<= {TARGET_RMS} px rms, <= {TARGET_MAX} px worst): {'met' if met else 'NOT met'}; "
          f"time target < {TARGET_SECONDS:.0f} s: wall {'met' if wall_met else 'not met'}, CPU (both threads "
          f"together, slowest {rows[:, 3].max():.1f} s) {'met' if cpu_met else 'not met'}; on a shared, "
          "loaded machine the wall time says little, the CPU time bounds the wall time on 2 idle cores")
    txrm_check()
    return 0


def txrm_check():
    """The 7-projection TXM series: below what consistency uses, align_tomo must fall back, not refuse."""
    if not TXRM.exists():
        print(f"skipped: {TXRM} not found")
        return
    from txmalign_gui import io
    from txmalign_gui.batch import PrepareOptions, prepare_stack

    data = io.read_stack(str(TXRM))
    series = prepare_stack(data, PrepareOptions(minus_log=True))
    result, wall, _ = timed(align_tomo, series, data.angles)
    shifts = np.hypot(result.transforms[:, 0], result.transforms[:, 1])
    print(f"{TXRM.name}: {len(series)} projections, angles {np.min(data.angles):.1f} to "
          f"{np.max(data.angles):.1f} deg, aligned in {wall:.1f} s, largest shift {shifts.max():.2f} px")
    for message in result.messages:
        print("  note:", message)


if __name__ == "__main__":
    sys.exit(main())
