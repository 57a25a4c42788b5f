"""The region of interest and pixel mask that limit the registration: a small model with a signal.

The stack view edits it, the alignment job and the session file read it, and the
checking tools added later (ROI/mask editors) share the same object.
"""

from __future__ import annotations

import base64
from typing import Optional

import numpy as np
from PyQt6.QtCore import QObject, pyqtSignal


class RoiMaskModel(QObject):
    """Holds `roi` as (y0, y1, x0, x1) or None and `mask` as a bool image (True = usable) or None."""

    changed = pyqtSignal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._roi: Optional[tuple] = None
        self._mask: Optional[np.ndarray] = None

    @property
    def roi(self) -> Optional[tuple]:
        return self._roi

    @property
    def mask(self) -> Optional[np.ndarray]:
        return self._mask

    def set_roi(self, roi) -> None:
        roi = None if roi is None else tuple(int(v) for v in roi)
        if roi != self._roi:
            self._roi = roi
            self.changed.emit()

    def set_mask(self, mask) -> None:
        self._mask = None if mask is None else np.asarray(mask, dtype=bool).copy()
        self.changed.emit()

    def clear(self) -> None:
        self._roi = None
        self._mask = None
        self.changed.emit()

    def to_dict(self) -> dict:
        """JSON-friendly state; the mask is stored bit-packed in base64 so it is restored exactly."""
        mask = None
        if self._mask is not None:
            packed = np.packbits(self._mask.ravel())
            mask = {"shape": list(self._mask.shape), "bits": base64.b64encode(packed.tobytes()).decode()}
        return {"roi": list(self._roi) if self._roi is not None else None, "mask": mask}

    def load_dict(self, state: dict) -> None:
        roi = state.get("roi")
        self._roi = tuple(int(v) for v in roi) if roi else None
        mask = state.get("mask")
        if mask:
            shape = tuple(mask["shape"])
            bits = np.frombuffer(base64.b64decode(mask["bits"]), dtype=np.uint8)
            self._mask = np.unpackbits(bits)[: int(np.prod(shape))].astype(bool).reshape(shape)
        else:
            self._mask = None
        self.changed.emit()
