"""Pre-edge line / post-edge line normalisation (as Athena and MANTiS do): fit a straight line to the
pre-edge and to the post-edge range, the edge step is their difference at the edge energy E0, and the
normalised spectrum is (mu - pre-line) / step: 0 before the edge, about 1 after it, whatever the thickness."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence, Tuple

import numpy as np
import numpy.typing as npt

from ..errors import InputError
from .edge import _check, edge_energy_derivative, edge_energy_half_step

# Default ranges: the first and the last 15 % of the scan (see default_edge_ranges).
DEFAULT_RANGE_FRACTION = 0.15


def default_edge_ranges(energies: npt.ArrayLike, fraction: float = DEFAULT_RANGE_FRACTION
                        ) -> Tuple[Tuple[float, float], Tuple[float, float]]:
    """((pre_min, pre_max), (post_min, post_max)): the first and last `fraction` of the energy range."""
    e = np.asarray(energies, dtype=float)
    lo, hi = float(np.nanmin(e)), float(np.nanmax(e))
    span = hi - lo
    return (lo, lo + fraction * span), (hi - fraction * span, hi)


def _line(e: np.ndarray, mu: np.ndarray, energy_range: Sequence[float], name: str) -> np.ndarray:
    lo, hi = sorted(float(v) for v in energy_range)
    inside = (e >= lo) & (e <= hi) & np.isfinite(mu)
    if inside.sum() < 2:
        raise InputError(f"the {name} range {lo:.2f}-{hi:.2f} eV holds fewer than two points; widen it")
    line: np.ndarray = np.polyfit(e[inside], mu[inside], 1)
    return line


@dataclass(frozen=True)
class EdgeNormalization:
    """The result of normalising one spectrum: edge energies (derivative maximum and half step, eV), the
    edge step, the two fitted lines (slope, intercept), the ranges used and the normalised values."""

    e0_derivative: float
    e0_half_step: float
    edge_step: float
    pre_line: Tuple[float, ...]
    post_line: Tuple[float, ...]
    pre_range: Tuple[float, ...]
    post_range: Tuple[float, ...]
    normalized: np.ndarray = field(repr=False)

    def header(self) -> str:
        """One line for a CSV `#` header."""
        return (f"edge_energy_derivative_eV={self.e0_derivative:.3f} edge_energy_half_step_eV="
                f"{self.e0_half_step:.3f} edge_step={self.edge_step:.6g} pre_edge_eV={self.pre_range[0]:.2f}:"
                f"{self.pre_range[1]:.2f} post_edge_eV={self.post_range[0]:.2f}:{self.post_range[1]:.2f}")


def normalize_spectrum(energies: npt.ArrayLike, mu: npt.ArrayLike, pre: Optional[Sequence[float]] = None,
                       post: Optional[Sequence[float]] = None,
                       smooth_ev: float = 0.0) -> EdgeNormalization:
    """Normalise `mu` (OD against energy, eV) with lines fitted over `pre` and `post` (default: the first
    and last 15 % of the scan).  E0 is the derivative maximum between the two ranges; the step is
    post-line minus pre-line at E0 and must be positive (an absorption edge rises)."""
    e, mu = _check(energies, mu)
    default_pre, default_post = default_edge_ranges(e)
    pre = tuple(sorted(pre)) if pre is not None else default_pre
    post = tuple(sorted(post)) if post is not None else default_post
    if pre[1] >= post[0]:
        raise InputError(f"the pre-edge range ({pre[0]:.2f}-{pre[1]:.2f} eV) must end below the post-edge range "
                         f"({post[0]:.2f}-{post[1]:.2f} eV)")
    pre_line, post_line = _line(e, mu, pre, "pre-edge"), _line(e, mu, post, "post-edge")
    e0 = edge_energy_derivative(e, mu, window=(pre[1], post[0]), smooth_ev=smooth_ev)
    step = float(np.polyval(post_line, e0) - np.polyval(pre_line, e0))
    if not step > 0:
        raise InputError(f"no absorption edge: the post-edge line lies below the pre-edge line at {e0:.2f} eV "
                         "(is this optical density, with I0 over empty beam?)")
    normalized = (mu - np.polyval(pre_line, e)) / step
    half = edge_energy_half_step(e, normalized, start=pre[1])
    return EdgeNormalization(e0_derivative=e0, e0_half_step=half, edge_step=step,
                             pre_line=tuple(float(v) for v in pre_line),
                             post_line=tuple(float(v) for v in post_line), pre_range=tuple(map(float, pre)),
                             post_range=tuple(map(float, post)), normalized=normalized)
