"""Accuracy, honesty and speed of the correlative refinement (`engine.correlative.correlate`).

Pairs from the project's two-modality generator (`engine.correlative.synthetic`: absorption X-ray versus a
sharper, edge-enhanced, differently mapped EM view, rotation +-30 deg, scale 0.8 - 1.25, shifts +-15 %), on
particle phantoms and on the held-out natural images, registered from nothing (search) and from 5 landmarks
clicked about 1.5 px off.  Per case it prints the median and worst map error (RMS displacement over the
X-ray field, px), the share `ok`, the `ok` answers more than 1 px wrong (must be 0) and the mean time.

Speed: a 512 x 512 X-ray image against a 4096 x 4096 8-bit EM image from landmarks, as a ratio to a rigid
mutual-information registration (`register_pair(..., method="mi")`) of two 512 x 512 images measured in the
same run (the machine's speed cancels out).

    python benchmarks/correlative.py [--pairs 8] [--size 128]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from txmalign_gui.engine import register_pair  # noqa: E402
from txmalign_gui.engine.correlative import PointMap, correlate  # noqa: E402
from txmalign_gui.engine.correlative.synthetic import NATURAL_VALIDATION, correlative_pair, natural_image  # noqa: E402
from txmalign_gui.engine.transform import Similarity  # noqa: E402

SEED = 50_000  # not used by the learned predictor's training


def map_error(found: PointMap, truth: PointMap, shape) -> float:
    """RMS over the X-ray field of the distance between where the two maps put the same EM point."""
    rows, cols = np.mgrid[0:shape[0]:8, 0:shape[1]:8]
    points = np.column_stack([rows.ravel(), cols.ravel()]).astype(float)
    em = truth.inverse().apply(points)
    return float(np.sqrt(np.mean(np.sum((found.apply(em) - points) ** 2, axis=1))))


def cases(kind: str, count: int, size: int) -> list:
    rng = np.random.default_rng(SEED if kind == "phantom" else SEED + 1)
    out = []
    for k in range(count):
        image = None if kind == "phantom" else natural_image(NATURAL_VALIDATION[k % len(NATURAL_VALIDATION)])
        pair = correlative_pair(rng, size, image, kind)
        truth = PointMap.from_transform(Similarity(*pair.transform), pair.em.shape, pair.xray.shape)
        out.append((pair.xray, pair.em, truth))
    return out


def clicks(truth: PointMap, size: int, rng) -> tuple:
    xray = np.array([[0.2, 0.2], [0.2, 0.8], [0.5, 0.5], [0.8, 0.25], [0.75, 0.8]]) * (size - 1)
    return xray + rng.normal(0, 1.5, xray.shape), truth.inverse().apply(xray)


def accuracy(count: int, size: int) -> None:
    print(f"{'case':<22}{'median px':>10}{'worst px':>10}{'ok':>8}{'ok&wrong':>10}{'s/pair':>8}")
    for kind in ("phantom", "natural"):
        pairs = cases(kind, count, size)
        for start in ("identity", "landmarks"):
            rng = np.random.default_rng(7)
            errors, oks, wrong, seconds = [], 0, 0, []
            for xray, em, truth in pairs:
                marks = clicks(truth, size, rng) if start == "landmarks" else None
                started = time.perf_counter()
                result = correlate(xray, em, landmarks=marks, params={"start": start})
                seconds.append(time.perf_counter() - started)
                error = map_error(result.point_map, truth, xray.shape)
                errors.append(error)
                oks += result.status == "ok"
                wrong += result.status == "ok" and error > 1.0
            print(f"{kind + ' from ' + start:<22}{np.median(errors):>10.2f}{np.max(errors):>10.2f}"
                  f"{oks:>5}/{len(pairs):<2}{wrong:>10}{np.mean(seconds):>8.1f}")


def speed() -> None:
    xray, em, truth = cases("natural", 1, 512)[0]
    big = np.kron(np.clip((em - em.min()) / np.ptp(em) * 255, 0, 255).astype(np.uint8), np.ones((8, 8), np.uint8))
    truth_big = PointMap.from_matrix(np.column_stack([truth.linear / 8, truth.apply([[-7 / 16, -7 / 16]])[0]]))
    marks = clicks(truth_big, 512, np.random.default_rng(3))
    started = time.perf_counter()
    register_pair(xray, np.roll(xray, (3, -2), axis=(0, 1)), method="mi", check="none")
    baseline = time.perf_counter() - started
    started = time.perf_counter()
    result = correlate(xray, big, landmarks=marks)
    took = time.perf_counter() - started
    print(f"\nspeed: 512 px X-ray + 4096 px 8-bit EM from landmarks {took:.1f} s ({result.status}, map error "
          f"{map_error(result.point_map, truth_big, xray.shape):.2f} px); rigid MI 512 px pair {baseline:.1f} s; "
          f"ratio {took / baseline:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=8)
    parser.add_argument("--size", type=int, default=128)
    args = parser.parse_args()
    accuracy(args.pairs, args.size)
    speed()


if __name__ == "__main__":
    main()
