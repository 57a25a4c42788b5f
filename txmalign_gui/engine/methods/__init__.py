"""Pair-registration methods.  Importing this package registers every method."""

# Each import registers its method; the order is the order shown to users.
from . import (
    features,  # noqa: F401,E402
    intensity,  # noqa: F401,E402
    masked_ncc,  # noqa: F401,E402
    phase_correlation,  # noqa: F401,E402
    tvdm,  # noqa: F401,E402
)
from .registry import MethodSpec, available_methods, get_method, register_method

__all__ = ["MethodSpec", "available_methods", "get_method", "register_method"]
