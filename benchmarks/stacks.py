"""Time and peak memory of whole-stack alignment on synthetic XANES stacks.

Runs TVDM (translation only and rigid) and phase correlation on N images of each size, serially and with
every core, and prints seconds, the peak of memory allocated in this process (tracemalloc; worker
processes not included) relative to the stack's float32 size, the accuracy against the known truth and
the ratios between runs.  Targets on two cores: 101 x 256 px TVDM chunked < 5 s; 101 x 1024 px
translation-only TVDM < 30 s; peak memory < 2x the stack.  The whole command (start-up, reading, preparation
and writing included, against a phase-correlation loop in the same run) is measured by `end_to_end.py`.

    python benchmarks/stacks.py                       # everything (several minutes)
    python benchmarks/stacks.py --sizes 256 --quick   # TVDM chunked only, serial and all cores
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from txmalign_gui.engine.stack import align_stack  # noqa: E402
from txmalign_gui.engine.synthetic import alignment_errors, synthetic_xanes  # noqa: E402

CASES = {  # name: (method, params)
    "tvdm": ("tvdm", {}),
    "tvdm-rigid": ("tvdm", {"rotation": True}),
    "phasecorr": ("phasecorr", {}),
}


def measure(stack, method, params, strategy, jobs):
    """(seconds, peak bytes allocated during the run, RMS error px, worst error px)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    start = time.perf_counter()
    result = align_stack(stack.images, method, params=params, strategy=strategy, jobs=jobs)
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    errors = alignment_errors(result.transforms, stack.transforms, stack.images.shape[1:])
    return seconds, peak, float(np.sqrt(np.mean(errors ** 2))), float(errors.max())


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=101)
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024])
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    parser.add_argument("--strategy", default="chunked")
    parser.add_argument("--quick", action="store_true", help="TVDM translation only")
    parser.add_argument("--serial-only", action="store_true")
    args = parser.parse_args(argv)
    cases = ["tvdm"] if args.quick else args.cases
    cores = os.cpu_count() or 1
    job_counts = [1] if args.serial_only or cores == 1 else [1, cores]
    print(f"{args.images} images, strategy {args.strategy}, {cores} cores")
    print(f"{'size':>5} {'case':11} {'jobs':>4} {'seconds':>8} {'peak/stack':>10} {'rms px':>7} {'worst':>6}")
    for size in args.sizes:
        stack = synthetic_xanes(args.images, size, seed=0)
        stack_bytes = stack.images.nbytes
        times = {}
        for case in cases:
            method, params = CASES[case]
            for jobs in job_counts:
                seconds, peak, rms, worst = measure(stack, method, params, args.strategy, jobs)
                times[(case, jobs)] = seconds
                print(f"{size:5d} {case:11} {jobs:4d} {seconds:8.2f} {peak / stack_bytes:10.2f} "
                      f"{rms:7.3f} {worst:6.2f}", flush=True)
        for case in cases:
            if len(job_counts) > 1:
                print(f"      {case}: {cores} cores are {times[(case, 1)] / times[(case, cores)]:.2f}x faster "
                      "than serial")
        if "tvdm" in cases:
            for other in (c for c in cases if c != "tvdm"):
                print(f"      {other} takes {times[(other, 1)] / times[('tvdm', 1)]:.2f}x the time of tvdm")


if __name__ == "__main__":
    main()
