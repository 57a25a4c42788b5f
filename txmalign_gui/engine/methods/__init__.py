"""Pair-registration methods.  Importing this package registers every method."""

from .registry import MethodSpec, available_methods, get_method, register_method

from . import tvdm  # noqa: F401,E402
from . import phase_correlation  # noqa: F401,E402
from . import masked_ncc  # noqa: F401,E402
from . import intensity  # noqa: F401,E402
from . import features  # noqa: F401,E402

__all__ = ["MethodSpec", "available_methods", "get_method", "register_method"]
