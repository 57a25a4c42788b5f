"""`txmalign batch align|tomo|xanes-tomo`: many stacks, one output each, on a process pool or Dask.

Argument parsing and printing only (the work is in `txmalign_gui.batch`).  The align and tomo options are
the very ones of `txmalign align` / `tomo` (generated from the same ParamSets), except the per-stack
`--jobs`: in a batch `--jobs N` is the number of stacks aligned at once, each in one process.  Nothing heavy
(numpy, Dask) is imported to build the parser.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from .cli_errors import EXIT_FAILED
from .cli_options import add_align_options, add_tomo_options, align_options, bounded, tomo_options
from .cli_progress import terminal_progress

_SUFFIXES = {"align": "_aligned", "tomo": "_tomo", "xanes-tomo": "_tomo"}
_EPILOG = """examples:
  txmalign batch align scans/ --out-dir aligned/ --jobs 2 --strategy chunked
  txmalign batch align 'run*/xanes_*.h5' --dataset /img_xanes --out-dir aligned/ --dask-local 4
  txmalign batch tomo @series.txt --out-dir tomo/ --dask-scheduler tcp://head-node:8786
  txmalign batch xanes-tomo tomo_e*.h5 --out-dir tomo/ --out xanes_tomo.h5 --energies energies.txt

INPUT is a folder (its stack files), a glob pattern, @LIST (a text file, one source per line) or one
source (scan.h5, scan.h5:/dataset).  Each stack gets OUT_DIR/<name><suffix>.h5; a run that stopped half
way is resumed by running the same command again: complete outputs are checked and skipped.  The exit
status is 1 when any stack failed.  Dask (pip install 'txmalign[dask]'): --dask-local N starts N worker
processes here; --dask-scheduler ADDRESS uses a running cluster whose workers see the same files (on
SLURM or PBS, start one with dask-jobqueue: see the README or the app's help page on batches)."""


_workers = bounded(int, "a whole number", lambda value: value >= 1, "{} workers: give 1 or more")


def _add_batch_options(parser: argparse.ArgumentParser, kind: str) -> None:
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="folder, glob pattern, @LIST file or source")
    parser.add_argument("--out-dir", required=True, metavar="DIR", help="folder for the outputs (made if missing)")
    parser.add_argument("--suffix", default=_SUFFIXES[kind],
                        help=f"added to each input's name for its output (default: {_SUFFIXES[kind]})")
    parser.add_argument("--dataset", metavar="/PATH", help="dataset to read from every HDF5 input named without one")
    where = parser.add_argument_group("where the stacks run (one of)").add_mutually_exclusive_group()
    where.add_argument("--jobs", type=_workers, default=1, metavar="N",
                       help="stacks aligned at once in local processes (default: 1)")
    where.add_argument("--dask-local", type=_workers, metavar="N", help="start a local Dask cluster of N workers")
    where.add_argument("--dask-scheduler", metavar="ADDRESS",
                       help="use the running Dask cluster at ADDRESS (e.g. tcp://host:8786)")
    parser.add_argument("--json", action="store_true", help="print the outcome of every stack as one JSON line")


def add_batch_parser(sub, formatter) -> None:
    """Register `batch` and its three kinds with the `txmalign` subcommand parser `sub`."""
    batch = sub.add_parser("batch", formatter_class=formatter, help="align many stacks (local pool or Dask)",
                           description="Run align or tomo jobs over many stacks, one output each, resuming "
                                       "where a stopped run left off.", epilog=_EPILOG)
    kinds = batch.add_subparsers(dest="batch_kind", metavar="KIND", required=True)
    p = kinds.add_parser("align", formatter_class=formatter, help="`txmalign align` on every stack",
                         description="Align every stack as `txmalign align` does (same options).", epilog=_EPILOG)
    _add_batch_options(p, "align")
    add_align_options(p, per_stack_jobs=False)
    p.set_defaults(handler=_cmd_batch)
    for kind, text in (("tomo", "`txmalign tomo` on every projection series"),
                       ("xanes-tomo", "one tomography series per energy: align each, then the energies")):
        p = kinds.add_parser(kind, formatter_class=formatter, help=text, epilog=_EPILOG,
                             description=_XANES_DESCRIPTION if kind == "xanes-tomo" else
                             "Align every projection series as `txmalign tomo` does (angles from each file).")
        _add_batch_options(p, kind)
        add_tomo_options(p, per_stack_jobs=False)
        if kind == "xanes-tomo":
            _add_xanes_options(p)
        p.set_defaults(handler=_cmd_batch)


