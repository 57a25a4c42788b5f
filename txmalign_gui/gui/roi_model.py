"""The region of interest and pixel mask that limit the registration, as a view on the document.

The stack view and the ROI/mask tab edit them (each change an undoable step), the alignment
job and the session file read them; `changed` fires when either changes.
"""

from __future__ import annotations

import base64
from typing import Optional

import numpy as np
from PyQt6.QtCore import QObject, pyqtSignal

from .document import MASK, ROI


class RoiMaskModel(QObject):
    """`roi` as (y0, y1, x0, x1) or None and `mask` as a bool image (True = usable) or None, kept in `model`
    (a DocumentModel)."""

    changed = pyqtSignal()

    def __init__(self, model, parent=None):
        super().__init__(parent)
        self.model = model
        model.changed.connect(lambda fields, _: (ROI in fields or MASK in fields) and self.changed.emit())

    @property
    def roi(self) -> Optional[tuple]:
        return self.model.roi

    @property
    def mask(self) -> Optional[np.ndarray]:
        return self.model.mask

    def set_roi(self, roi, label: str = "Change the region of interest") -> None:
        roi = None if roi is None else tuple(int(v) for v in roi)
        self.model.edit(label if roi is not None else "Remove the region of interest", roi=roi)

    def set_mask(self, mask, label: str = "Edit the mask") -> None:
        mask = None if mask is None else np.asarray(mask, dtype=bool).copy()
        self.model.edit(label, mask=mask)

    def to_dict(self) -> dict:
        """JSON-friendly state; the mask is stored bit-packed in base64 so it is restored exactly."""
        roi = self.roi
        return {"roi": list(roi) if roi is not None else None, "mask": pack_mask(self.mask)}

    def load_dict(self, state: dict) -> None:
        roi = state.get("roi")
        self.model.set(roi=tuple(int(v) for v in roi) if roi else None, mask=unpack_mask(state.get("mask")))


def pack_mask(mask: Optional[np.ndarray]) -> Optional[dict]:
    """A bool image as {"shape", "bits"} (bit-packed, base64) for JSON, or None."""
    if mask is None:
        return None
    mask = np.asarray(mask, dtype=bool)
    packed = np.packbits(mask.ravel())
    return {"shape": list(mask.shape), "bits": base64.b64encode(packed.tobytes()).decode()}


def unpack_mask(state: Optional[dict]) -> Optional[np.ndarray]:
    if not state:
        return None
    shape = tuple(state["shape"])
    bits = np.frombuffer(base64.b64decode(state["bits"]), dtype=np.uint8)
    return np.unpackbits(bits)[: int(np.prod(shape))].astype(bool).reshape(shape)
