"""The alignment the window currently shows: per-frame transforms and their quality, kept as plain data.

It is built from the engine's StackResult, updated when selected frames are
re-run, and written to / read from the session file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Optional

import numpy as np

from ..engine.errors import InputError
from ..engine.result import OK
from ..engine.transform import table_kind


@dataclass(frozen=True)
class Alignment:
    """Transforms aligning each frame with the anchor, with costs and statuses, and the settings (method
    parameters, stack options, image preparation) that produced them.  The table is (N, 3) [dy, dx, angle_deg]
    for rigid results, (N, 4) with a scale for similarity and (N, 6) [dy, dx, a11, a12, a21, a22] for affine
    ones (`engine.transform`)."""

    transforms: np.ndarray
    costs: np.ndarray
    confidences: np.ndarray
    statuses: tuple
    method: str
    params: dict
    stack_options: dict
    anchor: int
    seconds: float
    messages: tuple = field(default_factory=tuple)
    prepare: dict = field(default_factory=dict)
    check_differences: Optional[np.ndarray] = None  # px between each answer and its second opinion

    @classmethod
    def from_result(cls, result, stack_options: dict, prepare: dict) -> "Alignment":
        return cls(transforms=np.array(result.transforms, dtype=float),
                   costs=np.array(result.costs, dtype=float),
                   confidences=np.array(result.confidences, dtype=float),
                   statuses=tuple(str(s) for s in result.statuses), method=result.method,
                   params=dict(result.params), stack_options=dict(stack_options),
                   anchor=int(result.anchor), seconds=float(result.seconds),
                   messages=tuple(result.messages), prepare=dict(prepare),
                   check_differences=_optional_floats(getattr(result, "check_differences", None)))

    def __len__(self) -> int:
        return len(self.transforms)

    @property
    def kind(self) -> str:
        """"rigid", "similarity" or "affine": what the table's width says."""
        return table_kind(self.transforms.reshape(len(self), -1))

    def poor_frames(self) -> list:
        """Indices of frames whose registration is not trusted (low confidence or failed)."""
        return [i for i, status in enumerate(self.statuses) if status != OK]

    def with_frames(self, frames, result) -> "Alignment":
        """A copy where `frames` take the transforms, costs and statuses of a re-run's `result`."""
        frames = list(frames)
        transforms, costs, confidences = self.transforms.copy(), self.costs.copy(), self.confidences.copy()
        statuses = list(self.statuses)
        if result.transforms.shape[1] != transforms.shape[1]:
            raise InputError("the re-run estimated a different kind of transform (rigid, similarity, affine) "
                             "from the alignment it would change: align the whole stack again instead")
        transforms[frames] = result.transforms
        costs[frames] = result.costs
        confidences[frames] = result.confidences
        for frame, status in zip(frames, result.statuses):
            statuses[frame] = str(status)
        # the re-run's own messages number the frames of its small stack: say the news in this stack's numbers
        kept = tuple(m for m in self.messages if not _frames_named(m) & set(frames))
        news = tuple(f"image {frame}: {status} (re-run)" for frame, status in zip(frames, result.statuses)
                     if str(status) != OK)
        checks = self.check_differences
        rerun_checks = getattr(result, "check_differences", None)
        if checks is not None or rerun_checks is not None:
            checks = np.full(len(self), np.nan) if checks is None else checks.copy()
            checks[frames] = np.nan if rerun_checks is None else rerun_checks
        return replace(self, transforms=transforms, costs=costs, confidences=confidences,
                       check_differences=checks,
                       statuses=tuple(statuses), seconds=self.seconds + float(result.seconds),
                       messages=kept + news)

    def to_dict(self) -> dict:
        return {"transforms": self.transforms.tolist(), "costs": _floats(self.costs),
                "confidences": _floats(self.confidences), "statuses": list(self.statuses),
                "method": self.method, "params": self.params, "stack_options": self.stack_options,
                "anchor": self.anchor, "seconds": self.seconds, "messages": list(self.messages),
                "prepare": self.prepare,
                "check_differences": None if self.check_differences is None else _floats(self.check_differences)}

    @classmethod
    def from_dict(cls, state: dict) -> "Alignment":
        table = np.array(state["transforms"], dtype=float)  # 3, 4 or 6 columns (rigid, similarity, affine)
        return cls(transforms=table.reshape(len(state["statuses"]), -1) if table.size else table.reshape(0, 3),
                   costs=np.array([np.nan if v is None else v for v in state["costs"]], dtype=float),
                   confidences=np.array([np.nan if v is None else v for v in state["confidences"]],
                                        dtype=float),
                   statuses=tuple(state["statuses"]), method=state["method"],
                   params=dict(state["params"]), stack_options=dict(state.get("stack_options", {})),
                   anchor=int(state["anchor"]), seconds=float(state.get("seconds", 0.0)),
                   messages=tuple(state.get("messages", ())), prepare=dict(state.get("prepare", {})),
                   check_differences=_optional_floats(state.get("check_differences")))


def scale_and_shear(table) -> tuple:
    """Per-row (scale %, shear %) of a stack table, for display: NaN where the kind has no such term.

    scale % is (s - 1) x 100 with s the magnification (a similarity's scale, sqrt |det A| of an affine):
    +1 means the frame was enlarged by 1 % to match the anchor.  shear % is what no similarity can do, the
    size of the anti-conformal part of A ([[r, t], [t, -r]], r = (a11 - a22) / 2, t = (a12 + a21) / 2)
    relative to the conformal part (the nearest scaled rotation): 0 for a similarity, about 1 when a11 and a22
    differ by 0.02 (one axis stretched 2 % against the other) or when a12 + a21 = 0.02 (a shear).
    """
    array = np.asarray(table, dtype=float)
    count = len(array)
    nothing = np.full(count, np.nan)
    if array.ndim != 2 or array.shape[1] == 3:
        return nothing, nothing
    if array.shape[1] == 4:
        return (array[:, 3] - 1.0) * 100.0, nothing
    a11, a12, a21, a22 = array[:, 2], array[:, 3], array[:, 4], array[:, 5]
    scale = np.sqrt(np.abs(a11 * a22 - a12 * a21))
    conformal = np.hypot((a11 + a22) / 2.0, (a21 - a12) / 2.0)
    anti = np.hypot((a11 - a22) / 2.0, (a12 + a21) / 2.0)
    return (scale - 1.0) * 100.0, 100.0 * anti / conformal


def _optional_floats(values) -> Optional[np.ndarray]:
    """A float array (None entries become NaN), or None when there are no values."""
    return None if values is None else np.array([np.nan if v is None else v for v in values], dtype=float)


def _frames_named(message: str) -> set:
    """The frames a stack message is about ('image 3 onto 5: failed', 'pair 2-3 flagged: ...')."""
    found = re.match(r"(?:image (\d+)\b|pair (\d+)-(\d+)\b)", message)
    return {int(g) for g in found.groups() if g is not None} if found else set()


def _floats(values) -> list:
    """JSON has no NaN: write None for a missing value."""
    return [None if not np.isfinite(v) else float(v) for v in values]
