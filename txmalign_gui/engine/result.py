"""What a registration returns: the transform plus how trustworthy it is and how it was made."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple

from .transform import AnyTransform

OK = "ok"
LOW_CONFIDENCE = "low_confidence"
FAILED = "failed"
STATUSES = (OK, LOW_CONFIDENCE, FAILED)


@dataclass(frozen=True)
class MethodOutcome:
    """What a method's `run` function returns, before `register_pair` adds timing and provenance.

    `confidence` is in [0, 1]; `status` is one of STATUSES.  A method that could not
    find a trustworthy answer returns its best guess with status FAILED and a
    message saying why, never a silent zero.
    """

    transform: AnyTransform
    cost: float
    confidence: float
    status: str = OK
    message: str = ""
    details: Dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RegistrationResult:
    """The full answer of `register_pair`."""

    transform: AnyTransform
    cost: float
    method: str
    params: Dict[str, Any]
    seconds: float
    status: str = OK
    confidence: float = 1.0
    message: str = ""
    roi: Optional[Tuple[int, int, int, int]] = None
    details: Dict[str, Any] = field(default_factory=dict)

    @property
    def dy(self) -> float:
        return self.transform.dy

    @property
    def dx(self) -> float:
        return self.transform.dx

    @property
    def angle_deg(self) -> float:
        return self.transform.angle_deg

    @property
    def ok(self) -> bool:
        return self.status == OK

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly summary (the CLI's --json line starts with these keys)."""
        kind = {} if self.transform.kind == "rigid" else {"transform_kind": self.transform.kind}
        out = {**self.transform.to_dict(), **kind, "cost": float(self.cost), "method": self.method,
               "seconds": float(self.seconds), "status": self.status,
               "confidence": float(self.confidence)}
        if self.message:
            out["message"] = self.message
        if "check" in self.details:
            out["check"] = dict(self.details["check"])
        return out
