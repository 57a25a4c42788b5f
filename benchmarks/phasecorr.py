"""The project's `phasecorr` against scikit-image phase_cross_correlation(upsample_factor=100): time and error.

Usage: python benchmarks/phasecorr.py [--sizes 256 1024] [--repeat 5] [--noise 0 0.05 0.2]
Pairs: natural scikit-image images (camera, astronaut, coins, moon, brick) resized to each size plus a margin,
the moving image shifted by a known subpixel amount (cubic spline) and both cropped to the size, so the
content does not wrap around as a circular shift would; Gaussian noise of the given standard deviation
(images scaled to [0, 1]) is added to both.  Each row gives the best time of --repeat runs,
its ratio to scikit-image's measured on the same pair in the same run, and both errors (px) from the truth.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from scipy import ndimage
from skimage import color, data, transform
from skimage.registration import phase_cross_correlation

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from txmalign_gui.engine import register_pair  # noqa: E402

IMAGES = ("camera", "astronaut", "coins", "moon", "brick")
SHIFT = (13.37, -21.71)


def natural(name: str, size: int) -> np.ndarray:
    image = getattr(data, name)()
    image = color.rgb2gray(image) if image.ndim == 3 else image.astype(float) / 255.0
    return transform.resize(image, (size, size), anti_aliasing=True)


def make_pair(name: str, size: int, noise: float, seed: int):
    """(fixed, moving) with fixed(p) = moving(p - SHIFT): moving is the image shifted by -SHIFT."""
    margin = 32
    big = natural(name, size + 2 * margin)
    moved = ndimage.shift(big, (-SHIFT[0], -SHIFT[1]), order=3, mode="nearest")
    fixed, moving = (image[margin:margin + size, margin:margin + size] for image in (big, moved))
    rng = np.random.default_rng(seed)
    return fixed + rng.normal(0, noise, fixed.shape), moving + rng.normal(0, noise, fixed.shape)


def best_time(function, repeat: int):
    best, value = np.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        value = function()
        best = min(best, time.perf_counter() - start)
    return best, value


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 1024])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--noise", type=float, nargs="+", default=[0.0, 0.05, 0.2])
    args = parser.parse_args(argv)
    print(f"{'image':<10}{'size':>6}{'noise':>7}{'skimage s':>11}{'ours s':>9}{'ratio':>7}{'skimage err':>13}"
          f"{'ours err':>10}  status")
    ratios, errors = [], {"skimage": [], "ours": []}
    for size in args.sizes:
        for noise in args.noise:
            for seed, name in enumerate(IMAGES):
                fixed, moving = make_pair(name, size, noise, seed)
                base, (shift, _, _) = best_time(lambda: phase_cross_correlation(fixed, moving,
                                                                               upsample_factor=100), args.repeat)
                ours, result = best_time(lambda: register_pair(fixed, moving, "phasecorr"), args.repeat)
                err_sk = float(np.hypot(shift[0] - SHIFT[0], shift[1] - SHIFT[1]))
                err_us = float(np.hypot(result.dy - SHIFT[0], result.dx - SHIFT[1]))
                ratios.append(ours / base)
                errors["skimage"].append(err_sk)
                errors["ours"].append(err_us)
                print(f"{name:<10}{size:>6}{noise:>7.2f}{base:>11.4f}{ours:>9.4f}{ours / base:>7.2f}{err_sk:>13.3f}"
                      f"{err_us:>10.3f}  {result.status}", flush=True)
    print(f"time ratio ours/skimage: median {np.median(ratios):.2f}, worst {max(ratios):.2f}")
    for who, values in errors.items():
        print(f"{who:<8} error px: median {np.median(values):.3f}, worst {max(values):.3f}")


if __name__ == "__main__":
    main()