_XANES_DESCRIPTION = ("XANES tomography: align each energy's projection series (as `batch tomo`), then register "
                      "every series onto the reference series projection by projection at the same angle, and "
                      "write the per-energy and per-projection transforms to OUT.  INPUTs are the series in "
                      "energy order.")


def _add_xanes_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("matching the energies")
    group.add_argument("--out", required=True, metavar="FILE", help="HDF5 file for the per-energy transforms")
    group.add_argument("--reference-series", type=int, default=0, metavar="K",
                       help="series (from 0, in INPUT order) the others are aligned to (default: 0)")
    group.add_argument("--cross-method", default="tvdm", metavar="METHOD",
                       help="pair method across energies (see `txmalign methods`; default: tvdm, made for the "
                            "contrast change at an absorption edge)")
    group.add_argument("--energies", metavar="FILE", help="energies in eV, one per series, stored with the result")


def _jobs(args, kind: str):
    from .batch.runner import BatchJob
    from .batch.sources import expand_sources, plan_outputs

    sources = expand_sources(args.inputs, args.dataset, args.suffix)
    os.makedirs(args.out_dir, exist_ok=True)
    outputs = plan_outputs(sources, args.out_dir, args.suffix)
    options = align_options(args) if kind == "align" else tomo_options(args)
    return [BatchJob("align" if kind == "align" else "tomo", s, o, options, args.force)
            for s, o in zip(sources, outputs)]


def _cmd_batch(args) -> int:
    from .batch.runner import exit_failed, summary_rows

    kind = args.batch_kind
    jobs = _jobs(args, kind)
    backend = dict(workers=args.jobs, scheduler=args.dask_scheduler, local_workers=args.dask_local or 0)
    progress = terminal_progress("batch")
    if kind == "xanes-tomo":
        return _xanes(args, jobs, backend, progress)
    from .batch.backends import run_jobs

    outcomes = run_jobs(jobs, progress=progress, **backend)
    failed = exit_failed(outcomes)
    if args.json:
        print(json.dumps({"stacks": outcomes}, default=str))
    else:
        _print_table(summary_rows(outcomes))
    return EXIT_FAILED if failed else 0


def _xanes(args, jobs, backend, progress) -> int:
    from .batch.runner import summary_rows
    from .batch.xanes_tomo import run_xanes_tomo
    from .io import load_energies

    energies = load_energies(args.energies) if args.energies else None
    result = run_xanes_tomo(jobs, args.out, reference=args.reference_series, method=args.cross_method,
                            energies=energies, force=args.force, progress=progress, **backend)
    if args.json:
        print(json.dumps(result, default=str))
    else:
        _print_table(summary_rows(result["series"]))
        if result["energies_table"]:
            print("\nseries   dy (px)   dx (px)   cos (px)   sin (px)   spread (px)   used")
            for row in result["energies_table"]:
                print(f"{row['series']:>6} {row['dy_px']:+9.3f} {row['dx_px']:+9.3f} {row['cos_px']:+10.3f} "
                      f"{row['sin_px']:+10.3f} {row['spread_px']:12.3f} {row['projections_used']:6d}")
            print(f"written     {args.out}")
    if result["error"]:
        print(f"txmalign: error: {result['error']}", file=sys.stderr)
        return EXIT_FAILED
    return 0


def _print_table(rows) -> None:
    counts = {}
    for row in rows:
        counts[row[1]] = counts.get(row[1], 0) + 1
    width = min(max(len(r[0]) for r in rows), 60)
    print(f"{'input':<{width}}  {'status':<9} {'seconds':>8}  output or error")
    for source, status, seconds, note in rows:
        print(f"{source[-width:]:<{width}}  {status:<9} {seconds:>8}  {note}")
    print(", ".join(f"{n} {s}" for s, n in sorted(counts.items())) + f" of {len(rows)} stacks")
