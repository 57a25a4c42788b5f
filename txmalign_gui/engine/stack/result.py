"""What `align_stack` returns: one transform per image plus how much to trust it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from ..check_params import DISAGREE_PX
from ..transform import Transform


@dataclass
class StackResult:
    """Transforms (N, 3) [dy, dx, angle_deg] aligning each image with the anchor, with per-image cost,
    confidence in [0, 1] and status, the settings used, and pairs that disagreed or failed.  With a
    second opinion, `check_differences` (N,) holds how far (px) the check method's answer for each
    image's own pair lies from the primary one (NaN for the anchor)."""

    transforms: np.ndarray
    costs: np.ndarray
    confidences: np.ndarray
    statuses: list
    strategy: str
    anchor: int
    method: str
    params: dict
    seconds: float
    messages: list = field(default_factory=list)
    flagged_pairs: list = field(default_factory=list)
    pair_count: int = 0
    check_method: str = "none"
    check_differences: Optional[np.ndarray] = None

    @property
    def check_disagreements(self) -> list:
        """Images whose own registration and its second opinion differ by more than DISAGREE_PX."""
        if self.check_differences is None:
            return []
        return [int(i) for i in np.flatnonzero(np.nan_to_num(self.check_differences) > DISAGREE_PX)]

    def transform(self, index: int) -> Transform:
        """Image `index`'s transform as a `Transform`."""
        return Transform(*(float(v) for v in self.transforms[index]))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly summary (the CLI's --json output and saved provenance)."""
        return {
            "strategy": self.strategy, "anchor": int(self.anchor), "method": self.method,
            "params": dict(self.params), "seconds": float(self.seconds), "pair_count": int(self.pair_count),
            "transforms": np.asarray(self.transforms, dtype=float).tolist(),
            "costs": np.asarray(self.costs, dtype=float).tolist(),
            "confidences": np.asarray(self.confidences, dtype=float).tolist(),
            "statuses": list(self.statuses), "messages": list(self.messages),
            "flagged_pairs": [dict(p) for p in self.flagged_pairs],
            "check_method": self.check_method,
            "check_differences": None if self.check_differences is None else
            [None if not np.isfinite(v) else float(v) for v in self.check_differences],
            "check_disagreements": self.check_disagreements,
        }
