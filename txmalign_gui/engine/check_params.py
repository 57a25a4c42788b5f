"""The second opinion described as data: what the CLI, the app's form and the stack settings offer, kept
free of the registration code so that building the command line's options stays light."""

from __future__ import annotations

from .params import Param

# Answers further apart than this (px, at the image centre) disagree.
DISAGREE_PX = 0.5
CHECK_CHOICES = ("none", "phasecorr", "masked_ncc", "tvdm", "features", "ssd", "mi")

CHECK_METHOD = Param(
    "check_method", "Second opinion", str, "none",
    "Register every pair again with this independent method and flag the images where the two answers "
    f"differ by more than {DISAGREE_PX} px; 'none' skips it (it costs a second registration).",
    choices=CHECK_CHOICES)


def default_check(method: str) -> str:
    """The second opinion used when none is named: masked cross-correlation (gray values over the overlap,
    unlike TVDM's gradient directions or keypoints), or TVDM when the primary method is masked_ncc."""
    return "tvdm" if method == "masked_ncc" else "masked_ncc"
