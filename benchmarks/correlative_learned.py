"""Benchmark of the learned correlative initial guess against the classic refinement, on held-out pairs.

Pairs from `engine.correlative.synthetic` with seeds not used in training (rotation +-30 deg, scale
0.8 - 1.25, shifts +-15 % of the field), rendered at --size px (the network reads a 64 px grid): random
phantoms, and the natural images of `NATURAL_VALIDATION` (camera, astronaut, coins, moon, brick), which
training never saw.  For each start it prints the median and 90th-percentile errors of the angle (deg),
the scale (%) and the map (RMS displacement over the X-ray field, px), the share of pairs registered to
within 1 px RMS, and the mean time per pair:

- CNN alone: `engine.learned.correlative.predict_point_map` (numpy);
- classic refine from identity: the correlative mode's mutual-information refinement
  (`engine.correlative.correlate`) started from the identity map, no search;
- classic search + refine: its start "identity" (a global search over rotation and scale, then the refinement);
- CNN + classic refine: the refinement started from the network's guess (start "learned");
- auto: the mode's default, the search with the network's guess as one more candidate.

The refinement rows need the correlative mode's `correlate`; where it is missing they are reported as not
available.

    python benchmarks/correlative_learned.py [--pairs 10] [--size 128]

Measured (--pairs 10 --size 128, shared 2-core machine under heavy load; median / p90, share < 1 px, s/pair):

    phantom  CNN alone                     5.35/ 7.58 deg  4.49/14.77 %  12.35/20.93 px    0 %  0.04 s
    phantom  classic refine from identity  7.08/16.51      2.03/ 9.52     8.65/22.12      20 %  5.8 s
    phantom  classic search + refine       4.75/44.80     15.48/30.35    66.77/99.83      30 %  5.5 s
    phantom  CNN + classic refine          0.24/ 1.82      1.33/ 3.38     1.43/10.28      30 %  3.1 s
    natural  CNN alone                    12.85/16.36     10.60/13.38    15.20/25.84       0 %  0.01 s
    natural  classic refine from identity  2.42/25.21      0.17/11.66     2.52/31.45      40 %  2.8 s
    natural  classic search + refine       0.08/ 0.21      0.16/ 1.01     0.21/ 6.64      90 %  2.6 s
    natural  CNN + classic refine          0.27/ 3.07      0.44/ 3.22     0.50/ 3.44      60 %  1.7 s
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from txmalign_gui.engine.correlative import PointMap, correlate
from txmalign_gui.engine.correlative.synthetic import NATURAL_VALIDATION, correlative_pair, natural_image
from txmalign_gui.engine.learned.correlative import predict_point_map
from txmalign_gui.engine.transform import Similarity

PHANTOM_SEED, NATURAL_SEED = 30_000, 40_000  # training and its validation used seeds 1 - 1029


def held_out_pairs(kind: str, count: int, size: int) -> list:
    rng = np.random.default_rng(PHANTOM_SEED if kind == "phantom" else NATURAL_SEED)
    if kind == "phantom":
        return [correlative_pair(rng, size) for _ in range(count)]
    images = {name: natural_image(name) for name in NATURAL_VALIDATION}
    names = [NATURAL_VALIDATION[k % len(NATURAL_VALIDATION)] for k in range(count)]
    return [correlative_pair(rng, size, images[name], name) for name in names]


def map_errors(matrix: np.ndarray, truth: tuple, size: int) -> tuple:
    """(angle error deg, scale error %, RMS displacement px over the X-ray field) of a found 2 x 3 matrix."""
    true = Similarity(*truth).pixel_matrix((size, size))
    linear = np.asarray(matrix)[:, :2]
    angle = np.degrees(np.arctan2(linear[1, 0] - linear[0, 1], linear[0, 0] + linear[1, 1]))
    scale = np.sqrt(abs(np.linalg.det(linear)))
    # displacement of the EM points that land on the X-ray field, mapped by the found and the true map
    grid = np.stack(np.meshgrid(np.linspace(0, size - 1, 9), np.linspace(0, size - 1, 9)), -1).reshape(-1, 2)
    em_points = (grid - true[:, 2]) @ np.linalg.inv(true[:, :2]).T
    found = em_points @ linear.T + np.asarray(matrix)[:, 2]
    rms = np.sqrt(np.mean(np.sum((found - grid) ** 2, axis=1)))
    return abs((angle - truth[2] + 180) % 360 - 180), abs(scale / truth[3] - 1) * 100, rms


def cnn_alone(xray, em):
    return predict_point_map(xray, em)


def refinement_methods() -> dict:
    """The rows of the correlative mode's classic refinement, alone and from the network's guess."""
    def run(start, guess=None):
        def method(xray, em):
            found = correlate(xray, em, params={"start": start}, guess=guess(xray, em) if guess else None)
            return np.asarray(found.point_map.matrix)
        return method

    def identity(xray, em):
        return PointMap.about_centres(1.0, 0.0, (np.asarray(em.shape) - 1) / 2, (np.asarray(xray.shape) - 1) / 2)

    return {"classic refine from identity": run("learned", identity),  # the refinement alone, no search
            "classic search + refine": run("identity"),
            "CNN + classic refine": run("learned"),
            "auto (search, CNN competes)": run("auto")}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10, help="pairs of each kind")
    parser.add_argument("--size", type=int, default=128)
    args = parser.parse_args()
    methods = {"CNN alone": cnn_alone, **refinement_methods()}
    print(f"{args.pairs} held-out pairs of each kind, {args.size} x {args.size} px; rotation +-30 deg, "
          f"scale 0.8 - 1.25, shift +-15 %")
    print(f"{'pairs':9s} {'start':29s} {'deg med/p90':>13s} {'scale % med/p90':>16s} {'px rms med/p90':>15s} "
          f"{'<1 px':>6s} {'s/pair':>7s}")
    for kind in ("phantom", "natural"):
        pairs = held_out_pairs(kind, args.pairs, args.size)
        for name, method in methods.items():
            rows, seconds = [], []
            for pair in pairs:
                start = time.perf_counter()
                matrix = method(pair.xray, pair.em)
                seconds.append(time.perf_counter() - start)
                rows.append(map_errors(matrix, pair.transform, args.size))
            e = np.array(rows)
            med, p90 = np.median(e, axis=0), np.percentile(e, 90, axis=0)
            print(f"{kind:9s} {name:29s} {med[0]:6.2f}/{p90[0]:6.2f} {med[1]:8.2f}/{p90[1]:7.2f} "
                  f"{med[2]:7.2f}/{p90[2]:7.2f} {np.mean(e[:, 2] < 1.0):6.0%} {np.mean(seconds):7.3f}")


if __name__ == "__main__":
    main()
