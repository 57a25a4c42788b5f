"""The `txmalign` command line: argument parsing and printing only; the work is done by engine and io.

Every subcommand runs inside one guard (`cli_errors.guarded`) that turns bad input, a full disk, too
little memory, a dead worker process, Ctrl-C and SIGTERM into a one-line message on stderr (exit 2,
or 130 when interrupted), never a traceback; library warnings are printed as short notes after it.
"""

from __future__ import annotations

import argparse
import json
import sys

from . import __version__
from .cli_batch import add_batch_parser
from .cli_correlate import add_correlate_parser
from .cli_errors import EXIT_BAD_INPUT, EXIT_FAILED, guarded, result_exit
from .cli_options import (
    APPLY_PREPARE,
    add_align_options,
    add_method_options,
    add_prepare_options,
    add_rectangle_option,
    add_tomo_options,
    align_options,
    method_params,
    prepare_options,
    tomo_options,
)
from .cli_progress import terminal_progress
from .engine.check_params import CHECK_CHOICES, DISAGREE_PX, default_check

# The engine (numpy, scipy, scikit-image) is imported inside the guard, so Ctrl-C while it loads is clean.


# -- register -----------------------------------------------------------------------------------
def _cmd_register(args) -> int:
    from .engine import register_pair
    from .io import read_image, read_mask

    fixed = read_image(args.fixed)
    moving = read_image(args.moving)
    mask = read_mask(args.mask) if args.mask else None
    check = default_check(args.method) if args.check == "auto" else args.check
    result = register_pair(fixed, moving, method=args.method, params=method_params(args), mask=mask,
                           roi=args.roi, progress=terminal_progress("register"), check=check)
    if args.json:
        print(json.dumps(result.to_dict()))
    else:
        t = result.transform
        print(f"method      {result.method}")
        print(f"dy, dx      {t.dy:+.3f} px, {t.dx:+.3f} px")
        print(f"angle       {t.angle_deg:+.3f} deg")
        if t.kind != "rigid":
            print(f"scale       {t.scale:.6f} ({t.kind}; matrix [A | d] {t.matrix().round(6).tolist()})")
        print(f"cost        {result.cost:.6g}")
        print(f"status      {result.status} (confidence {result.confidence:.2f})"
              + (f": {result.message}" if result.message else ""))
        print(f"time        {result.seconds:.3f} s")
        if "check" in result.details:
            c = result.details["check"]
            verdict = "agrees" if c["agrees"] else f"DISAGREES (more than {DISAGREE_PX} px)"
            print(f"check       {c['method']}: {c['dy']:+.3f} px, {c['dx']:+.3f} px, {c['angle_deg']:+.3f} deg "
                  f"({c['status']}); differs by {c['difference_px']:.2f} px: {verdict}")
        print("apply as    " + ("ndimage.shift(skimage.transform.rotate(moving, angle), (dy, dx)) ~ fixed"
                                if t.kind == "rigid" else
                                "txmalign_gui.engine.transform.apply_transform(moving, transform) ~ fixed"))
    return result_exit(result.status)


# -- methods ------------------------------------------------------------------------------------
def _cmd_methods(args) -> int:
    from .engine import available_methods

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


def _cmd_formats(args) -> int:
    from .io import available_readers

    readers = available_readers()
    if args.json:
        print(json.dumps([{"name": r.name, "description": r.description, "extensions": list(r.extensions),
                           "folder": r.folder} for r in readers], indent=2))
        return 0
    for reader in readers:
        where = "a folder of " if reader.folder else ""
        print(f"{reader.name:<15} {where}{' '.join('*' + e for e in reader.extensions)}  {reader.description}")
    print("\nHDF5 files take file.h5:/path/to/dataset; single images also file.h5:/dataset[index].")
    return 0


