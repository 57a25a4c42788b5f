"""Benchmark of the learned coarse step against the classic ones, at rising salt-and-pepper noise.

Synthetic random particles (`engine.tomo.jitter_data`, seeds not used in training) with +-10 px jitter on
a 128 px grid, 2 % Gaussian noise and 0 / 10 / 20 / 40 % salt-and-pepper outliers.  For each coarse step
it prints the paper's metric (MSE of dx and dy together, px^2, after removing the unmeasurable common
offset and dx sinusoid) and the RMS residual after the full `align_tomo` pipeline; then the numpy
inference time for 181 pairs of 128 px against a same-process baseline (one FBP + reprojection).

    python benchmarks/tomo_learned.py [--seeds 2] [--count 90]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from txmalign_gui.engine.progress import Progress
from txmalign_gui.engine.tomo import align_tomo
from txmalign_gui.engine.tomo.coarse import coarse_alignment
from txmalign_gui.engine.tomo.consistency import consistency_round
from txmalign_gui.engine.tomo.jitter_data import jittered_series, reproject_series
from txmalign_gui.engine.tomo.learned_coarse import jitter_network, learned_coarse, prepare_pairs, resample_series
from txmalign_gui.engine.tomo.projector import ParallelProjector
from txmalign_gui.engine.tomo.sinusoid import fit_sinusoid, sinusoid

NOISE = (0.0, 0.1, 0.2, 0.4)
SEED_OFFSET = 10_000  # training used seeds 0.. (one generator); these series come from other seeds


def gauge_free(found, jitter, angles):
    error = np.asarray(found, dtype=float)[:, :2] + jitter
    error[:, 0] -= error[:, 0].mean()
    error[:, 1] -= sinusoid(fit_sinusoid(error[:, 1], angles), angles)
    return error


def one_shot_phase_correlation(projections, angles, progress):
    """The conventional single step: register each projection to the reprojection of the raw series."""
    projector = ParallelProjector(projections.shape[2], angles)
    zeros = np.zeros(len(projections))
    dy, dx, _, _ = consistency_round(projections, zeros, zeros, 1, projector, projections.shape[1],
                                     "phasecorr", progress)
    return dy, dx


COARSE = {
    "invariants": lambda p, a, g: coarse_alignment(p, a, g)[:2],
    "phase corr. one-shot": one_shot_phase_correlation,
    "learned (CNN)": learned_coarse,
}
PIPELINE = {"invariants": {"coarse_method": "invariants"}, "learned (CNN)": {"coarse_method": "learned"}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--count", type=int, default=90)
    parser.add_argument("--no-pipeline", action="store_true", help="coarse steps only (faster)")
    parser.add_argument("--timing-only", action="store_true", help="only the inference timing")
    args = parser.parse_args()
    print(f"{args.seeds} series per noise level, {args.count} projections of 128 x 128 px, jitter +-10 px")
    print(f"{'s&p':>5}  {'coarse step':22s} {'MSE px^2':>9} {'full pipeline rms px':>21}")
    for level in () if args.timing_only else NOISE:
        rows = {name: ([], []) for name in COARSE}
        for seed in range(args.seeds):
            data = jittered_series(np.random.default_rng(SEED_OFFSET + seed), 128, args.count, 10.0, 0.02, level)
            for name, coarse in COARSE.items():
                try:
                    dy, dx = coarse(data.projections, data.angles_deg, Progress())
                    error = gauge_free(np.stack([dy, dx], axis=1), data.jitter, data.angles_deg)
                    rows[name][0].append(np.mean(np.sum(error ** 2, axis=1)))
                except Exception as exc:  # a classic step can fail outright on heavy outliers
                    print(f"      {name} failed: {exc}")
                    rows[name][0].append(np.nan)
                if name in PIPELINE and not args.no_pipeline:
                    result = align_tomo(data.projections, data.angles_deg,
                                        params=dict(PIPELINE[name], preview=False, binning=2))
                    error = gauge_free(result.transforms, data.jitter, data.angles_deg)
                    rows[name][1].append(np.sqrt(np.mean(np.sum(error ** 2, axis=1))))
        for name, (mse, residual) in rows.items():
            full = f"{np.mean(residual):21.3f}" if residual else f"{'-':>21}"
            print(f"{level:5.0%}  {name:22s} {np.mean(mse):9.3f} {full}")

    network = jitter_network()
    size = network.input_shape[-1]
    data = jittered_series(np.random.default_rng(SEED_OFFSET + 99), 128, 181, 10.0, 0.02, 0.0)
    wall, cpu = time.perf_counter(), time.process_time()
    small = resample_series(data.projections, size)
    reprojected = reproject_series(small, data.angles_deg)
    pairs = prepare_pairs(small, reprojected)
    prepared_wall, prepared_cpu = time.perf_counter() - wall, time.process_time() - cpu
    wall, cpu = time.perf_counter(), time.process_time()
    network(pairs)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"181 projections of 128 x 128 px: network inference {wall:.2f} s wall, {cpu:.2f} s CPU "
          f"(target < 1 s); baseline in this run: resampling to {size} px + FBP + reprojection "
          f"{prepared_wall:.2f} s wall, {prepared_cpu:.2f} s CPU")


if __name__ == "__main__":
    main()
