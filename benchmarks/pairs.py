"""Time every registered pair method on synthetic TXM-like pairs, against skimage phase correlation.

Usage: python benchmarks/pairs.py [--sizes 256 1024] [--repeat 3] [--methods tvdm phasecorr]
Each row: method, size, kind (shift = translation only, rigid = +-180 deg rotation search), best time of
--repeat runs, ratio to skimage phase_cross_correlation(upsample_factor=100) on the same pair, and the error.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from skimage.registration import phase_cross_correlation

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from synthetic_pairs import make_pair  # noqa: E402
from txmalign_gui.engine import available_methods, register_pair  # noqa: E402

SHIFT = (13.7, -21.3)
ANGLE = 53.9


def best_time(function, repeat: int):
    best, value = np.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        value = function()
        best = min(best, time.perf_counter() - start)
    return best, value


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024, 2048])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--methods", nargs="+", default=None, help="default: every registered method")
    args = parser.parse_args(argv)
    methods = [m for m in available_methods() if args.methods is None or m.name in args.methods]
    print(f"{'method':<12}{'size':>6} {'kind':<6}{'seconds':>10}{'x pcc':>8}{'shift err':>11}{'angle err':>11}"
          "  status")
    for size in args.sizes:
        for kind, angle in (("shift", 0.0), ("rigid", ANGLE)):
            fixed, moving = make_pair(size, *SHIFT, angle)
            baseline, _ = best_time(lambda: phase_cross_correlation(fixed, moving, upsample_factor=100),
                                    args.repeat)
            print(f"{'skimage pcc':<12}{size:>6} {kind:<6}{baseline:>10.4f}{1.0:>8.2f}")
            for spec in methods:
                if angle and not spec.supports_rotation:
                    continue
                params = {"rotation": True, "angle_range": 180} if angle else {}
                seconds, result = best_time(lambda: register_pair(fixed, moving, spec.name, params), args.repeat)
                error = np.hypot(result.dy - SHIFT[0], result.dx - SHIFT[1])
                print(f"{spec.name:<12}{size:>6} {kind:<6}{seconds:>10.4f}{seconds / baseline:>8.2f}"
                      f"{error:>11.3f}{abs(result.angle_deg - angle):>11.3f}  {result.status}", flush=True)


if __name__ == "__main__":
    main()
