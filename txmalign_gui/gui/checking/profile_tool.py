"""The 'Line profiles' tab: a line with a width on the image; every frame's profile along it as an image
(frame against position) and as overlaid curves, and how far a chosen feature drifts, raw and aligned."""

from __future__ import annotations

from typing import Optional

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QComboBox, QLabel, QSplitter, QVBoxLayout, QWidget

from ...engine.checks import drift_range, stack_profiles, track_feature
from ...engine.errors import TxmAlignError
from .canvas import FINISH, START, DrawingCanvas, PointerUser
from .context import ALIGNED, RAW, CheckContext
from .widgets import button, row, spin

_FEATURES = (("min", "darkest point"), ("max", "brightest point"), ("edge", "steepest edge"))
_LINE_COLOUR = "#00c8ff"


class ProfileTool(QWidget):
    """Owns the line on the main image; `profiles[source]` and `positions[source]` hold the last results."""

    def __init__(self, context: CheckContext, canvas: DrawingCanvas, parent=None):
        super().__init__(parent)
        self.context, self.canvas = context, canvas
        self.viewbox = context.window.view.viewbox
        self.line: Optional[pg.LineSegmentROI] = None
        self.band = pg.PlotCurveItem(pen=pg.mkPen(_LINE_COLOUR, width=1, style=Qt.PenStyle.DashLine))
        self.band.setZValue(11)
        self.viewbox.addItem(self.band)
        self.profiles: dict = {}
        self.positions: dict = {}
        self._drag_start = None
        self.pointer = PointerUser(self)
        self.pointer.dragged.connect(self._dragged)
        self.pointer.released.connect(lambda: self.draw_button.setChecked(False))
        self._build()
        context.data_changed.connect(self.update_profiles)
        context.frame_changed.connect(lambda _: self._draw_curves())

    def _build(self) -> None:
        self.draw_button = button("Draw line", "Drag on the image to draw the line (then drag its ends)",
                                  self._draw_toggled, checkable=True)
        self.width_spin = spin(1, 200, 5, "Pixels across the line that are averaged", suffix=" px wide")
        self.width_spin.valueChanged.connect(lambda _: self.update_profiles())
        self.feature_combo = QComboBox()
        for key, text in _FEATURES:
            self.feature_combo.addItem(f"Track the {text}", key)
        self.feature_combo.setToolTip("The feature followed from frame to frame, searched inside the shaded "
                                      "band of the curves plot (drag its edges to pick one feature)")
        self.feature_combo.currentIndexChanged.connect(lambda _: self.update_profiles())
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
        self.search.sigRegionChangeFinished.connect(lambda _: self.update_profiles())
        self.curve_plot.addItem(self.search)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.images)
        splitter.addWidget(self.curve_plot)
        splitter.setSizes([650, 450])
        layout = QVBoxLayout(self)
        layout.addLayout(row(self.draw_button, self.width_spin, self.feature_combo, self.curves_combo,
                             self.drift_label))
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
            self.set_line(start, (y - 0.5, x - 0.5))
            self.draw_button.setChecked(False)
            self.canvas.give_back(self.pointer)

    def set_line(self, p0, p1, width: Optional[int] = None) -> None:
        """Place the line from p0 to p1, in (row, col) pixel coordinates; the search band covers all of it."""
        self.search.blockSignals(True)
        self.search.setRegion((0, float(np.hypot(p1[0] - p0[0], p1[1] - p0[1]))))
        self.search.blockSignals(False)
        if width is not None:
            self.width_spin.blockSignals(True)
            self.width_spin.setValue(int(width))
            self.width_spin.blockSignals(False)
        points = [(p0[1] + 0.5, p0[0] + 0.5), (p1[1] + 0.5, p1[0] + 0.5)]
        if self.line is None:
            self.line = pg.LineSegmentROI(points, pen=pg.mkPen(_LINE_COLOUR, width=2))
            self.line.setZValue(12)
            self.line.sigRegionChangeFinished.connect(lambda _: self.update_profiles())
            self.viewbox.addItem(self.line)
            self.update_profiles()
        else:
            for handle, point in zip(self.line.getHandles(), points):
                handle.setPos(*point)
            self.line.stateChanged(finish=True)

    def endpoints(self) -> Optional[tuple]:
        """((row, col), (row, col)) of the line's ends in pixel coordinates, or None."""
        if self.line is None:
            return None
        ends = [self.line.mapToParent(handle.pos()) for handle in self.line.getHandles()]
        return tuple((p.y() - 0.5, p.x() - 0.5) for p in ends)

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
        ends = self.endpoints()
        self._draw_band(ends)
        self.profiles, self.positions = {}, {}
        if ends is None or self.context.shape is None:
            self._show()
            return
        feature = self.feature_combo.currentData()
        try:
            for source in self.context.available_sources():
                self.profiles[source] = stack_profiles(self.context.images(source), *ends,
                                                       width=self.width_spin.value())
                self.positions[source] = track_feature(self.profiles[source], feature, self.search_window())
        except TxmAlignError as error:
            self.profiles, self.positions = {}, {}
            self.drift_label.setText(f"No profile: {error}.")
            self._show()
            return
        self._show()

    def search_window(self) -> tuple:
        """(start, stop) samples along the line where the feature is searched: the shaded band."""
        low, high = self.search.getRegion()
        return int(np.floor(low)), int(np.ceil(high)) + 1

    def set_search_window(self, start: float, stop: float) -> None:
        self.search.setRegion((start, stop))

    def drift(self, source: str) -> float:
        return drift_range(self.positions[source])

    def _show(self) -> None:
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
            self.drift_label.setText(f"Drift range of the {text}: " + ",  ".join(parts))
        self._draw_curves()

    def _draw_curves(self) -> None:
        plot = self.curve_plot.getPlotItem()
        for item in plot.listDataItems():
            plot.removeItem(item)
        profiles = self.profiles.get(self.curves_combo.currentData())
        if profiles is None:
            return
        count = len(profiles)
        colours = pg.colormap.get("viridis").getLookupTable(nPts=max(count, 2), mode="qcolor")
        current = self.context.index
        for index, values in enumerate(profiles):
            if index != current:
                plot.plot(values, pen=pg.mkPen(colours[index], width=1))
        if 0 <= current < count:
            plot.plot(profiles[current], pen=pg.mkPen("#d62728", width=3), name=f"frame {current}")
