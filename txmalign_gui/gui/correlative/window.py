"""The correlative window: X-ray and EM side by side with their landmarks, the overlay, and the panel.
It keeps the views in step with the CorrelativeModel; file dialogs, jobs and saving are the mode's."""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QKeySequence, QShortcut
from PyQt6.QtWidgets import QHBoxLayout, QScrollArea, QSplitter, QTabWidget, QWidget

from ...engine.correlative import resample_em
from .landmark_view import LandmarkView
from .model import CorrelativeModel
from .overlay_view import OverlayView
from .panel import CorrelativePanel


class CorrelativeWindow(QWidget):
    """A top-level window (owned by the main window) over a CorrelativeModel."""

    def __init__(self, model: CorrelativeModel, parent=None):
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("txmalign - correlative X-ray / electron microscopy")
        self.setObjectName("correlative_window")
        self.model = model
        self.running = False
        self.xray_view = LandmarkView("xray", "X-ray")
        self.em_view = LandmarkView("em", "Electron microscopy")
        pair = QSplitter(Qt.Orientation.Horizontal)
        pair.addWidget(self.xray_view)
        pair.addWidget(self.em_view)
        self.overlay = OverlayView()
        self.tabs = QTabWidget(documentMode=True)
        self.tabs.addTab(pair, "Landmarks")
        self.tabs.addTab(self.overlay, "Overlay")
        self.panel = CorrelativePanel()
        self.scroll = scroll = QScrollArea(widgetResizable=True)
        scroll.setWidget(self.panel)
        scroll.setMinimumWidth(self.panel.sizeHint().width() + 24)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(scroll)
        self._resampled_for = None
        self._resampled = None
        for view in (self.xray_view, self.em_view):
            view.point_added.connect(lambda row, col, side=view.side: self.model.add_point(side, (row, col)))
            view.point_moved.connect(lambda index, row, col, side=view.side: self.model.move_point(side, index,
                                                                                                    (row, col)))
            view.point_deleted.connect(self.model.delete_pair)
        self.panel.delete_clicked.connect(self.model.delete_pair)
        self.panel.clear_clicked.connect(self.model.clear_pairs)
        self.panel.form.changed.connect(lambda: self.model.set_model(self.panel.form.values()["model"]))
        self.tabs.currentChanged.connect(lambda _: self._show_overlay())
        delete = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.panel.table)
        delete.activated.connect(lambda: self.panel.selected() is not None and
                                 self.model.delete_pair(self.panel.selected()))
        self._images = (None, None)
        model.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Show the model: images (when they changed), markers with residual lines, the panel, the overlay."""
        model = self.model
        if self._images != (id(model.xray), id(model.em)):
            self._images = (id(model.xray), id(model.em))
            self.xray_view.set_image(model.xray)
            self.em_view.set_image(model.em)
        predicted = None
        if model.fit is not None:
            predicted = np.full((len(model.pairs), 2), np.nan)
            for index, (_, em) in enumerate(model.pairs):
                if em is not None:
                    predicted[index] = model.fit.point_map.apply(em)[0]
        self.xray_view.show_points([x for x, _ in model.pairs], predicted)
        self.em_view.show_points([e for _, e in model.pairs])
        self.panel.show_state(model, self.running)
        self._show_overlay()

    def em_in_xray_frame(self):
        """The EM image resampled by the current map (the refined one, else the landmark fit), or None."""
        model = self.model
        point_map = model.point_map()
        if point_map is None or model.xray is None or model.em is None:
            return None
        if model.output is not None and point_map is model.output.result.point_map:
            return model.output.resampled
        key = (id(model.em), point_map.matrix.tobytes(), model.xray.shape)
        if key != self._resampled_for:
            self._resampled_for, self._resampled = key, resample_em(model.em, point_map, model.xray.shape)
        return self._resampled

    def _show_overlay(self) -> None:
        if self.tabs.currentWidget() is self.overlay:
            self.overlay.show_images(self.model.xray, self.em_in_xray_frame())

    def set_running(self, running: bool) -> None:
        self.running = running
        self.panel.show_state(self.model, running)
        self.scroll.ensureWidgetVisible(self.panel.progress_label if running else self.panel.export_button)
