"""A picture comparing a frame with a reference: difference, red/green overlay, checkerboard, split or
flicker (the two shown in turn at a chosen rate)."""

from __future__ import annotations

from typing import Optional

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from ...engine.checks import checkerboard, difference, normalise, overlay_rgb, split_view, symmetric_limit
from .widgets import double_spin, row, spin

DIFFERENCE, OVERLAY, CHECKER, SPLIT, FLICKER = "difference", "overlay", "checkerboard", "split", "flicker"
_MODES = ((DIFFERENCE, "Difference (frame - reference)"), (OVERLAY, "Overlay (reference red, frame green)"),
          (CHECKER, "Checkerboard"), (SPLIT, "Split view"), (FLICKER, "Flicker"))
_EXPLAIN = {DIFFERENCE: "Blue: darker than the reference; red: brighter. Well aligned edges leave little.",
            OVERLAY: "Aligned structure looks yellow; red or green fringes show a misplacement.",
            CHECKER: "Edges should run straight across the tile borders.",
            SPLIT: "Reference on the left / top of the slider position, frame beyond it.",
            FLICKER: "Frame and reference alternate: anything that jumps is misaligned."}


class ComparisonView(QWidget):
    """Call `set_images(frame, reference)`; `picture()` is what is shown now (for tests and exports)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._frame: Optional[np.ndarray] = None
        self._reference: Optional[np.ndarray] = None
        self._flicker_on_reference = False
        self._picture: Optional[np.ndarray] = None
        self._flicker_pair: Optional[np.ndarray] = None
        self._keep_range = False
        self._limit = 0.0
        self._difference_lut = None
        self.mode_combo = QComboBox()
        for key, text in _MODES:
            self.mode_combo.addItem(text, key)
        self.tile_spin = spin(2, 1024, 32, "Checkerboard tile size", suffix=" px tiles")
        self.split_slider = QSlider(Qt.Orientation.Horizontal, minimum=0, maximum=100, value=50)
        self.split_slider.setToolTip("Where the split lies")
        self.split_slider.setMaximumWidth(160)
        self.split_axis = QComboBox()
        self.split_axis.addItems(["left | right", "top / bottom"])
        self.rate_spin = double_spin(0.5, 20.0, 2.0, 0.5, 1, "How often the picture switches", suffix=" Hz")
        self.explain = QLabel()
        self.explain.setStyleSheet("color: #666;")
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._flick)
        for signal in (self.mode_combo.currentIndexChanged, self.tile_spin.valueChanged,
                       self.split_slider.valueChanged, self.split_axis.currentIndexChanged,
                       self.rate_spin.valueChanged):
            signal.connect(lambda *_: self.redraw())
        self.graphics = pg.GraphicsLayoutWidget()
        self.viewbox = self.graphics.addViewBox(lockAspect=True, invertY=True)
        self.viewbox.setMenuEnabled(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.viewbox.addItem(self.image)
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: bold;")
        self.link_check = QCheckBox("Zoom with the main image")
        self.link_check.setToolTip("Show the same region as the main image, so a zoom there (scroll wheel) "
                                   "magnifies the comparison enough to judge a tenth of a pixel")
        self.link_check.setVisible(False)
        self.link_check.toggled.connect(self._link_toggled)
        self._main_viewbox = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.controls = row(self.mode_combo, self.tile_spin, self.split_axis, self.split_slider, self.rate_spin,
                            self.link_check)
        layout.addLayout(self.controls)
        layout.addWidget(self.graphics, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.title)
        bottom.addWidget(self.explain, 1)
        layout.addLayout(bottom)
        self.redraw()

    def add_control(self, widget) -> None:
        """Put `widget` (a reference chooser) in the row of controls above the picture."""
        self.controls.insertWidget(self.controls.count() - 1, widget)

    def link_to(self, viewbox) -> None:
        """Offer (and switch on) following the zoom and pan of `viewbox`, the main image's view: the same
        region, centred alike (the aspect ratio of this picture may show a little more around it)."""
        self._main_viewbox = viewbox
        viewbox.sigRangeChanged.connect(lambda *_: self._follow())
        self.link_check.setVisible(True)
        self.link_check.setChecked(True)

    @property
    def linked(self) -> bool:
        return self._main_viewbox is not None and self.link_check.isChecked()

    def _link_toggled(self, on: bool) -> None:
        if on:
            self._follow()
        else:
            self.viewbox.autoRange(padding=0.02)

    def _follow(self) -> None:
        if self.linked:
            x_range, y_range = self._main_viewbox.viewRange()
            self.viewbox.setRange(xRange=x_range, yRange=y_range, padding=0)

    @property
    def mode(self) -> str:
        return self.mode_combo.currentData()

    def set_mode(self, mode: str) -> None:
        self.mode_combo.setCurrentIndex(self.mode_combo.findData(mode))

    def set_images(self, frame: Optional[np.ndarray], reference: Optional[np.ndarray], title: str = "",
                   keep_range: bool = False) -> None:
        """Show `frame` against `reference`; `keep_range` keeps the display range of the last picture (the
        same pair, nudged), so a keystroke does not pay for new percentiles."""
        first = self._frame is None or frame is None or self._frame.shape != frame.shape
        self._keep_range = keep_range and not first
        self._frame, self._reference = frame, reference
        self._flicker_pair = None
        self.title.setText(title)
        self.redraw()
        if first and frame is not None and not self.linked:
            self.viewbox.autoRange(padding=0.02)

    def picture(self) -> Optional[np.ndarray]:
        return self._picture

    def _flick(self) -> None:
        self._flicker_on_reference = not self._flicker_on_reference
        self._keep_range = False
        self.redraw()

    def redraw(self) -> None:
        mode = self.mode
        self.tile_spin.setVisible(mode == CHECKER)
        self.split_slider.setVisible(mode == SPLIT)
        self.split_axis.setVisible(mode == SPLIT)
        self.rate_spin.setVisible(mode == FLICKER)
        self.explain.setText(_EXPLAIN[mode])
        if mode == FLICKER and self.isVisible():
            self.timer.start(int(1000 / (2 * self.rate_spin.value())))
        else:
            self.timer.stop()
        frame, reference = self._frame, self._reference
        if frame is None or reference is None:
            self._picture = None
            self.image.clear()
            return
        if mode == DIFFERENCE:
            picture = difference(frame, reference)
            if not (self._keep_range and self._limit):
                self._limit = symmetric_limit(picture)
            limit = self._limit
            if self._difference_lut is None:
                self._difference_lut = pg.colormap.get("CET-D1").getLookupTable()
            self.image.setImage(picture, levels=(-limit, limit), lut=self._difference_lut)
        elif mode == OVERLAY:
            picture = overlay_rgb(frame, reference)
            self.image.setImage(picture, levels=(0.0, 1.0), lut=None)
        else:
            if mode == CHECKER:
                picture = checkerboard(frame, reference, self.tile_spin.value())
            elif mode == SPLIT:
                picture = split_view(frame, reference, self.split_slider.value() / 100,
                                     vertical=self.split_axis.currentIndex() == 0)
            else:  # flicker: both on one display range, so a change of brightness does not look like motion
                if self._flicker_pair is None:
                    self._flicker_pair = normalise(np.stack([frame, reference]))
                picture = self._flicker_pair[1 if self._flicker_on_reference else 0]
            picture = normalise(picture) if mode != FLICKER else picture
            self.image.setImage(picture, levels=(0.0, 1.0), lut=None)
        self._picture = picture

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self.redraw()

    def hideEvent(self, event) -> None:  # noqa: N802
        super().hideEvent(event)
        self.timer.stop()
