"""A scale bar in physical units on an image view, shown when the file gives the pixel size."""

from __future__ import annotations

from typing import Optional

import numpy as np
import pyqtgraph as pg

_STEPS = (1, 2, 5)


def nice_length(pixel_size_nm: float, width_px: float, fraction: float = 0.2) -> tuple:
    """A round length (1, 2 or 5 times a power of ten, in nm) near `fraction` of `width_px` pixels, as
    (length in pixels, label such as '500 nm' or '2 µm')."""
    target = pixel_size_nm * width_px * fraction
    power = 10.0 ** np.floor(np.log10(target))
    length = max(step * power for step in _STEPS if step * power <= target)
    label = f"{length / 1000:g} µm" if length >= 1000 else f"{length:g} nm"
    return length / pixel_size_nm, label


class ScaleBar:
    """Keeps a pyqtgraph ScaleBar on `viewbox` sized for the visible width; hidden without a pixel size."""

    def __init__(self, viewbox: pg.ViewBox):
        self.viewbox = viewbox
        self.pixel_size_nm: Optional[float] = None
        self.item: Optional[pg.ScaleBar] = None
        self.length_px = 0.0
        viewbox.sigRangeChanged.connect(lambda *_: self._update())

    @property
    def label(self) -> str:
        return "" if self.item is None else self.item.text.textItem.toPlainText()

    def set_pixel_size(self, pixel_size_nm: Optional[float]) -> None:
        self.pixel_size_nm = float(pixel_size_nm) if pixel_size_nm and pixel_size_nm > 0 else None
        self._update()

    def _update(self) -> None:
        width = self.viewbox.viewRange()[0][1] - self.viewbox.viewRange()[0][0]
        shown = self.pixel_size_nm is not None and np.isfinite(width) and width > 0
        if self.item is None and shown:
            self.item = pg.ScaleBar(1.0, width=4, brush="w", pen=pg.mkPen("k"), offset=(-20, -20))
            self.item.setParentItem(self.viewbox)
            self.item.setZValue(20)
        if self.item is None:
            return
        self.item.setVisible(shown)
        if shown:
            self.length_px, label = nice_length(self.pixel_size_nm, width)
            self.item.size = self.length_px
            self.item.text.setText(label)
            self.item.updateBar()
