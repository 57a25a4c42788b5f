"""The Qt-free registration engine shared by the GUI, the command line and batch jobs."""

from .errors import Cancelled, InputError, TxmAlignError
from .methods import available_methods, get_method
from .pair import register_pair
from .params import Param, ParamSet
from .progress import Progress
from .result import FAILED, LOW_CONFIDENCE, OK, RegistrationResult
from .transform import Transform, apply_transform

__all__ = [
    "Cancelled", "InputError", "TxmAlignError", "available_methods", "get_method", "register_pair",
    "Param", "ParamSet", "Progress", "FAILED", "LOW_CONFIDENCE", "OK", "RegistrationResult",
    "Transform", "apply_transform",
]
