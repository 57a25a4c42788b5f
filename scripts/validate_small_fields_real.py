"""Validate stack alignment on small fields of a real STXM stack: inject known subpixel jitter, recover it.

The ALS Fe L-edge STXM stack (123 energies, 150 x 150 px, already registered; see the data README) is
converted to optical density, every frame is shifted by a known jitter (uniform +-6 px per axis, cubic
spline interpolation) and a centred 64, 96 and 128 px field is cut out.  Each stack strategy (anchor,
sequential, chunked, consistent) with TVDM must recover the jitter relative to the anchor within 0.1 px
RMS.  The pyramid levels TVDM used are printed.  Exits 0 with a note when the data is absent.

Data: $TXMALIGN_REAL_DATA, else the first `shared/data/real` folder found beside a parent of the repo.

    python scripts/validate_small_fields_real.py [--sizes 64 96 128] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
import tifffile
from scipy import ndimage

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from txmalign_gui.engine.stack import align_stack  # noqa: E402

FOLDER = "stxm_fe_L3_als_71214098"
STRATEGIES = ("anchor", "sequential", "chunked", "consistent")
JITTER = 6.0
TOLERANCE = 0.1


def data_folder() -> Path | None:
    """The real-data folder of this stack, or None when it is not available."""
    if os.environ.get("TXMALIGN_REAL_DATA"):
        candidates = [Path(os.environ["TXMALIGN_REAL_DATA"])]
    else:
        candidates = [parent / "shared" / "data" / "real" for parent in REPO.parents]
    for root in candidates:
        if (root / FOLDER / "71214098_stack_float32.tif").is_file():
            return root / FOLDER
    return None


def optical_density(folder: Path) -> np.ndarray:
    """OD = -ln(I / I0) per frame (N, 150, 150), I0 from the stack's i0.xsp spectrum."""
    counts = tifffile.imread(folder / "71214098_stack_float32.tif").astype(np.float64)
    i0 = np.loadtxt(folder / "i0.xsp")[:, 1]
    return -np.log(np.clip(counts / i0[:, None, None], 1e-6, None))


def jittered_fields(stack: np.ndarray, size: int, seed: int):
    """(centred size x size fields of the jittered stack, the jitter (N, 2) that was applied)."""
    rng = np.random.default_rng(seed)
    jitter = rng.uniform(-JITTER, JITTER, (len(stack), 2))
    rows, cols = stack.shape[1:]
    y0, x0 = (rows - size) // 2, (cols - size) // 2
    fields = np.stack([ndimage.shift(frame, shift, order=3, mode="nearest")[y0:y0 + size, x0:x0 + size]
                       for frame, shift in zip(stack, jitter)])
    return fields.astype(np.float32), jitter


def errors_against_jitter(transforms: np.ndarray, jitter: np.ndarray, anchor: int) -> np.ndarray:
    """Per-image (dy, dx) error: aligning image i with the anchor must undo jitter_i - jitter_anchor."""
    expected = jitter[anchor] - jitter
    return transforms[:, :2] - expected


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 96, 128])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    folder = data_folder()
    if folder is None:
        print(f"skipped: {FOLDER} not found (set TXMALIGN_REAL_DATA to the real-data folder)")
        return 0
    stack = optical_density(folder)
    failures = 0
    print(f"{'size':>5} {'strategy':<11}{'rms px':>8}{'max px':>8}  statuses; levels used")
    for size in args.sizes:
        fields, jitter = jittered_fields(stack, size, args.seed)
        for strategy in STRATEGIES:
            shapes = set()
            result = align_stack(fields, "tvdm", strategy=strategy, jobs=1,
                                 on_result=lambda _i, r: shapes.add(str(r.details.get("level_shapes"))))
            error = np.hypot(*errors_against_jitter(result.transforms, jitter, result.anchor).T)
            rms = float(np.sqrt(np.mean(error ** 2)))
            statuses = {s: int(np.sum(np.asarray(result.statuses) == s)) for s in sorted(set(result.statuses))}
            verdict = "" if rms <= TOLERANCE else "  FAIL"
            failures += rms > TOLERANCE
            print(f"{size:>5} {strategy:<11}{rms:>8.3f}{error.max():>8.3f}  {statuses}; {'; '.join(sorted(shapes))}"
                  f"{verdict}", flush=True)
    print("all within" if not failures else f"{failures} above", f"{TOLERANCE} px RMS")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
