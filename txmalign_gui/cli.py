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
