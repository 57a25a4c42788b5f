"""The Qt-free registration engine shared by the GUI, the command line and batch jobs.

Names are imported on first use (see `lazy_exports`), so light submodules load without the heavy ones.
"""

from .lazy_exports import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, {
    ".errors": ("Cancelled", "InputError", "TxmAlignError"),
    ".methods": ("available_methods", "get_method"),
    ".pair": ("register_pair",),
    ".params": ("Param", "ParamSet"),
    ".progress": ("Progress",),
    ".result": ("FAILED", "LOW_CONFIDENCE", "OK", "RegistrationResult"),
    ".transform": ("Affine", "Similarity", "Transform", "apply_transform"),
})

__all__ = [
    "Cancelled", "InputError", "TxmAlignError", "available_methods", "get_method", "register_pair",
    "Param", "ParamSet", "Progress", "FAILED", "LOW_CONFIDENCE", "OK", "RegistrationResult",
    "Affine", "Similarity", "Transform", "apply_transform",
]
