"""Train the learned initial guess of the correlative mode (X-ray / EM similarity) on synthetic pairs (CPU).

Generates pairs with `engine.correlative.synthetic` (phantoms of particles, grains and cells, and a share
of the natural images in `NATURAL_TRAINING`; rotation +-30 deg, scale 0.8 - 1.25, shifts +-15 % of the
field), prepares them as the inference does (`engine.learned.correlative.network_input`: standardised
images plus their edge strength; the cache keeps the standardised images, the edges are computed per batch) and
trains the two-branch `SimilarityNet` to regress the standardised (angle, log scale, dy, dx) with a mean
squared error, each batch reflected at random (`synthetic.dihedral`, transforms adjusted).  Held out:
phantom pairs from another seed and pairs made from the natural images of `NATURAL_VALIDATION` (never
used in training).  Data chunks and a checkpoint live in --cache, so an interrupted run resumes where it
stopped (the time cap counts across runs).  Everything is seeded; the weights are exported, batch
normalisation folded, to the package's weights folder.

    pip install -e .[train]
    python training/train_correlative_affine.py [--pairs 10000] [--steps 3000] [--minutes 25] [--threads 1]

Recorded run (the shipped weights): `--threads 1`, defaults otherwise, on a 2-core machine shared with
about ten other jobs (the process got ~0.3 of a core).  Data: 10 000 training pairs (25 % natural images),
8 min to generate.  Training: 3000 steps of 64 in 18.8 min; loss (MSE of standardised targets, 1.0 for
guessing "no motion") and held-out phantom errors, median (90th percentile):

    step   loss   angle deg       scale %         shift px (64 px grid)
     500   0.99   14.94 (26.40)   9.29 (19.07)    7.65 (10.88)
    1000   0.73   10.50 (23.87)   8.01 (18.28)    5.45 (10.25)
    2000   0.69    8.60 (22.12)   7.94 (17.22)    4.51 (9.48)
    3000   0.53    8.07 (21.29)   7.88 (17.10)    4.30 (9.36)

Final: training pairs 7.98 deg, 7.10 %, 4.45 px; held-out phantoms 8.07 deg, 7.88 %, 4.30 px; held-out
natural images (camera, astronaut, coins, moon, brick; never trained on) 7.57 deg (p90 22.45), 8.82 %
(p90 19.63), 4.20 px (p90 9.06).  Guessing "no motion" gives medians of about 15 deg, 10 % and 7.5 px.
So the network is a coarse guess for the refinement, not a registration: angle and shift roughly halve, the
scale barely improves, and training and held-out errors agree (it underfits: more steps would help).  A
first, 5x larger configuration (16/32-channel branches, 64-channel joint stage, no edge channels) reached
only 250 steps in 15 min on the shared machine and was stopped.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from correlative_affine_model import SPEC, SimilarityNet, export  # noqa: E402

from txmalign_gui.engine.correlative.synthetic import NATURAL_TRAINING, NATURAL_VALIDATION, dihedral, pair_batch  # noqa: E402
from txmalign_gui.engine.learned import weights_path  # noqa: E402
from txmalign_gui.engine.learned.correlative import decode, encode, standardised_pairs, with_edges  # noqa: E402

CHUNK = 500
PHANTOM_VALIDATION_SEED, NATURAL_VALIDATION_SEED = 1, 2


def chunk(cache: Path, name: str, seed: int, count: int, naturals=(), share=0.0) -> tuple:
    """Standardised pairs (count, 2, S, S) float16 and transforms (count, 4) of one seeded chunk (cached)."""
    path = cache / f"{name}.npz"
    if path.exists():
        with np.load(path) as data:
            return data["x"], data["t"]
    pairs = pair_batch(seed, count, SPEC["input"][-1], naturals, share)
    x = standardised_pairs(np.stack([p.xray for p in pairs]), np.stack([p.em for p in pairs])).astype(np.float16)
    t = np.array([p.transform for p in pairs], dtype=np.float64)
    np.savez(path, x=x, t=t)
    return x, t


def errors(model, x, t, batch=256) -> dict:
    """Median and 90th-percentile errors: angle (deg), scale (%), shift (px on the 64 px grid)."""
    model.eval()
    with torch.no_grad():
        out = torch.cat([model(torch.from_numpy(with_edges(x[k:k + batch].astype(np.float32))))
                         for k in range(0, len(x), batch)]).numpy()
    model.train()
    found = decode(out, SPEC)
    angle = np.abs(found[:, 2] - t[:, 2])
    scale = np.abs(found[:, 3] / t[:, 3] - 1.0) * 100.0
    shift = np.hypot(found[:, 0] - t[:, 0], found[:, 1] - t[:, 1])
    return {name: (float(np.median(v)), float(np.percentile(v, 90)))
            for name, v in (("deg", angle), ("scale %", scale), ("px", shift))}


def describe(figures: dict) -> str:
    return ", ".join(f"{name} {m:.2f} (p90 {p:.2f})" for name, (m, p) in figures.items())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10000, help="training pairs (chunks of 500)")
    parser.add_argument("--natural-share", type=float, default=0.25)
    parser.add_argument("--validation", type=int, default=500, help="held-out pairs of each kind")
    parser.add_argument("--steps", type=int, default=3000, help="optimiser steps (batches of 64)")
    parser.add_argument("--minutes", type=float, default=25.0, help="training time cap, across resumes")
    parser.add_argument("--threads", type=int, default=1, help="1 is fastest on a busy machine")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, default=Path(__file__).resolve().parent / ".cache" / "correlative")
    parser.add_argument("--fresh", action="store_true", help="ignore a checkpoint in --cache")
    parser.add_argument("--out", type=Path, default=weights_path("correlative_affine.npz"))
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    args.cache.mkdir(parents=True, exist_ok=True)

    start = time.perf_counter()
    xs, ts = [], []
    for k in range(args.pairs // CHUNK):
        x, t = chunk(args.cache, f"train_{args.seed}_{k}", 1000 * (args.seed + 1) + 10 + k, CHUNK,
                     NATURAL_TRAINING, args.natural_share)
        xs.append(x)
        ts.append(t)
        print(f"  data: {(k + 1) * CHUNK} pairs ({time.perf_counter() - start:.0f} s)", flush=True)
    x_train, t_train = np.concatenate(xs), np.concatenate(ts)
    x_phantom, t_phantom = chunk(args.cache, "val_phantom", PHANTOM_VALIDATION_SEED, args.validation)
    x_natural, t_natural = chunk(args.cache, "val_natural", NATURAL_VALIDATION_SEED, args.validation,
                                 NATURAL_VALIDATION, 1.0)
    print(f"data: {len(x_train)} training pairs; held out {len(x_phantom)} phantom and {len(x_natural)} "
          f"natural-image pairs ({time.perf_counter() - start:.0f} s)", flush=True)

    model = SimilarityNet()
    optimiser = torch.optim.Adam(model.parameters(), lr=2e-3, weight_decay=1e-5)
    rng = np.random.default_rng(args.seed + 1)
    step, used = 0, 0.0
    checkpoint = args.cache / f"checkpoint_{args.seed}.pt"
    if checkpoint.exists() and not args.fresh:
        state = torch.load(checkpoint, weights_only=False)
        model.load_state_dict(state["model"])
        optimiser.load_state_dict(state["optimiser"])
        rng.bit_generator.state = state["rng"]
        step, used = state["step"], state["seconds"]
        print(f"resumed at step {step} ({used:.0f} s of training used)")

    def save():
        torch.save({"model": model.state_dict(), "optimiser": optimiser.state_dict(), "step": step,
                    "seconds": used + time.perf_counter() - begun, "rng": rng.bit_generator.state}, checkpoint)

    batch, budget, begun = 64, args.minutes * 60.0, time.perf_counter()
    while step < args.steps and used + time.perf_counter() - begun < budget:
        for group in optimiser.param_groups:  # cosine decay over the steps
            group["lr"] = 2e-3 * 0.5 * (1.0 + np.cos(np.pi * step / args.steps))
        idx = rng.integers(0, len(x_train), batch)
        flips = rng.random((3, batch)) < 0.5
        xb, tb = dihedral(x_train[idx].astype(np.float32), t_train[idx], *flips)
        pred = model(torch.from_numpy(with_edges(xb)))
        loss = torch.mean((pred - torch.from_numpy(encode(tb, SPEC))) ** 2)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        step += 1
        if step % 250 == 0 or step == args.steps:
            save()
            print(f"step {step}: loss {loss.item():.4f}, {used + time.perf_counter() - begun:.0f} s; held-out "
                  f"phantoms: {describe(errors(model, x_phantom, t_phantom))}", flush=True)
    used += time.perf_counter() - begun
    begun = time.perf_counter()
    save()
    if step < args.steps:
        print(f"time cap reached after {step} of {args.steps} steps: the weights are undertrained")
    model.eval()
    print(f"final after {step} steps, {used / 60:.1f} min of training:")
    print(f"  training pairs (2000): {describe(errors(model, x_train[:2000], t_train[:2000]))}")
    print(f"  held-out phantoms:     {describe(errors(model, x_phantom, t_phantom))}")
    print(f"  held-out natural:      {describe(errors(model, x_natural, t_natural))}")
    export(model, args.out)
    print(f"weights written to {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
