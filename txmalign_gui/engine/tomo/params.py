"""The parameters of tomography projection alignment, described once for the CLI, the GUI and saved files."""

from __future__ import annotations

from ..params import Param, ParamSet
from ..stack.params import PREPARE_PARAMS

TOMO_PARAMS = ParamSet((
    Param("iterations", "Iterations per level", int, 6,
          "Most reconstruct-reproject-register rounds at each resolution level.", minimum=0, maximum=100),
    Param("binning", "Coarsest binning", int, 4,
          "Binning of the first resolution level; each next level halves it down to 1 (4 gives 4, 2, 1).",
          choices=(1, 2, 4, 8, 16)),
    Param("tolerance", "Tolerance (px)", float, 0.05,
          "A level ends once no projection's correction changes by more than this (full-size pixels); "
          "the finest level runs at least three rounds first (unless its changes are under a quarter of "
          "it), so that the slow drift of the axis offset is measured and extrapolated.",
          minimum=0.001, maximum=10.0),
    Param("slices", "Slices reconstructed", int, 128,
          "Most detector rows (at the level's binning) reconstructed per round; a band centred on the "
          "sample is used when there are more.", minimum=8, maximum=4096),
    Param("method", "Registration method", str, "phasecorr",
          "Pair method that registers each measured projection onto its reprojection "
          "(see `txmalign methods`)."),
    Param("reconstruction", "Reconstruction", str, "auto",
          "How each round reconstructs: fbp (filtered back-projection, fast), sirt (iterative, for "
          "missing wedges and sparse angles) or auto (sirt when the angles span under 170 deg or there "
          "are fewer than 60 projections).", choices=("auto", "fbp", "sirt")),
    Param("coarse", "Coarse pre-alignment", bool, True,
          "First align rows by projected row profiles and columns by the centre-of-mass sinusoid."),
    Param("axis_tilt", "Correct axis tilt", bool, True,
          "Measure the in-plane tilt of the rotation axis from projections 180 deg apart and rotate "
          "the projections so that it is vertical."),
    Param("coarse_method", "Coarse step", str, "invariants",
          "invariants: row profiles and the centre-of-mass sinusoid; learned: a trained residual network "
          "reads each projection next to its reprojection and returns the jitter in one pass (robust to "
          "salt-and-pepper outliers).", choices=("invariants", "learned")),
    Param("centre_axis", "Centre the rotation axis", bool, True,
          "Include in the corrections the shift that puts the rotation axis on the central column."),
    Param("jobs", "Threads", int, 2,
          "Threads that share the filtering and the per-projection registrations.", minimum=1, maximum=64,
          advanced=True),
    Param("preview", "Preview slices", bool, True,
          "Reconstruct the most absorbing slice before and after alignment for a visual check.",
          advanced=True),
))

# Projections are flat-fielded and turned into line integrals (-log) by default.
TOMO_PREPARE_PARAMS = PREPARE_PARAMS.only("flat_field", "minus_log").with_defaults(minus_log=True)