# -- align / apply / tomo / example -------------------------------------------------------------
def _cmd_align(args) -> int:
    from .batch import run_align

    options = align_options(args)
    summary = run_align(args.input, args.out, options, progress=terminal_progress("align"),
                        transforms_csv=args.transforms_csv, tiff=args.tiff, force=args.force)
    status = 0 if summary["trusted"] else EXIT_FAILED
    if not summary["trusted"]:
        failed = summary["statuses"].get("failed", 0)
        print(f"txmalign: error: {failed} of {summary['images']} images failed to register; the result was "
              f"written to {args.out} for inspection but is not an alignment", file=sys.stderr)
    if args.json:
        print(json.dumps(summary))
        return status
    worst, confidence = summary["lowest_confidence"]
    statuses = ", ".join(f"{n} {s}" for s, n in sorted(summary["statuses"].items()))
    print(f"aligned {summary['images']} images with {summary['method']} ({summary['strategy']}, "
          f"anchor {summary['anchor']}) in {summary['seconds']:.1f} s")
    print(f"status      {statuses}; lowest confidence {confidence:.2f} (image {worst})")
    print(f"largest     shift {summary['largest_shift_px']:.2f} px, angle {summary['largest_angle_deg']:.2f} deg"
          + (f", scale change {100 * summary['largest_scale_change']:.3f} %" if summary["transform_kind"] != "rigid"
             else ""))
    if summary["flagged_pairs"]:
        print(f"flagged     {summary['flagged_pairs']} registrations not ok (the notes below say why)")
    if summary["check_method"] != "none":
        flagged = summary["check_disagreements"]
        print(f"check       {summary['check_method']}: " + (f"differs by more than {DISAGREE_PX} px on images "
                                                            f"{', '.join(map(str, flagged))}" if flagged
                                                            else "agrees on every image"))
    for message in summary["messages"]:
        print(f"note        {message}")
    print(f"written     {args.out}" + "".join(f", {p}" for p in (args.transforms_csv, args.tiff) if p))
    return status


def _cmd_apply(args) -> int:
    from .batch import run_apply

    summary = run_apply(args.transforms, args.input, args.out, prepare_options(args, APPLY_PREPARE),
                        progress=terminal_progress("apply"), force=args.force,
                        skip_axis_values=args.skip_axis_values)
    print(f"resampled {summary['images']} images into {summary['output']}")
    for message in summary["messages"]:
        print(f"note        {message}")
    return 0


def _cmd_tomo(args) -> int:
    from .batch import run_tomo

    options = tomo_options(args)
    summary = run_tomo(args.input, args.out, angles=args.angles, params=options.params, prepare=options.prepare,
                       progress=terminal_progress("tomo"), force=args.force,
                       skip_axis_values=options.skip_axis_values)
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
    from .batch import check_outputs
    from .io.example import write_example

    check_outputs([args.out], [], args.force)
    write_example(args.out)
    print(f"wrote the synthetic XANES example (101 energies, 128 x 128 px, known transforms in "
          f"/truth_transforms) to {args.out}")
    return 0


def _energy_range(text: str) -> tuple:
    try:
        lo, hi = (float(v) for v in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"an energy range looks like E0:E1 in eV, got {text!r}") from None
    return (min(lo, hi), max(lo, hi))


def _cmd_spectra(args) -> int:
    from .batch.spectra_job import SpectraOptions, run_spectra

    options = SpectraOptions(region=args.region, i0_file=args.i0, i0_region=args.i0_region,
                             energies=args.energies, normalize=args.normalize, pre=args.pre, post=args.post)
    summary = run_spectra(args.input, options, csv=args.csv, hdf5=args.hdf5, name=args.name, force=args.force)
    print(f"OD of {summary['points']} energies from {summary['od_min']:.4f} to {summary['od_max']:.4f} "
          f"(I0: {summary['i0']})")
    if summary["edge_step"] is not None:
        print(f"edge        {summary['edge_energy_derivative_eV']:.2f} eV (derivative maximum), "
              f"{summary['edge_energy_half_step_eV']:.2f} eV (half step); step {summary['edge_step']:.4g}")
    print("written     " + ", ".join(p for p in (args.csv, args.hdf5 and f"{args.hdf5}:/spectra/{args.name}") if p))
    return 0


