"""Whole-stack alignment: strategies (anchor, sequential, chunked, consistent), preprocessing, resampling."""

from .align import align_stack
from .apply import apply_transforms
from .params import STACK_PARAMS, STRATEGIES
from .preprocess import bin_image, preprocess, unbin_transforms
from .result import StackResult

__all__ = ["align_stack", "apply_transforms", "STACK_PARAMS", "STRATEGIES", "preprocess", "bin_image",
           "unbin_transforms", "StackResult"]
