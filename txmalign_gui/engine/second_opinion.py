"""A second opinion: register the same pair with an independent method and flag a disagreement.

Two methods that rest on different evidence (phase of the spectrum, normalised gray values, gradient
directions, keypoints) rarely fail in the same way, so when both are confident yet differ by more than
`DISAGREE_PX` at least one of them is wrong and the answer must not be reported as ok.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Optional

import numpy as np

from .check_params import CHECK_CHOICES, DISAGREE_PX
from .errors import InputError
from .methods import get_method
from .result import LOW_CONFIDENCE, OK, RegistrationResult
from .transform import AnyTransform, Transform, apply_transform


@dataclasses.dataclass(frozen=True)
class SecondOpinion:
    """The check method's answer and how far it lies from the primary one (px at the image centre)."""

    method: str
    transform: AnyTransform
    status: str
    difference_px: float
    angle_difference_deg: float

    @property
    def agrees(self) -> bool:
        return self.difference_px <= DISAGREE_PX

    def to_dict(self) -> dict:
        return {"method": self.method, **self.transform.to_dict(), "status": self.status,
                "difference_px": float(self.difference_px),
                "angle_difference_deg": float(self.angle_difference_deg), "agrees": self.agrees}


def check_method_name(name: Optional[str]) -> Optional[str]:
    """`name` validated against the registered methods; None or 'none' mean no second opinion."""
    if name is None or name == "none":
        return None
    if name not in CHECK_CHOICES:
        raise InputError(f"unknown second-opinion method '{name}'; choose one of {', '.join(CHECK_CHOICES)}")
    return get_method(name).name


def second_opinion(fixed: np.ndarray, moving: np.ndarray, primary: RegistrationResult, method: str,
                   fixed_mask=None, moving_mask=None, roi=None) -> SecondOpinion:
    """Register `moving` onto `fixed` with `method` and compare with `primary`.

    A translation-only check method sees `moving` already rotated by the primary angle, so its shift is
    comparable with the primary shift (the sign convention applies the rotation first).
    """
    from .pair import register_pair  # pair imports this module

    spec = get_method(method)
    angle = primary.transform.angle_deg
    rotating = bool(primary.params.get("rotation")) and spec.supports_rotation
    params = {"rotation": True, "angle_range": primary.params.get("angle_range", 180.0)} if rotating else {}
    if angle != 0.0 and not rotating:
        rotated = apply_transform(moving, Transform(0.0, 0.0, angle), order=1)
        usable = np.isfinite(rotated)
        if moving_mask is not None:
            usable &= apply_transform(moving_mask.astype(float), Transform(0.0, 0.0, angle), order=1, cval=0.0) > 0.999
        moving = np.where(usable, rotated, float(np.mean(rotated[usable])))
        moving_mask = usable
        fixed_mask = np.ones(fixed.shape, bool) if fixed_mask is None else fixed_mask
    mask = None if fixed_mask is None and moving_mask is None else (fixed_mask, moving_mask)
    result = register_pair(fixed, moving, spec.name, params=params, mask=mask, roi=roi)
    found = result.transform if rotating else Transform(result.dy, result.dx, angle)
    centre_shift = np.hypot(found.dy - primary.dy, found.dx - primary.dx)
    angle_gap = found.angle_deg - primary.transform.angle_deg
    # a rotation difference moves the image corners: count it in px at half the diagonal
    corner = math.radians(abs(angle_gap)) * 0.5 * math.hypot(*fixed.shape)
    return SecondOpinion(spec.name, found, result.status, float(max(centre_shift, corner)), float(angle_gap))


def with_second_opinion(primary: RegistrationResult, opinion: SecondOpinion) -> RegistrationResult:
    """`primary` carrying the opinion in `details['check']`; a confident disagreement demotes an ok answer."""
    details = {**primary.details, "check": opinion.to_dict()}
    if opinion.agrees or primary.status != OK or opinion.status != OK:
        return dataclasses.replace(primary, details=details)
    message = (f"second opinion ({opinion.method}: {opinion.transform.dy:+.2f}, {opinion.transform.dx:+.2f} px, "
               f"{opinion.transform.angle_deg:+.2f} deg) differs by {opinion.difference_px:.2f} px")
    return dataclasses.replace(primary, status=LOW_CONFIDENCE, message=message, details=details)
