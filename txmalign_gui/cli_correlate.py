"""`txmalign correlate XRAY EM --out OUT.h5`: the correlative X-ray / electron-microscopy registration on the
command line (argument parsing and printing only; the work is `batch.correlate_job.run_correlate`)."""

from __future__ import annotations

import json

from .cli_errors import result_exit
from .cli_options import bounded
from .cli_params import add_param_options, given_params
from .cli_progress import terminal_progress
from .engine.correlative.params import CORRELATE_PARAMS

_positive = bounded(float, "a number", lambda value: value > 0, "{} is not positive")


def add_correlate_parser(sub, formatter) -> None:
    """Register the `correlate` subcommand on the `sub` parsers."""
    p = sub.add_parser("correlate", formatter_class=formatter, help="register an EM image onto an X-ray image",
                       description="Find the similarity (or affine) map from an electron-microscopy image onto an "
                                   "X-ray image by mutual information, from landmarks or from nothing, and write "
                                   "the EM image resampled into the X-ray frame with the map and provenance.",
                       epilog="landmarks file: one pair per line, xray_row,xray_col,em_row,em_col (pixels of "
                              "each image, from 0); '#' lines and a header line are skipped\n\nexample:\n"
                              "  txmalign correlate xanes.h5:/img_xanes[40] sem.tif --out overlay.h5 --json\n"
                              "  txmalign correlate xray.tif tem.tif --out o.h5 --landmarks pairs.csv "
                              "--model affine")
    p.add_argument("xray", help="X-ray image (any format of `txmalign formats`; a stack as file[index])")
    p.add_argument("em", help="electron-microscopy image, same forms (8-bit TIFF is fine)")
    p.add_argument("--out", required=True, help="HDF5 file to write (or .tif for the resampled image only)")
    p.add_argument("--landmarks", metavar="FILE", help="CSV of corresponding points (see below)")
    p.add_argument("--xray-pixel-nm", type=_positive, metavar="NM", help="X-ray pixel size (default: from the file)")
    p.add_argument("--em-pixel-nm", type=_positive, metavar="NM", help="EM pixel size (default: from the file)")
    add_param_options(p, CORRELATE_PARAMS, title="correlative registration (as in the app's form)")
    p.add_argument("--force", action="store_true", help="replace OUT if it exists (never an input)")
    p.add_argument("--json", action="store_true", help="print the result as one JSON line")
    p.set_defaults(handler=run)


def run(args) -> int:
    from .batch.correlate_job import run_correlate

    summary = run_correlate(args.xray, args.em, args.out, landmarks_path=args.landmarks,
                            params=given_params(args, CORRELATE_PARAMS), xray_pixel_nm=args.xray_pixel_nm,
                            em_pixel_nm=args.em_pixel_nm, force=args.force, progress=terminal_progress("correlate"))
    status = result_exit(summary["status"])
    if args.json:
        print(json.dumps(summary))
        return status
    m = summary["matrix"]
    print(f"map         EM (row, col) -> X-ray (row, col): [[{m[0][0]:+.5f} {m[0][1]:+.5f} {m[0][2]:+.2f}] "
          f"[{m[1][0]:+.5f} {m[1][1]:+.5f} {m[1][2]:+.2f}]]")
    print(f"scale       {summary['scale']:.5f} X-ray px per EM px; angle {summary['angle_deg']:+.3f} deg "
          f"({summary['model']}, started from {summary['start']})")
    if "landmark_rms_px" in summary:
        residuals = ", ".join(f"{r:.2f}" for r in summary["landmark_residuals_px"])
        print(f"landmarks   rms {summary['landmark_rms_px']:.2f} px (each: {residuals})")
    print(f"status      {summary['status']} (confidence {summary['confidence']:.2f})"
          + (f": {summary['message']}" if summary["message"] else ""))
    print(f"written     {summary['output']} in {summary['seconds']:.1f} s")
    return status
