"""The `txmalign` command line: argument parsing and printing only; the work is done by engine and io.

Every subcommand turns `TxmAlignError` (bad input, cancel) into a one-line
message on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from . import __version__
from .engine import available_methods, register_pair
from .engine.errors import Cancelled, TxmAlignError
from .engine.params import parse_assignments
from .engine.progress import Progress
from .engine.validation import parse_roi

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


# -- shared helpers -----------------------------------------------------------------------------
def terminal_progress(label: str, stream=None) -> Progress:
    """A Progress that draws a one-line bar on a terminal (and stays silent when piped)."""
    stream = stream or sys.stderr
    if not stream.isatty():
        return Progress()
    started = time.monotonic()

    def draw(fraction: float, message: str) -> None:
        width = 30
        filled = int(round(fraction * width))
        elapsed = time.monotonic() - started
        eta = f" ~{elapsed * (1 - fraction) / fraction:4.0f}s left" if 0.02 < fraction < 1 else ""
        stream.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {fraction * 100:5.1f}%{eta} "
                     f"{message[:40]:<40}")
        if fraction >= 1.0:
            stream.write("\n")
        stream.flush()

    return Progress(callback=draw)


def _method_params(args) -> dict:
    params = parse_assignments(args.param)
    if getattr(args, "rotation", False):
        params["rotation"] = "true"
    return params


def _add_method_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--method", default="tvdm",
                        help="registration method (see `txmalign methods`; default: tvdm)")
    parser.add_argument("--rotation", action="store_true", help="also correct rotation")
    parser.add_argument("--param", action="append", metavar="KEY=VALUE",
                        help="set a method parameter, repeatable (e.g. --param sigma=2)")
    parser.add_argument("--roi", type=parse_roi, metavar="Y0:Y1,X0:X1",
                        help="register only this rectangle (rows Y0..Y1, columns X0..X1)")
    parser.add_argument("--mask", metavar="FILE",
                        help="image file, True/nonzero where pixels may be used (e.g. not a beam block)")


# -- register -----------------------------------------------------------------------------------
def _cmd_register(args) -> int:
    from .io import read_image, read_mask

    fixed = read_image(args.fixed)
    moving = read_image(args.moving)
    mask = read_mask(args.mask) if args.mask else None
    result = register_pair(fixed, moving, method=args.method, params=_method_params(args), mask=mask,
                           roi=args.roi, progress=terminal_progress("register"))
    if args.json:
        print(json.dumps(result.to_dict()))
    else:
        t = result.transform
        print(f"method      {result.method}")
        print(f"dy, dx      {t.dy:+.3f} px, {t.dx:+.3f} px")
        print(f"angle       {t.angle_deg:+.3f} deg")
        print(f"cost        {result.cost:.6g}")
        print(f"status      {result.status} (confidence {result.confidence:.2f})"
              + (f": {result.message}" if result.message else ""))
        print(f"time        {result.seconds:.3f} s")
        print("apply as    ndimage.shift(skimage.transform.rotate(moving, angle), (dy, dx)) ~ fixed")
    return 0 if result.status != "failed" else 1


# -- methods ------------------------------------------------------------------------------------
def _cmd_methods(args) -> int:
    specs = available_methods()
    if args.json:
        print(json.dumps([spec.describe() for spec in specs], indent=2))
        return 0
    for spec in specs:
        rotation = "translation + rotation" if spec.supports_rotation else "translation only"
        print(f"{spec.name}  ({spec.label}; {rotation})")
        print(f"    {spec.description}")
        for p in spec.params:
            allowed = ""
            if p.choices:
                allowed = f" one of {', '.join(map(str, p.choices))};"
            elif p.minimum is not None or p.maximum is not None:
                allowed = f" range {p.minimum}..{p.maximum};"
            print(f"    --param {p.name}={p.default!s:<8} ({p.kind.__name__};{allowed} {p.help})")
        print()
    return 0


# -- align / apply / tomo / example -------------------------------------------------------------
def _prepare_options(args, minus_log_default: bool = False):
    from .batch import PrepareOptions

    minus_log = minus_log_default if args.minus_log is None else args.minus_log
    return PrepareOptions(flat_field=not args.no_flat_field, minus_log=minus_log)


def _cmd_align(args) -> int:
    from .batch import AlignOptions, run_align

    options = AlignOptions(
        method=args.method, params=_method_params(args), strategy=args.strategy, anchor=args.anchor,
        chunk_size=args.chunk_size, window=args.window, binning=args.binning, roi=args.roi,
        mask_path=args.mask, reference=args.reference, jobs=args.jobs, prepare=_prepare_options(args))
    summary = run_align(args.input, args.out, options, progress=terminal_progress("align"),
                        transforms_csv=args.transforms_csv, tiff=args.tiff, force=args.force)
    if args.json:
        print(json.dumps(summary))
        return 0
    worst, confidence = summary["lowest_confidence"]
    statuses = ", ".join(f"{n} {s}" for s, n in sorted(summary["statuses"].items()))
    print(f"aligned {summary['images']} images with {summary['method']} ({summary['strategy']}, "
          f"anchor {summary['anchor']}) in {summary['seconds']:.1f} s")
    print(f"status      {statuses}; lowest confidence {confidence:.2f} (image {worst})")
    print(f"largest     shift {summary['largest_shift_px']:.2f} px, angle {summary['largest_angle_deg']:.2f} deg")
    if summary["flagged_pairs"]:
        print(f"flagged     {summary['flagged_pairs']} registrations disagreed with the rest")
    for message in summary["messages"]:
        print(f"note        {message}")
    print(f"written     {args.out}" + "".join(f", {p}" for p in (args.transforms_csv, args.tiff) if p))
    return 0


def _cmd_apply(args) -> int:
    from .batch import run_apply

    summary = run_apply(args.transforms, args.input, args.out, _prepare_options(args),
                        progress=terminal_progress("apply"), force=args.force)
    print(f"resampled {summary['images']} images into {summary['output']}")
    return 0


def _cmd_tomo(args) -> int:
    from .batch import run_tomo

    params = parse_assignments(args.param)
    if args.iterations is not None:
        params["iterations"] = args.iterations
    if args.binning is not None:
        params["binning"] = args.binning
    if args.coarse is not None:
        params["coarse"] = args.coarse != "none"
        if args.coarse != "none":
            params["coarse_method"] = args.coarse
    summary = run_tomo(args.input, args.out, angles=args.angles, params=params,
                       prepare=_prepare_options(args, minus_log_default=True),
                       progress=terminal_progress("tomo"), force=args.force)
    state = "converged" if summary["converged"] else "stopped at the iteration limit"
    print(f"aligned {summary['projections']} projections in {summary['seconds']:.1f} s ({state}, "
          f"{summary['rounds']} rounds)")
    print(f"rotation axis {summary['centre_offset_px']:+.2f} px from the central column, tilted "
          f"{summary['axis_tilt_deg']:+.3f} deg (counter-clockwise as displayed)")
    for message in summary["messages"]:
        print(f"note        {message}")
    print(f"written     {args.out}")
    return 0


def _cmd_example(args) -> int:
    from .batch import check_output
    from .io.example import write_example

    check_output(args.out, [], args.force)
    write_example(args.out)
    print(f"wrote the synthetic XANES example (101 energies, 128 x 128 px, known transforms in "
          f"/truth_transforms) to {args.out}")
    return 0


def _add_prepare_options(parser: argparse.ArgumentParser, minus_log_default: bool) -> None:
    parser.add_argument("--no-flat-field", action="store_true",
                        help="ignore flat and dark fields stored with the data")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--minus-log", dest="minus_log", action="store_true", default=None,
                       help="convert transmission to absorbance (-log)" + (" (default)" if minus_log_default
                                                                          else ""))
    group.add_argument("--no-minus-log", dest="minus_log", action="store_false",
                       help="keep intensities as they are" + ("" if minus_log_default else " (default)"))
    parser.add_argument("--force", action="store_true", help="replace OUTPUT if it exists (never the input)")


# -- parser -------------------------------------------------------------------------------------
class _Formatter(argparse.RawDescriptionHelpFormatter):
    pass


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="txmalign", formatter_class=_Formatter,
        description="Align transmission X-ray microscopy images and stacks (XANES, tomography).",
        epilog="examples:\n  txmalign example --out demo.h5\n  txmalign align demo.h5 --out aligned.h5\n"
               "  txmalign register a.tif b.tif --json\n  txmalign methods")
    parser.add_argument("--version", action="version", version=f"txmalign {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("register", formatter_class=_Formatter, help="register one image pair",
                       description="Find the transform (dy, dx, angle) that aligns MOVING with FIXED.",
                       epilog="example:\n  txmalign register e8330.tif e8350.tif --method tvdm --rotation "
                              "--roi 100:400,50:450 --json\n  txmalign register scan.h5:/img_xanes[0] "
                              "scan.h5:/img_xanes[40]")
    p.add_argument("fixed", help="target image: TIFF, .npy or file.h5:/dataset[index]")
    p.add_argument("moving", help="image to align, same forms as FIXED")
    _add_method_options(p)
    p.add_argument("--json", action="store_true", help="print one JSON line with the result")
    p.set_defaults(handler=_cmd_register)

    p = sub.add_parser("align", formatter_class=_Formatter, help="align a whole stack",
                       description="Align every image of a stack with an anchor image and write the aligned "
                                   "stack, transforms and provenance to HDF5.",
                       epilog="example:\n  txmalign align scan.h5 --out aligned.h5 --strategy chunked "
                              "--chunk-size 5 --transforms-csv shifts.csv\n  txmalign align "
                              "scan.h5:/img_xanes --out aligned.h5 --method phasecorr --jobs 2")
    p.add_argument("input", help="stack: TIFF, folder of TIFFs, .npy, HDF5 (file.h5:/dataset), .txrm, "
                                 "folder of .xrm")
    p.add_argument("--out", required=True, help="aligned HDF5 file to write")
    _add_method_options(p)
    p.add_argument("--strategy", default="anchor", choices=("anchor", "sequential", "chunked", "consistent"),
                   help="how images are paired (default: anchor)")
    p.add_argument("--anchor", type=int, help="index of the anchor image (default: the middle one)")
    p.add_argument("--chunk-size", type=int, default=5, help="chunk size for chunked/consistent (default 5)")
    p.add_argument("--window", type=int, default=3, help="neighbours on each side for consistent (default 3)")
    p.add_argument("--binning", type=int, default=1, help="register binned copies (faster), default 1")
    p.add_argument("--reference", metavar="IMAGE",
                   help="separate registration target (TIFF, .npy or file.h5:/dataset[index])")
    p.add_argument("--jobs", type=int, default=0, help="worker processes; 0 = all cores (default)")
    p.add_argument("--transforms-csv", metavar="FILE", help="also write index,dy,dx,angle_deg rows")
    p.add_argument("--tiff", metavar="FILE", help="also write the aligned stack as TIFF")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON line")
    _add_prepare_options(p, minus_log_default=False)
    p.set_defaults(handler=_cmd_align)

    p = sub.add_parser("apply", formatter_class=_Formatter, help="apply saved transforms to another stack",
                       description="Resample INPUT with the transforms saved by `align` (CSV or aligned HDF5).",
                       epilog="example:\n  txmalign apply shifts.csv raw_channel2.tif --out channel2_aligned.h5")
    p.add_argument("transforms", help="transforms CSV or aligned HDF5 file")
    p.add_argument("input", help="stack with as many images as there are transforms")
    p.add_argument("--out", required=True, help="output: .h5 (with provenance) or .tif")
    _add_prepare_options(p, minus_log_default=False)
    p.set_defaults(handler=_cmd_apply)

    p = sub.add_parser("tomo", formatter_class=_Formatter, help="correct jitter in a tomography series",
                       description="Align tomography projections by tomographic consistency (reconstruct, "
                                   "reproject, register, iterate).",
                       epilog="example:\n  txmalign tomo scan.h5 --out aligned.h5\n  txmalign tomo "
                              "projections.tif --angles angles.txt --out aligned.h5 --binning 2")
    p.add_argument("input", help="projections: Data Exchange / FXI HDF5, .txrm, or a TIFF stack")
    p.add_argument("--out", required=True, help="aligned HDF5 file to write")
    p.add_argument("--angles", metavar="FILE|DATASET",
                   help="angles in degrees: text file or file.h5:/dataset (default: from the input)")
    p.add_argument("--iterations", type=int, help="most rounds per resolution level (default 6)")
    p.add_argument("--binning", type=int, help="coarsest binning of the schedule (default 4: 4, 2, 1)")
    p.add_argument("--coarse", choices=("invariants", "learned", "none"),
                   help="coarse step: invariants (row profiles, centre of mass; default), learned (trained "
                        "network on projection/reprojection pairs) or none")
    p.add_argument("--param", action="append", metavar="KEY=VALUE",
                   help="set a tomography parameter, repeatable (see `txmalign methods`)")
    _add_prepare_options(p, minus_log_default=True)
    p.set_defaults(handler=_cmd_tomo)

    p = sub.add_parser("example", formatter_class=_Formatter, help="write the synthetic example stack",
                       description="Write the bundled synthetic XANES example (with its true transforms).",
                       epilog="example:\n  txmalign example --out demo.h5 && txmalign align demo.h5 --out a.h5")
    p.add_argument("--out", required=True, help="HDF5 file to write")
    p.add_argument("--force", action="store_true", help="replace OUTPUT if it exists")
    p.set_defaults(handler=_cmd_example)

    p = sub.add_parser("methods", formatter_class=_Formatter, help="list methods and their parameters",
                       description="List the registration methods, their parameters, defaults and meaning.",
                       epilog="example:\n  txmalign methods\n  txmalign methods --json")
    p.add_argument("--json", action="store_true", help="machine-readable description")
    p.set_defaults(handler=_cmd_methods)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_BAD_INPUT
    try:
        return args.handler(args)
    except Cancelled as exc:
        print(f"txmalign: {exc}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        print("\ntxmalign: interrupted; no output was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except TxmAlignError as exc:
        print(f"txmalign: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        print(f"txmalign: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
