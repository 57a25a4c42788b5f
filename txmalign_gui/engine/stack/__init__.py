"""Whole-stack alignment: strategies (anchor, sequential, chunked, consistent), preprocessing, resampling.

Names are imported on first use, so `engine.stack.params` loads without the registration code. The
`preprocess` function is imported from `engine.stack.preprocess` (its module's name would shadow it here).
"""

from ..lazy_exports import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, {
    ".align": ("align_stack",),
    ".apply": ("apply_transforms",),
    ".params": ("PREPARE_PARAMS", "STACK_PARAMS", "STRATEGIES"),
    ".preprocess": ("bin_image", "unbin_transforms"),
    ".result": ("StackResult",),
})

__all__ = ["align_stack", "apply_transforms", "STACK_PARAMS", "STRATEGIES", "bin_image", "unbin_transforms",
           "StackResult"]
