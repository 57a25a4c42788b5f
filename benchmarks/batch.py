"""Scaling of `txmalign batch align` over many stacks, against a per-stack phase-correlation loop.

Writes S synthetic XANES stacks (TIFF, known truth) to a temporary folder, then measures in the same run:
the baseline (read each stack and register every image on the first one with scikit-image's
`phase_cross_correlation(upsample_factor=100)`, one stack after the other), and the whole batch (read,
prepare, TVDM chunked, write HDF5, per-stack resume check) with 1 and 2 local worker processes (and a
local Dask cluster of 2 with --dask).  4 and 8 workers are projected with Amdahl's law from the serial
fraction f that the 1 -> 2 speed-up implies (f = 2 / S2 - 1): T(n) = T1 (f + (1 - f) / n), which assumes
n free cores.  Each figure is the best of --repeat runs (the machine is shared; ratios matter).

    python benchmarks/batch.py                       # 8 stacks of 41 x 256 px
    python benchmarks/batch.py --stacks 4 --images 21 --size 128 --repeat 1   # quick
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import h5py  # noqa: E402
import tifffile  # noqa: E402
from skimage.registration import phase_cross_correlation  # noqa: E402

from txmalign_gui.batch import AlignOptions  # noqa: E402
from txmalign_gui.batch.backends import run_jobs  # noqa: E402
from txmalign_gui.batch.runner import BatchJob  # noqa: E402
from txmalign_gui.engine.synthetic import alignment_errors, synthetic_xanes  # noqa: E402
from txmalign_gui.io import read_stack  # noqa: E402


def write_stacks(folder: str, count: int, images: int, size: int) -> list:
    """(path, true transforms) of `count` synthetic stacks written as TIFF."""
    made = []
    for k in range(count):
        stack = synthetic_xanes(n_images=images, size=size, jitter=6.0, seed=100 + k)
        path = os.path.join(folder, f"stack{k:02d}.tif")
        tifffile.imwrite(path, np.asarray(stack.images, dtype=np.float32), photometric="minisblack")
        made.append((path, stack.transforms))
    return made


def baseline(paths: list) -> float:
    """Seconds to read every stack and phase-correlate each image with the first, serially."""
    start = time.perf_counter()
    for path in paths:
        images = read_stack(path).load()
        for image in images[1:]:
            phase_cross_correlation(images[0], image, upsample_factor=100)
    return time.perf_counter() - start


def batch(stacks: list, out: str, **backend) -> tuple:
    """(seconds, RMS error px over every stack) of one batch run into the empty folder `out`."""
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    options = AlignOptions(strategy="chunked", jobs=1)
    jobs = [BatchJob("align", path, os.path.join(out, f"{k:02d}.h5"), options) for k, (path, _) in enumerate(stacks)]
    start = time.perf_counter()
    outcomes = run_jobs(jobs, **backend)
    seconds = time.perf_counter() - start
    bad = [o for o in outcomes if o["status"] != "done"]
    if bad:
        raise SystemExit(f"batch failed: {bad[0]}")
    errors = []
    for job, (_, truth) in zip(jobs, stacks):
        with h5py.File(job.output) as handle:
            transforms = handle["transforms"][()]
            shape = handle["aligned"].shape[1:]
        errors.append(alignment_errors(transforms, truth, shape))
    return seconds, float(np.sqrt(np.mean(np.concatenate(errors) ** 2)))


def best(function, repeat: int) -> tuple:
    runs = [function() for _ in range(repeat)]
    return min(runs, key=lambda r: r[0] if isinstance(r, tuple) else r)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stacks", type=int, default=8)
    parser.add_argument("--images", type=int, default=41)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--dask", action="store_true", help="also a local Dask cluster of 2 workers")
    args = parser.parse_args(argv)
    folder = tempfile.mkdtemp(prefix="txmalign-batch-bench-")
    try:
        stacks = write_stacks(folder, args.stacks, args.images, args.size)
        paths = [p for p, _ in stacks]
        print(f"{args.stacks} stacks of {args.images} x {args.size} px, {os.cpu_count()} cores, best of "
              f"{args.repeat}")
        base = best(lambda: baseline(paths), args.repeat)
        print(f"baseline  phase_cross_correlation loop, serial: {base:7.2f} s ({base / args.stacks:.2f} s/stack)")
        out = os.path.join(folder, "out")
        t1, rms1 = best(lambda: batch(stacks, out, workers=1), args.repeat)
        t2, rms2 = best(lambda: batch(stacks, out, workers=2), args.repeat)
        speedup = t1 / t2
        serial = min(max(2.0 / speedup - 1.0, 0.0), 1.0)
        print(f"serial fraction from the 1 -> 2 speed-up {speedup:.2f}: f = {serial:.2f}")
        if speedup < 1.1:
            print(f"note: no parallel gain measured; with a load average of {os.getloadavg()[0]:.1f} on "
                  f"{os.cpu_count()} cores there was no free core, so the projections below say nothing")
        print(f"{'workers':>8} {'seconds':>9} {'s/stack':>8} {'speed-up':>9} {'x baseline':>11} {'RMS px':>7}")
        rows = [(1, t1, rms1, "measured"), (2, t2, rms2, "measured")]
        rows += [(n, t1 * (serial + (1 - serial) / n), None, "projected") for n in (4, 8)]
        if args.dask:
            td, rmsd = best(lambda: batch(stacks, out, local_workers=2), args.repeat)
            rows.append(("dask 2", td, rmsd, "measured, with cluster start-up"))
        for n, seconds, rms, how in rows:
            error = f"{rms:7.3f}" if rms is not None else "      -"
            print(f"{n!s:>8} {seconds:9.2f} {seconds / args.stacks:8.2f} {t1 / seconds:9.2f} "
                  f"{seconds / base:11.2f} {error}  {how}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
