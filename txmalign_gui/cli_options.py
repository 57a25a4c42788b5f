"""The options that several `txmalign` subcommands share, and the run settings read back from them.

`align` and `batch align` take the same method, stack-alignment and preparation options; `tomo`, `batch tomo`
and `batch xanes-tomo` the same tomographic-consistency and preparation options; `apply` the flat-field and
-log preparation only.  The options are generated from the engine's ParamSets (`cli_params`), so they are the
parameters of the app's forms; `align_options` / `tomo_options` / `prepare_options` turn what the user typed
into the settings of the `batch` jobs.  Building the options imports nothing heavy (numpy, scipy, the
registration methods): `txmalign --help` stays fast; the job settings are imported when the options are read.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, Callable

from .cli_params import add_param_options, given_params
from .engine.params import ParamSet
from .engine.stack.params import PREPARE_PARAMS, STACK_PARAMS
from .engine.tomo.params import TOMO_PARAMS, TOMO_PREPARE_PARAMS

if TYPE_CHECKING:
    from .batch import AlignOptions, PrepareOptions
    from .batch.runner import TomoOptions

APPLY_PREPARE = PREPARE_PARAMS.only("flat_field", "minus_log")
"""What `apply` takes of the preparation: it resamples with saved transforms, so flat-field and -log only."""
_TOMO_OPTIONS = TOMO_PARAMS.without("coarse", "coarse_method")
"""The tomography parameters given as options one by one: `--coarse invariants|learned|none` sets the two
coarse-step parameters at once."""


# -- argparse types -----------------------------------------------------------------------------
def bounded(kind: Callable[[str], Any], noun: str, accept: Callable[[Any], bool],
            complaint: str) -> Callable[[str], Any]:
    """An argparse type: `kind(text)` when `accept` takes it.  Otherwise argparse's usage error with the message
    "'text' is not `noun`" (not a number at all) or `complaint` with {} the value (out of range)."""
    def convert(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {noun}") from None
        if not accept(value):
            raise argparse.ArgumentTypeError(complaint.format(value))
        return value

    return convert


_count = bounded(int, "a whole number", lambda value: value >= 0, "{} is negative")
"""argparse type: a whole number >= 0."""


def _roi(text: str) -> tuple:
    """argparse type for Y0:Y1,X0:X1 (the engine is imported only when the option is used).  Its InputError is a
    ValueError, which argparse reports as "invalid _roi value: 'TEXT'" (with the usage)."""
    from .engine.validation import parse_roi

    return parse_roi(text)


def add_rectangle_option(parser: Any, flag: str, help_text: str, required: bool = False) -> None:
    """An option `flag` Y0:Y1,X0:X1 that gives a rectangle (row and column ranges), on a parser or group."""
    parser.add_argument(flag, required=required, type=_roi, metavar="Y0:Y1,X0:X1", help=help_text)


# -- options ------------------------------------------------------------------------------------
def add_method_options(parser: argparse.ArgumentParser) -> None:
    """The registration method, its parameters, the ROI and the mask (`register` and the stack alignments)."""
    parser.add_argument("--method", default="tvdm",
                        help="registration method (see `txmalign methods`; default: tvdm)")
    parser.add_argument("--rotation", action="store_true", help="also correct rotation")
    parser.add_argument("--param", action="append", metavar="KEY=VALUE",
                        help="set a method parameter, repeatable (e.g. --param sigma=2)")
    add_rectangle_option(parser, "--roi", "register only this rectangle (rows Y0..Y1, columns X0..X1)")
    parser.add_argument("--mask", metavar="FILE",
                        help="image file, True/nonzero where pixels may be used (e.g. not a beam block)")


def add_prepare_options(parser: argparse.ArgumentParser, params: ParamSet) -> None:
    """The image-preparation options (from `params`, as in the app's form), --force and --skip-axis-values."""
    add_param_options(parser, params, title="image preparation")
    parser.add_argument("--force", action="store_true", help="replace OUTPUT if it exists (never the input)")
    parser.add_argument("--skip-axis-values", type=_count, default=0, metavar="N",
                        help="drop the first N values of the energies/angles file or dataset (entries of "
                             "dark/flat frames recorded with the scan); default 0")


def _per_stack(params: ParamSet, per_stack_jobs: bool) -> ParamSet:
    return params if per_stack_jobs else params.without("jobs")


def add_align_options(parser: argparse.ArgumentParser, *, per_stack_jobs: bool = True) -> None:
    """The options of a stack alignment besides input and outputs (`align` and `batch align`).

    `per_stack_jobs=False` leaves out the alignment's own --jobs: a batch uses --jobs for stacks at once."""
    add_method_options(parser)
    add_param_options(parser, _per_stack(STACK_PARAMS, per_stack_jobs),
                      title="stack alignment (as in the app's form)")
    parser.add_argument("--reference", metavar="IMAGE",
                        help="separate registration target (TIFF, .npy or file.h5:/dataset[index])")
    add_prepare_options(parser, PREPARE_PARAMS)


def add_tomo_options(parser: argparse.ArgumentParser, *, per_stack_jobs: bool = True) -> None:
    """The options of a tomography alignment besides input, angles and output (`tomo` and `batch tomo`,
    `batch xanes-tomo`); `per_stack_jobs` as in `add_align_options`."""
    coarse = TOMO_PARAMS.get("coarse_method")
    parser.add_argument("--coarse", choices=tuple(coarse.choices) + ("none",),
                        help=f"{coarse.help} none: no coarse step (default: {coarse.default})")
    add_param_options(parser, _per_stack(_TOMO_OPTIONS, per_stack_jobs),
                      title="tomographic consistency (as in the app's form)")
    add_prepare_options(parser, TOMO_PREPARE_PARAMS)


# -- settings read back from the options --------------------------------------------------------
def method_params(args: argparse.Namespace) -> dict:
    """The method parameters of --param KEY=VALUE (strings; the method converts them) and --rotation."""
    from .engine.params import parse_assignments

    params = parse_assignments(args.param)
    if getattr(args, "rotation", False):
        params["rotation"] = "true"
    return params


def prepare_options(args: argparse.Namespace, params: ParamSet) -> PrepareOptions:
    """The PrepareOptions from the preparation options of `params` the user gave (defaults otherwise)."""
    from .batch import PrepareOptions

    values = params.resolve(given_params(args, params))
    return PrepareOptions(flat_field=values["flat_field"], minus_log=values["minus_log"],
                          scale_gray=values.get("scale_gray", False))


def align_options(args: argparse.Namespace) -> AlignOptions:
    """The AlignOptions of the options of `add_align_options` in `args`."""
    from .batch import AlignOptions

    stack = STACK_PARAMS.resolve(given_params(args, STACK_PARAMS))
    binning = PREPARE_PARAMS.resolve(given_params(args, PREPARE_PARAMS))["binning"]
    return AlignOptions(
        method=args.method, params=method_params(args), strategy=stack["strategy"], anchor=stack["anchor"],
        chunk_size=stack["chunk_size"], average_chunks=stack["average_chunks"], window=stack["window"],
        binning=binning, roi=args.roi,
        mask_path=args.mask, reference=args.reference, jobs=stack["jobs"], check_method=stack["check_method"],
        transform=stack["transform"],
        prepare=prepare_options(args, PREPARE_PARAMS), skip_axis_values=args.skip_axis_values)


def tomo_options(args: argparse.Namespace) -> TomoOptions:
    """The TomoOptions of the options of `add_tomo_options` in `args` (only the parameters the user gave:
    the rest keep the tomography defaults)."""
    from .batch.runner import TomoOptions

    params = given_params(args, _TOMO_OPTIONS)
    if args.coarse is not None:
        params["coarse"] = args.coarse != "none"
        if args.coarse != "none":
            params["coarse_method"] = args.coarse
    return TomoOptions(params=params, prepare=prepare_options(args, TOMO_PREPARE_PARAMS),
                       skip_axis_values=args.skip_axis_values)
