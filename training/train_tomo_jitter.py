"""Train the learned jitter estimator of `txmalign tomo --coarse learned` on synthetic particles (CPU).

Generates random particles (`engine.tomo.jitter_data`), their projection series with known jitter
(+-5 px on the 64 px input grid, i.e. +-10 px at 128 px), Gaussian noise and salt-and-pepper outliers
(0 to 50 %), reconstructs and reprojects each series, and trains `JitterNet` to regress the correction
(dy, dx) from each (measured, reprojected) pair with the paper's loss (mean squared error).  Everything is seeded; the
weights are exported, batch normalisation folded, to the package's weights folder.

    pip install -e .[train]
    python training/train_tomo_jitter.py [--steps 2500] [--series 500] [--threads 1] [--cache data.npz]

The shipped weights come from the defaults (seed 0, one thread): 2500 steps, held-out MSE 0.305 px^2 on
the 64 px grid (0.250 on training pairs), 988 s on a shared 2-core machine.  Use one thread: on a busy
machine two are ten times slower per step.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tomo_jitter_model import SPEC, JitterNet, export  # noqa: E402

from txmalign_gui.engine.learned import weights_path  # noqa: E402
from txmalign_gui.engine.tomo.jitter_data import jittered_series  # noqa: E402
from txmalign_gui.engine.tomo.learned_coarse import prepare_pairs  # noqa: E402
from txmalign_gui.engine.tomo.projector import ParallelProjector  # noqa: E402

SALT_PEPPER = (0.0, 0.0, 0.1, 0.2, 0.3, 0.4, 0.5)


def make_data(series: int, count: int, seed: int) -> tuple:
    """Network inputs (M, 2, S, S) and targets (M, 2) = corrections (-jitter) in px, from `series` series."""
    rng = np.random.default_rng(seed)
    size = SPEC["input"][-1]
    projectors = {}
    inputs, targets = [], []
    start = time.perf_counter()
    for k in range(series):
        span = float(rng.choice([180.0, 180.0, 120.0]))
        if span not in projectors:
            projectors[span] = ParallelProjector(size, np.linspace(0.0, span, count, endpoint=False))
        s = jittered_series(rng, size, count, amplitude=SPEC["target_scale"], gaussian=rng.uniform(0.0, 0.04),
                            salt_pepper=float(rng.choice(SALT_PEPPER)), span_deg=span,
                            projector=projectors[span])
        inputs.append(prepare_pairs(s.projections, s.reprojections))
        targets.append(-s.jitter)
        if (k + 1) % 10 == 0:
            print(f"  generated {k + 1}/{series} series ({time.perf_counter() - start:.0f} s)", flush=True)
    return np.concatenate(inputs), np.concatenate(targets).astype(np.float32)


def mse_px2(model, x, y, batch=256) -> float:
    """The paper's metric: mean over projections of dx error^2 + dy error^2, in px^2 of the network's 64 px grid
    (four times that on the 128 px grid the benchmark uses)."""
    model.eval()
    with torch.no_grad():
        out = torch.cat([model(torch.from_numpy(x[k:k + batch])) for k in range(0, len(x), batch)])
    model.train()
    error = out.numpy() * SPEC["target_scale"] - y
    return float(np.mean(np.sum(error ** 2, axis=1)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=500)
    parser.add_argument("--count", type=int, default=45, help="projections per series")
    parser.add_argument("--steps", type=int, default=2500, help="optimiser steps (batches of 64)")
    parser.add_argument("--minutes", type=float, default=40.0,
                        help="time cap: training stops early (and says so) when it is reached")
    parser.add_argument("--threads", type=int, default=1, help="1 is fastest on a busy machine")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, help="npz to keep the generated data in (reused if present)")
    parser.add_argument("--out", type=Path, default=weights_path("tomo_jitter.npz"))
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    if args.cache and args.cache.exists():
        with np.load(args.cache) as data:
            x, y = data["x"], data["y"]
    else:
        x, y = make_data(args.series, args.count, args.seed)
        if args.cache:
            np.savez(args.cache, x=x, y=y)
    held = max(len(x) // 10 // args.count, 1) * args.count  # whole series held out for validation
    x_train, y_train, x_val, y_val = x[held:], y[held:], x[:held], y[:held]
    print(f"data: {len(x_train)} training pairs, {len(x_val)} held out")

    batch = 64
    if len(x_train) < batch:
        parser.error(f"{len(x_train)} training pairs are fewer than one batch ({batch}): raise --series")
    model = JitterNet()
    optimiser = torch.optim.Adam(model.parameters(), lr=2e-3, weight_decay=1e-5)
    rng = np.random.default_rng(args.seed + 1)
    budget, start, step, epoch = args.minutes * 60.0, time.perf_counter(), 0, 0
    while step < args.steps and time.perf_counter() - start < budget:
        order = rng.permutation(len(x_train))
        for k in range(0, len(order) - batch + 1, batch):
            if step >= args.steps or time.perf_counter() - start >= budget:
                break
            for group in optimiser.param_groups:  # cosine decay over the steps
                group["lr"] = 2e-3 * 0.5 * (1.0 + np.cos(np.pi * step / args.steps))
            idx = order[k:k + batch]
            xb, yb = x_train[idx].copy(), y_train[idx].copy()
            flip_x, flip_y = rng.random(batch) < 0.5, rng.random(batch) < 0.5
            xb[flip_x] = xb[flip_x][..., ::-1]
            yb[flip_x, 1] *= -1
            xb[flip_y] = xb[flip_y][..., ::-1, :]
            yb[flip_y, 0] *= -1
            pred = model(torch.from_numpy(np.ascontiguousarray(xb)))
            loss = torch.mean((pred - torch.from_numpy(yb / SPEC["target_scale"])) ** 2)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            step += 1
        epoch += 1
        print(f"epoch {epoch}: {step} steps, {time.perf_counter() - start:.0f} s, held-out MSE "
              f"{mse_px2(model, x_val, y_val):.3f} px^2", flush=True)
    if step < args.steps:
        print(f"time cap reached after {step} of {args.steps} steps: the weights are undertrained")
    model.eval()
    print(f"final held-out MSE {mse_px2(model, x_val, y_val):.3f} px^2 (train "
          f"{mse_px2(model, x_train[:2000], y_train[:2000]):.3f})")
    export(model, args.out)
    print(f"weights written to {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
