"""The 'Line profiles' tab: a line with a width on the image; every frame's profile along it as an image
(frame against position) and as overlaid curves, and how far a chosen feature drifts, raw and aligned.

The line (ends, width, search band) is part of the document, so it is undoable and saved in sessions.
The search band starts narrow, around the feature nearest the middle of the line in the mean profile,
so the readout follows one feature instead of jumping between look-alikes along the whole line.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Optional

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QComboBox, QLabel, QSplitter, QVBoxLayout, QWidget

from ...engine.checks import drift_range, stack_profiles, track_feature
from ...engine.errors import TxmAlignError
from ..document import LINE, ProfileLine
from .canvas import FINISH, START, DrawingCanvas, PointerUser
from .context import ALIGNED, RAW, CheckContext
from .widgets import button, row, spin

_FEATURES = (("min", "darkest point"), ("max", "brightest point"), ("edge", "steepest edge"))
_LINE_COLOUR = "#00c8ff"
_BAND_HALF_WIDTH = 8  # samples either side of the feature in the automatic search band


class ProfileTool(QWidget):
    """Draws the document's line on the main image; `profiles[source]` and `positions[source]` hold the
    last results."""

    def __init__(self, context: CheckContext, canvas: DrawingCanvas, parent=None):
        super().__init__(parent)
        self.context, self.canvas, self.model = context, canvas, context.model
        self.viewbox = context.window.view.viewbox
        self.line: Optional[pg.LineSegmentROI] = None
        self.band = pg.PlotCurveItem(pen=pg.mkPen(_LINE_COLOUR, width=1, style=Qt.PenStyle.DashLine))
        self.band.setZValue(11)
        self.viewbox.addItem(self.band)
        self.profiles: dict = {}
        self.positions: dict = {}
        self._curve_items: list = []  # one PlotDataItem per frame, reused while the frame count stays
        self._stale = False  # frames were edited while the tab was hidden
        self._drag_start = None
        self.pointer = PointerUser(self)
        self.pointer.dragged.connect(self._dragged)
        self.pointer.released.connect(lambda: self.draw_button.setChecked(False))
        self._build()
        context.data_changed.connect(self.update_profiles)
        context.frames_changed.connect(self._frames_changed)
        context.frame_changed.connect(lambda _: self._draw_curves())
        self.model.changed.connect(lambda fields, _: LINE in fields and self._line_changed())

    def _build(self) -> None:
        self.draw_button = button("Draw line", "Drag on the image to draw the line (then drag its ends)",
                                  self._draw_toggled, checkable=True)
        self.width_spin = spin(1, 200, 5, "Pixels across the line that are averaged", suffix=" px wide")
        self.width_spin.valueChanged.connect(self._width_typed)
        self.feature_combo = QComboBox()
        for key, text in _FEATURES:
            self.feature_combo.addItem(f"Track the {text}", key)
        self.feature_combo.setToolTip("The feature followed from frame to frame, searched inside the shaded "
                                      "band of the curves plot (drag its edges to pick one feature)")
        self.feature_combo.currentIndexChanged.connect(lambda _: self._feature_chosen())
        self.curves_combo = QComboBox()
        self.curves_combo.addItem("Curves: aligned", ALIGNED)
        self.curves_combo.addItem("Curves: raw", RAW)
        self.curves_combo.currentIndexChanged.connect(lambda _: self._draw_curves())
        self.drift_label = QLabel("Draw a line across a sharp feature to see how far it drifts.")
        self.drift_label.setStyleSheet("font-weight: bold;")

        self.images = pg.GraphicsLayoutWidget()
        self.images.setBackground("w")
        self.image_items, self.track_items, self.image_plots = {}, {}, {}
        for col, source in enumerate((RAW, ALIGNED)):
            plot = self.images.addPlot(row=0, col=col, title=f"{source.capitalize()}: every frame")
            plot.setLabel("bottom", "position along the line (px)")
            plot.setLabel("left", "frame")
            plot.invertY(True)
            plot.setMenuEnabled(False)
            image = pg.ImageItem(axisOrder="row-major")
            track = pg.PlotDataItem(pen=None, symbol="o", symbolSize=5, symbolBrush="#ff3030", symbolPen=None)
            plot.addItem(image)
            plot.addItem(track)
            self.image_plots[source], self.image_items[source], self.track_items[source] = plot, image, track
        self.curve_plot = pg.PlotWidget(background="w")
        self.curve_plot.setLabel("bottom", "position along the line (px)")
        self.curve_plot.setLabel("left", "intensity")
        self.curve_plot.showGrid(x=True, y=True, alpha=0.3)
        self.search = pg.LinearRegionItem(brush=pg.mkBrush(255, 200, 0, 40))
        self.search.setZValue(-10)
        self.search.sigRegionChangeFinished.connect(lambda _: self._band_dragged())
        self.curve_plot.addItem(self.search)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.images)
        splitter.addWidget(self.curve_plot)
        splitter.setSizes([650, 450])
        layout = QVBoxLayout(self)
        self.drift_label.setWordWrap(True)
        layout.addLayout(row(self.draw_button, self.width_spin, self.feature_combo, self.curves_combo))
        layout.addWidget(self.drift_label)
        layout.addWidget(splitter, 1)

    # -- the line -------------------------------------------------------------
    def _draw_toggled(self) -> None:
        if self.draw_button.isChecked() and self.context.shape is not None:
            self.canvas.take(self.pointer)
        else:
            self.draw_button.setChecked(False)
            self.canvas.give_back(self.pointer)

    def _dragged(self, x: float, y: float, phase: str) -> None:
        if phase == START:
            self._drag_start = (y - 0.5, x - 0.5)
        elif phase == FINISH and self._drag_start is not None:
            start, self._drag_start = self._drag_start, None
            self.draw_button.setChecked(False)
            self.canvas.give_back(self.pointer)
            self.set_line(start, (y - 0.5, x - 0.5))

    def set_line(self, p0, p1, width: Optional[int] = None) -> None:
        """Place the line from p0 to p1, in (row, col) pixel coordinates (an undoable edit); the search band
        is chosen around the feature nearest its middle."""
        width = int(width) if width is not None else self.width_spin.value()
        line = ProfileLine(tuple(float(v) for v in p0), tuple(float(v) for v in p1), width)
        self.model.edit("Draw the profile line", line=replace(line, window=self._auto_window(line)))

    def endpoints(self) -> Optional[tuple]:
        """((row, col), (row, col)) of the line's ends in pixel coordinates, or None."""
        line = self.model.line
        return None if line is None else (line.p0, line.p1)

    def _line_changed(self) -> None:
        """Show the document's line: the handles, the band on the image, the width and the search band."""
        line = self.model.line
        if line is None:
            if self.line is not None:
                self.viewbox.removeItem(self.line)
                self.line = None
        else:
            points = [(line.p0[1] + 0.5, line.p0[0] + 0.5), (line.p1[1] + 0.5, line.p1[0] + 0.5)]
            if self.line is None:
                self.line = pg.LineSegmentROI(points, pen=pg.mkPen(_LINE_COLOUR, width=2))
                self.line.setZValue(12)
                self.line.sigRegionChangeFinished.connect(lambda _: self._handles_dragged())
                self.viewbox.addItem(self.line)
            else:
                for handle, point in zip(self.line.getHandles(), points):
                    handle.setPos(*point)
            self.width_spin.blockSignals(True)
            self.width_spin.setValue(line.width)
            self.width_spin.blockSignals(False)
            self.search.blockSignals(True)
            self.search.setRegion(line.window if line.window is not None else (0.0, line.length))
            self.search.blockSignals(False)
        self.update_profiles()

    def _handles_dragged(self) -> None:
        line = self.model.line
        if self.line is None or line is None:
            return
        ends = [self.line.mapToParent(handle.pos()) for handle in self.line.getHandles()]
        p0, p1 = ((p.y() - 0.5, p.x() - 0.5) for p in ends)
        if (p0, p1) != (line.p0, line.p1):
            moved = replace(line, p0=p0, p1=p1)
            self.model.edit("Move the profile line", line=replace(moved, window=self._auto_window(moved)))

    def _width_typed(self) -> None:
        line = self.model.line
        if line is not None and line.width != self.width_spin.value():
            self.model.edit("Change the profile width", line=replace(line, width=self.width_spin.value()))

    def _band_dragged(self) -> None:
        line = self.model.line
        if line is not None:
            self.model.edit("Move the search band", line=replace(line, window=tuple(self.search.getRegion())))

    def _feature_chosen(self) -> None:
        line = self.model.line
        if line is not None:
            self.model.edit("Track another feature", line=replace(line, window=self._auto_window(line)))
            self.update_profiles()

    def _auto_window(self, line: ProfileLine) -> Optional[tuple]:
        """A band of +-8 samples around the chosen feature nearest the middle of the mean profile (aligned
        when there is an alignment), so one feature is followed; None (the whole line) when it is short."""
        source = ALIGNED if self.context.has(ALIGNED) else RAW
        images = self.context.images(source)
        if images is None or line.length < 4 * _BAND_HALF_WIDTH:
            return None
        try:
            mean = np.nanmean(stack_profiles(images, line.p0, line.p1, width=line.width), axis=0)
        except TxmAlignError:
            return None
        feature = self.feature_combo.currentData()
        score = {"min": -mean, "max": mean}.get(feature)
        if score is None:  # edge: the steepest change, between two samples
            score = np.abs(np.gradient(mean))
        # the strongest of the local extrema of the score, preferring ones near the middle
        middle = (len(mean) - 1) / 2
        weight = 1.0 - 0.5 * np.abs(np.arange(len(mean)) - middle) / max(middle, 1.0)
        finite = np.nan_to_num(score - np.nanmin(score), nan=0.0)
        centre = int(np.argmax(finite * weight))
        return (float(max(0, centre - _BAND_HALF_WIDTH)), float(min(len(mean) - 1, centre + _BAND_HALF_WIDTH)))

    def _draw_band(self, ends) -> None:
        width = self.width_spin.value()
        if ends is None or width < 2:
            self.band.setData([], [])
            return
        (r0, c0), (r1, c1) = ends
        length = max(np.hypot(r1 - r0, c1 - c0), 1e-9)
        across = np.array([-(c1 - c0), r1 - r0]) / length * (width / 2)  # (row, col) normal
        corners = [(r0 + across[0], c0 + across[1]), (r1 + across[0], c1 + across[1]),
                   (r1 - across[0], c1 - across[1]), (r0 - across[0], c0 - across[1])]
        corners.append(corners[0])
        self.band.setData([c + 0.5 for _, c in corners], [r + 0.5 for r, _ in corners])

    # -- profiles -------------------------------------------------------------
    def update_profiles(self) -> None:
        self._stale = False
        ends = self.endpoints()
        self._draw_band(ends)
        self.profiles, self.positions = {}, {}
        if ends is None or self.context.shape is None:
            self._show()
            return
        try:
            for source in self.context.available_sources():
                self.profiles[source] = stack_profiles(self.context.images(source), *ends,
                                                       width=self.width_spin.value())
                self.positions[source] = self._track(self.profiles[source])
        except TxmAlignError as error:
            self.profiles, self.positions = {}, {}
            self.drift_label.setText(f"No profile: {error}.")
        self._show()

    def _track(self, profiles: np.ndarray) -> np.ndarray:
        return track_feature(profiles, self.feature_combo.currentData(), self.search_window())

    def _frames_changed(self, frames: list) -> None:
        """Only `frames` were re-sampled (a nudge): recompute their aligned profiles and positions (when the
        tab is hidden, once it is shown again)."""
        images, ends = self.context.images(ALIGNED), self.endpoints()
        if ends is None:
            return
        if not self.isVisible():
            self._stale = True
            return
        if images is None or ALIGNED not in self.profiles:
            self.update_profiles()
            return
        profiles = self.profiles[ALIGNED]
        profiles[frames] = stack_profiles(images[frames], *ends, width=self.width_spin.value())
        self.positions[ALIGNED][frames] = self._track(profiles[frames])
        self._show(frames)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self.update_profiles()

    def search_window(self) -> tuple:
        """(start, stop) samples along the line where the feature is searched: the shaded band."""
        low, high = self.search.getRegion()
        return int(np.floor(low)), int(np.ceil(high)) + 1

    def set_search_window(self, start: float, stop: float) -> None:
        self.search.setRegion((start, stop))  # sigRegionChangeFinished puts it in the document

    def drift(self, source: str) -> float:
        return drift_range(self.positions[source])

    def _show(self, frames=None) -> None:
        for source, image in self.image_items.items():
            profiles = self.profiles.get(source)
            if profiles is None:
                image.clear()
                self.track_items[source].setData([], [])
                continue
            image.setImage(profiles, autoLevels=True)
            image.setRect(-0.5, -0.5, profiles.shape[1], profiles.shape[0])
            positions = self.positions[source]
            self.track_items[source].setData(positions, np.arange(len(positions)))
        if self.positions:
            parts = [f"{source} {self.drift(source):.2f} px" for source in (RAW, ALIGNED) if source in self.positions]
            text = self.feature_combo.currentText().replace("Track the ", "")
            self.drift_label.setText(f"Drift range of the {text} (inside the shaded band): " + ",  ".join(parts))
        self._draw_curves(frames)

    def _draw_curves(self, frames=None) -> None:
        """One curve per frame (the frame on screen thick and red); `frames` redraws only those curves."""
        plot = self.curve_plot.getPlotItem()
        profiles = self.profiles.get(self.curves_combo.currentData())
        if profiles is None:
            for item in self._curve_items:
                plot.removeItem(item)
            self._curve_items = []
            return
        count = len(profiles)
        if len(self._curve_items) != count:
            for item in self._curve_items:
                plot.removeItem(item)
            self._curve_items = [plot.plot() for _ in range(count)]
            frames = None
        colours = pg.colormap.get("viridis").getLookupTable(nPts=max(count, 2), mode="qcolor")
        current = self.context.index
        for index in range(count) if frames is None else frames:
            item = self._curve_items[index]
            on_screen = index == current
            item.setData(profiles[index])
            item.setPen(pg.mkPen("#d62728", width=3) if on_screen else pg.mkPen(colours[index], width=1))
            item.setZValue(1 if on_screen else 0)
