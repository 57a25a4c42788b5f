"""Which transform kind a stack alignment estimates, and the method parameters that ask for it.

The stack option `transform` (STACK_PARAMS) sets the method's own `transform` parameter; a method that
estimates rigid transforms only, or the consistent strategy (whose joint solve is linear in angle and
shift), refuse a similarity or affine request with a clear message instead of quietly staying rigid.
"""

from __future__ import annotations

from ..errors import InputError
from ..methods.registry import MethodSpec


def method_params(spec: MethodSpec, params, kind: str, strategy: str) -> dict:
    """`spec`'s resolved parameters estimating `kind` (the method's own setting wins when more general)."""
    given = dict(params or {})
    if kind != "rigid":
        if "transform" not in spec.params:
            raise InputError(f"the {spec.label} method estimates rigid transforms only; choose tvdm, ssd or mi "
                             f"for a {kind} transform")
        own = str(given.get("transform", "rigid"))
        given["transform"] = kind if own == "rigid" or kind == "affine" else own
    resolved = spec.resolve(given)
    if resolved.get("transform", "rigid") != "rigid" and strategy == "consistent":
        raise InputError(f"the consistent strategy solves rigid transforms only; use the anchor, sequential or "
                         f"chunked strategy for a {resolved['transform']} transform")
    return resolved
