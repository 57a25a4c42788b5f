"""Tomography projection alignment: jitter correction by invariants, then by tomographic consistency."""

from .align import align_tomo
from .params import TOMO_PARAMS
from .result import TomoIteration, TomoResult

__all__ = ["TOMO_PARAMS", "TomoIteration", "TomoResult", "align_tomo"]
