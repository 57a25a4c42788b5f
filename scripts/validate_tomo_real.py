"""Validate tomography alignment on real projections: inject known jitter into a measured series, recover it.

Uses the Diamond I13-2 series (91 projections, 135 x 160 px, with dark and flat) in
/work/shared/data/real/tomo_i13_diamond_savu (or the folder given as the first argument).  The series
is flat/dark corrected to line integrals, aligned once as measured (its own small jitter), then jittered
by known shifts (+-8 px, both axes) and aligned again; the difference between the two answers must undo
the injected jitter.  Exits 0 with a note when the folder is absent.

    python scripts/validate_tomo_real.py [FOLDER]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import tifffile
from scipy import ndimage

from txmalign_gui.engine.tomo import align_tomo
from txmalign_gui.engine.tomo.sinusoid import remove_sample_motion

DEFAULT = Path("/work/shared/data/real/tomo_i13_diamond_savu")
TXRM = Path("/work/shared/data/real/txm_tomo_chip_and_tooth_tomopy/txrm_test_chip_tomo.txrm")
# angles.txt lists every frame of the scan: 5 darks, 5 flats, the projections, 5 flats, 5 darks.
FIRST_PROJECTION_LINE = 10


def load_diamond(folder: Path):
    """Line integrals -ln((raw - dark) / (flat - dark)) (N, rows, cols) and the angles in degrees."""
    raw = np.stack([tifffile.imread(p) for p in sorted(folder.glob("raw_*.tif*"))]).astype(np.float32)
    dark = tifffile.imread(folder / "dark_00001.tiff").astype(np.float32)
    flat = tifffile.imread(folder / "flat_00001.tiff").astype(np.float32)
    transmission = (raw - dark) / np.maximum(flat - dark, 1.0)
    angles = np.loadtxt(folder / "angles.txt")[FIRST_PROJECTION_LINE:FIRST_PROJECTION_LINE + len(raw)]
    return -np.log(np.clip(transmission, 1e-3, None)), angles


def summarise(label, errors):
    """Print RMS and maximum of per-projection (dy, dx) errors (N, 2)."""
    length = np.hypot(errors[:, 0], errors[:, 1])
    rms_y, rms_x = np.sqrt(np.mean(errors ** 2, axis=0))
    print(f"{label}: rms {np.sqrt(np.mean(length ** 2)):.3f} px, max {length.max():.3f} px "
          f"(rms dy {rms_y:.3f}, rms dx {rms_x:.3f})")


def spread(shifts):
    """RMS length of (dy, dx) shifts about their mean."""
    centred = shifts - shifts.mean(axis=0)
    return float(np.sqrt(np.mean(np.sum(centred ** 2, axis=1))))


def main(argv):
    folder = Path(argv[1]) if len(argv) > 1 else DEFAULT
    if not (folder / "angles.txt").exists():
        print(f"skipped: real tomography data not found in {folder}")
        return 0
    projections, angles = load_diamond(folder)
    print(f"Diamond I13-2: {projections.shape[0]} projections of {projections.shape[1]} x "
          f"{projections.shape[2]} px, angles {angles[0]:.1f} to {angles[-1]:.1f} deg")

    start = time.perf_counter()
    measured = align_tomo(projections, angles)
    print(f"as measured: {time.perf_counter() - start:.1f} s, axis offset {measured.centre_offset:+.2f} px, "
          f"own jitter rms {spread(measured.transforms[:, :2]):.2f} px")

    rng = np.random.default_rng(13)
    raw = rng.uniform(-8.0, 8.0, (len(angles), 2))
    dy, dx = remove_sample_motion(raw[:, 0], raw[:, 1], angles)
    jitter = np.stack([dy, dx - dx.mean()], axis=1)
    jittered = np.stack([ndimage.shift(p, s, order=3, mode="nearest") for p, s in zip(projections, jitter)])
    start = time.perf_counter()
    result = align_tomo(jittered, angles)
    print(f"with injected jitter (rms {spread(jitter):.2f} px): "
          f"{time.perf_counter() - start:.1f} s, axis offset {result.centre_offset:+.2f} px")
    for label, found in (("coarse step only", result.coarse_transforms),
                         ("full alignment", result.transforms)):
        # Aligning the jittered series must equal aligning the measured one, after undoing the jitter.
        errors = found[:, :2] - measured.transforms[:, :2] + jitter
        errors -= errors.mean(axis=0)
        summarise(f"recovery error, {label}", errors)
    print("iteration  binning  rms change  max change  mismatch")
    for k, it in enumerate(result.iterations):
        print(f"{k:9d}  {it.binning:7d}  {it.rms_change_px:10.4f}  {it.max_change_px:10.4f}  "
              f"{it.mismatch:8.4f}")
    for message in result.messages:
        print("note:", message)
    if TXRM.exists():
        print(f"skipped {TXRM.name}: its 7 projections over 90 deg are too few for tomographic "
              "consistency (alignment needs at least 8)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
