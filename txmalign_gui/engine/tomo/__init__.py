"""Tomography projection alignment: jitter correction by invariants, then by tomographic consistency.

Names are imported on first use, so `engine.tomo.params` loads without the reconstruction code.
"""

from ..lazy_exports import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, {
    ".align": ("align_tomo",),
    ".params": ("TOMO_PARAMS", "TOMO_PREPARE_PARAMS"),
    ".result": ("TomoIteration", "TomoResult"),
})

__all__ = ["TOMO_PARAMS", "TomoIteration", "TomoResult", "align_tomo"]
