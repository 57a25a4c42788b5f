"""What `align_stack` returns: one transform per image plus how much to trust it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from ..check_params import DISAGREE_PX
from ..transform import AnyTransform, from_row, table_kind


@dataclass
class StackResult:
    """Transforms aligning each image with the anchor, one row per image: (N, 3) [dy, dx, angle_deg] for
    rigid, (N, 4) [.., scale] for similarity, (N, 6) [dy, dx, a11, a12, a21, a22] for affine (see
    `engine.transform`), with per-image cost,
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

    @property
    def kind(self) -> str:
        """"rigid", "similarity" or "affine" (from the table's width)."""
        return table_kind(self.transforms)

    def transform(self, index: int) -> AnyTransform:
        """Image `index`'s transform (a `Transform` for rigid results)."""
        return from_row(self.transforms[index])

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly summary (the CLI's --json output and saved provenance)."""
        return {
            "strategy": self.strategy, "anchor": int(self.anchor), "method": self.method,
            "params": dict(self.params), "seconds": float(self.seconds), "pair_count": int(self.pair_count),
            "transforms": np.asarray(self.transforms, dtype=float).tolist(), "transform_kind": self.kind,
            "costs": np.asarray(self.costs, dtype=float).tolist(),
            "confidences": np.asarray(self.confidences, dtype=float).tolist(),
            "statuses": list(self.statuses), "messages": list(self.messages),
            "flagged_pairs": [dict(p) for p in self.flagged_pairs],
            "check_method": self.check_method,
            "check_differences": None if self.check_differences is None else
            [None if not np.isfinite(v) else float(v) for v in self.check_differences],
            "check_disagreements": self.check_disagreements,
        }