def _cmd_exercise(args) -> int:
    from .batch.exercise_job import run_check_exercise, run_make_exercise
    from .engine.errors import InputError
    from .engine.teaching import EXERCISES

    if args.action != "list" and not args.target:
        raise InputError(f"`exercise {args.action}` needs " + ("an exercise name" if args.action == "make"
                                                                else "the exercise file"))
    if args.action == "make" and not args.out:
        raise InputError("`exercise make` needs --out FILE")
    if args.action == "list":
        for spec in EXERCISES.values():
            print(f"{spec.name}  ({spec.title})\n    {spec.task}")
        return 0
    if args.action == "make":
        summary = run_make_exercise(args.target, args.out, args.seed, args.force)
        print(f"wrote exercise {summary['name']} (seed {summary['seed']}, {summary['images']} images) to "
              f"{summary['output']}\ntask: {EXERCISES[summary['name']].task}")
        return 0
    verdicts = run_check_exercise(args.target, args.frame, args.mask, args.transforms)
    for what, verdict in verdicts:
        print(f"{what:<11} {'RIGHT' if verdict.correct else 'not yet'}: {verdict.message}")
    return 0 if all(v.correct for _, v in verdicts) else 1


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
    add_method_options(p)
    p.add_argument("--check", nargs="?", const="auto", choices=("auto",) + CHECK_CHOICES[1:],
                   metavar="METHOD", help="second opinion: register again with an independent METHOD "
                   f"(default {default_check('tvdm')}) and flag a difference over {DISAGREE_PX} px")
    p.add_argument("--json", action="store_true", help="print one JSON line with the result")
    p.set_defaults(handler=_cmd_register)

    p = sub.add_parser("align", formatter_class=_Formatter, help="align a whole stack",
                       description="Align every image of a stack with an anchor image and write the aligned "
                                   "stack, transforms and provenance to HDF5.",
                       epilog="example:\n  txmalign align scan.h5 --out aligned.h5 --strategy chunked "
                              "--chunk-size 5 --transforms-csv shifts.csv\n  txmalign align "
                              "scan.h5:/img_xanes --out aligned.h5 --method phasecorr --jobs 2")
    p.add_argument("input", help="stack in any format of `txmalign formats` (HDF5 as file.h5:/dataset)")
    p.add_argument("--out", required=True, help="aligned HDF5 file to write")
    add_align_options(p)
    p.add_argument("--transforms-csv", metavar="FILE", help="also write index,dy,dx,angle_deg rows")
    p.add_argument("--tiff", metavar="FILE", help="also write the aligned stack as TIFF")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON line")
    p.set_defaults(handler=_cmd_align)

    p = sub.add_parser("apply", formatter_class=_Formatter, help="apply saved transforms to another stack",
                       description="Resample INPUT with the transforms saved by `align` (CSV or aligned HDF5).",
                       epilog="example:\n  txmalign apply shifts.csv raw_channel2.tif --out channel2_aligned.h5")
    p.add_argument("transforms", help="transforms CSV or aligned HDF5 file")
    p.add_argument("input", help="stack with as many images as there are transforms")
    p.add_argument("--out", required=True, help="output: .h5 (with provenance) or .tif")
    add_prepare_options(p, APPLY_PREPARE)
    p.set_defaults(handler=_cmd_apply)

    p = sub.add_parser("tomo", formatter_class=_Formatter, help="correct jitter in a tomography series",
                       description="Align tomography projections by tomographic consistency (reconstruct, "
                                   "reproject, register, iterate).",
                       epilog="example:\n  txmalign tomo scan.h5 --out aligned.h5\n  txmalign tomo "
                              "projections.tif --angles angles.txt --out aligned.h5 --binning 2")
    p.add_argument("input", help="projections in any format of `txmalign formats` (e.g. Data Exchange, "
                                 ".txrm, TIFF with an angles file)")
    p.add_argument("--out", required=True, help="aligned HDF5 file to write")
    p.add_argument("--angles", metavar="FILE|DATASET",
                   help="angles in degrees: text file or file.h5:/dataset (default: from the input)")
    add_tomo_options(p)
    p.set_defaults(handler=_cmd_tomo)

    add_batch_parser(sub, _Formatter)
    add_correlate_parser(sub, _Formatter)

    p = sub.add_parser("example", formatter_class=_Formatter, help="write the synthetic example stack",
                       description="Write the bundled synthetic XANES example (with its true transforms).",
                       epilog="example:\n  txmalign example --out demo.h5 && txmalign align demo.h5 --out a.h5")
    p.add_argument("--out", required=True, help="HDF5 file to write")
    p.add_argument("--force", action="store_true", help="replace OUTPUT if it exists")
    p.set_defaults(handler=_cmd_example)

    p = sub.add_parser("spectra", formatter_class=_Formatter, help="optical density spectrum of a region",
                       description="Optical density -ln(I/I0) of a region against energy, with I0 from a file, "
                                   "an empty-beam region or the flats; optional pre/post-edge normalisation "
                                   "with the edge energy and step in a `#` header line.",
                       epilog="example:\n  txmalign spectra stack.tif --region 60:90,40:80 --i0 i0.xsp "
                              "--normalize --csv spectrum.csv\n  txmalign spectra aligned.h5 --region "
                              "10:20,30:40 --i0-region 0:10,0:10 --hdf5 aligned.h5 --name particle1")
    p.add_argument("input", help="stack, read as `align` reads it (TIFF + energies file, HDF5, .txrm, ...)")
    add_rectangle_option(p, "--region", "rectangle whose mean OD is measured (rows Y0..Y1, columns X0..X1)",
                         required=True)
    i0 = p.add_mutually_exclusive_group()
    i0.add_argument("--i0", metavar="FILE", help="I0 spectrum: two columns energy (eV), counts (e.g. .xsp)")
    add_rectangle_option(i0, "--i0-region", "empty-beam rectangle whose mean intensity is I0 in each frame")
    p.add_argument("--energies", metavar="FILE", help="energies in eV (default: from the input)")
    p.add_argument("--normalize", action="store_true", help="add the pre/post-edge normalised column")
    p.add_argument("--pre", type=_energy_range, metavar="E0:E1", help="pre-edge range in eV (default: first 15%%)")
    p.add_argument("--post", type=_energy_range, metavar="E0:E1", help="post-edge range in eV (default: last 15%%)")
    p.add_argument("--csv", metavar="FILE", help="CSV to write: energy_eV,od[,normalized]")
    p.add_argument("--hdf5", metavar="FILE", help="existing HDF5 file (e.g. aligned) to add /spectra/NAME to")
    p.add_argument("--name", default="region", help="name of the spectrum in the HDF5 file (default: region)")
    p.add_argument("--force", action="store_true", help="replace the CSV or the HDF5 spectrum if they exist")
    p.set_defaults(handler=_cmd_spectra)

    p = sub.add_parser("exercise", formatter_class=_Formatter, help="teaching exercises with a known answer",
                       description="Make a teaching exercise stack, or check an answer to one (exit status 0 "
                                   "when right, 1 when not yet).",
                       epilog="example:\n  txmalign exercise list\n  txmalign exercise make bad_frame --out "
                              "ex.h5\n  txmalign exercise check ex.h5 --frame 7\n  txmalign exercise check "
                              "ex.h5 --mask mask.tif --transforms aligned.h5")
    p.add_argument("action", choices=("list", "make", "check"), help="what to do")
    p.add_argument("target", nargs="?", default="", help="make: the exercise name; check: the exercise file")
    p.add_argument("--out", help="make: the HDF5 file to write")
    p.add_argument("--seed", type=int, help="make: another variant (default: the verified one)")
    p.add_argument("--force", action="store_true", help="make: replace OUT if it exists")
    p.add_argument("--frame", type=int, help="check: the index of the bad frame (from 0)")
    p.add_argument("--mask", metavar="FILE", help="check: mask image, True/nonzero where pixels are usable")
    p.add_argument("--transforms", metavar="FILE", help="check: aligned HDF5 or transforms CSV")
    p.set_defaults(handler=_cmd_exercise)

    p = sub.add_parser("methods", formatter_class=_Formatter, help="list methods and their parameters",
                       description="List the registration methods, their parameters, defaults and meaning.",
                       epilog="example:\n  txmalign methods\n  txmalign methods --json")
    p.add_argument("--json", action="store_true", help="machine-readable description")
    p.set_defaults(handler=_cmd_methods)

    p = sub.add_parser("formats", formatter_class=_Formatter, help="list the file formats txmalign reads",
                       description="List the registered readers: the file formats (and folders) every "
                                   "subcommand and the app open, in the order they are tried.",
                       epilog="example:\n  txmalign formats\n  txmalign formats --json")
    p.add_argument("--json", action="store_true", help="machine-readable description")
    p.set_defaults(handler=_cmd_formats)
    return parser


def main(argv=None) -> int:
    """Parse `argv` and run the subcommand inside the error guard; returns the exit status."""
    def run() -> int:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "handler", None):
            parser.print_help()
            return EXIT_BAD_INPUT
        return args.handler(args)

    return guarded(run)


if __name__ == "__main__":
    sys.exit(main())
