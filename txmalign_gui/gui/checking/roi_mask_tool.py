"""The 'ROI and mask' tab: the rectangle the registration looks at (exact numbers) and the mask of pixels
it ignores, drawn with a brush or polygon or made by thresholding the frame on screen; saved as an image."""

from __future__ import annotations

import os
from typing import Optional

import numpy as np
from PyQt6.QtWidgets import QButtonGroup, QCheckBox, QComboBox, QFileDialog, QGroupBox, QLabel, QVBoxLayout, QWidget

from ...engine.checks import brush_stroke, polygon_mask, threshold_mask
from ...engine.errors import TxmAlignError
from .canvas import FINISH, START, DrawingCanvas, PointerUser
from .context import CheckContext
from .mask_files import MASK_FILTERS, load_mask, save_mask
from .mask_overlay import MaskOverlay
from .widgets import button, double_spin, hint, row, spin

BRUSH, ERASE, POLYGON = "brush", "erase", "polygon"


class RoiMaskTool(QWidget):
    """Edits the window's RoiMaskModel; the mask is shown (and drawn) as the ignored pixels."""

    def __init__(self, context: CheckContext, roi_model, canvas: DrawingCanvas, notify, parent=None):
        super().__init__(parent)
        self.context, self.roi_model, self.canvas, self.notify = context, roi_model, canvas, notify
        self.pointer = PointerUser(self)
        self.pointer.clicked.connect(self._clicked)
        self.pointer.dragged.connect(self._dragged)
        self.pointer.released.connect(lambda: self._set_drawing(None))
        self.overlay = MaskOverlay(context.window.view.viewbox)
        self.polygon: list = []
        self._last_brush = None
        self._stroke: Optional[np.ndarray] = None  # the ignored pixels while a brush drag is under way
        self._build()
        roi_model.changed.connect(self._model_changed)
        context.data_changed.connect(self._model_changed)
        context.stack_changed.connect(self._suggest_threshold)
        context.window.view.mode_changed.connect(self._suggest_threshold)
        self._model_changed()

    # -- construction -------------------------------------------------------
    def _build(self) -> None:
        self.roi_check = QCheckBox("Limit registration to a rectangle")
        self.roi_check.setToolTip("Only the pixels inside the rectangle are compared (drag it on the image, or "
                                  "type its position)")
        self.roi_check.toggled.connect(lambda _: self._roi_toggled())
        self.roi_spins = {name: spin(0, 100000, 0, tip) for name, tip in (
            ("x0", "Left edge (column)"), ("y0", "Top edge (row)"), ("width", "Width in pixels"),
            ("height", "Height in pixels"))}
        for box in self.roi_spins.values():
            box.editingFinished.connect(self._roi_typed)
        roi_box = QGroupBox("Region of interest")
        roi_layout = QVBoxLayout(roi_box)
        roi_layout.addLayout(row(self.roi_check))
        roi_layout.addLayout(row("x", self.roi_spins["x0"], "y", self.roi_spins["y0"], "width",
                                 self.roi_spins["width"], "height", self.roi_spins["height"]))

        self.draw_buttons = {key: button(text, tip, checkable=True) for key, text, tip in (
            (BRUSH, "Paint", "Drag on the image to mark pixels the registration must ignore"),
            (ERASE, "Erase", "Drag on the image to give pixels back to the registration"),
            (POLYGON, "Polygon", "Click the corners on the image; double-click (or Close polygon) to fill"))}
        group = QButtonGroup(self)
        group.setExclusive(False)
        for key, widget in self.draw_buttons.items():
            group.addButton(widget)
            widget.clicked.connect(lambda on, key=key: self._set_drawing(key if on else None))
        self.radius_spin = spin(1, 500, 5, "Brush radius in pixels", suffix=" px")
        self.close_button = button("Close polygon", "Fill the polygon drawn so far", self._close_polygon)
        self.threshold_side = QComboBox()
        self.threshold_side.addItems(["below", "above"])
        self.threshold_value = double_spin(-1e12, 1e12, 0.0, 0.01, 6, "Threshold on the frame on screen (starts "
                                           "half-way through the display range)")
        apply_threshold = button("Add to mask", "Ignore the pixels of the frame on screen beyond the "
                                 "threshold", self._threshold)
        self.count_label = QLabel()
        mask_box = QGroupBox("Mask: pixels the registration ignores (the same in every frame, e.g. a beam "
                             "block; best with Masked cross-correlation)")
        mask_layout = QVBoxLayout(mask_box)
        mask_layout.addLayout(row(*self.draw_buttons.values(), "radius", self.radius_spin, self.close_button))
        mask_layout.addLayout(row("Ignore pixels", self.threshold_side, self.threshold_value, apply_threshold))
        mask_layout.addLayout(row(button("Invert", "Swap ignored and used pixels", self._invert),
                                  button("Clear", "Use every pixel again", self._clear),
                                  button("Save...", "Save the mask as an image (white = used)", self._save),
                                  button("Load...", "Load a mask image (nonzero = used)", self._load),
                                  self.count_label))
        layout = QVBoxLayout(self)
        layout.addWidget(roi_box)
        layout.addWidget(mask_box)
        layout.addWidget(hint("The rectangle and the mask go into the alignment, the session and the "
                              "provenance of the saved stack."))
        layout.addStretch(1)

    # -- region of interest -------------------------------------------------
    def _roi_toggled(self) -> None:
        shape = self.context.shape
        if not self.roi_check.isChecked():
            self.roi_model.set_roi(None)
        elif self.roi_model.roi is None and shape is not None:
            height, width = shape
            self.roi_model.set_roi((height // 4, height - height // 4, width // 4, width - width // 4))

    def _roi_typed(self) -> None:
        shape = self.context.shape
        if shape is None or not self.roi_check.isChecked():
            return
        s = {name: box.value() for name, box in self.roi_spins.items()}
        y0, x0 = min(s["y0"], shape[0] - 1), min(s["x0"], shape[1] - 1)
        self.roi_model.set_roi((y0, min(shape[0], y0 + max(1, s["height"])), x0,
                                min(shape[1], x0 + max(1, s["width"]))))

    # -- mask ---------------------------------------------------------------
    def ignored(self) -> Optional[np.ndarray]:
        mask = self.roi_model.mask
        return None if mask is None else ~mask

    def set_ignored(self, ignored: Optional[np.ndarray], label: str = "Edit the mask") -> None:
        self.roi_model.set_mask(None if ignored is None or not ignored.any() else ~ignored, label)

    def _blank(self) -> np.ndarray:
        ignored = self.ignored()
        return ignored if ignored is not None else np.zeros(self.context.shape, dtype=bool)

    def _set_drawing(self, key: Optional[str]) -> None:
        for name, widget in self.draw_buttons.items():
            widget.setChecked(name == key)
        self.polygon = []
        self.overlay.show_polygon([])
        if key is None:
            self.canvas.give_back(self.pointer)
        elif self.context.shape is not None:
            self.canvas.take(self.pointer)
        else:
            self.draw_buttons[key].setChecked(False)

    def _drawing(self) -> Optional[str]:
        return next((key for key, widget in self.draw_buttons.items() if widget.isChecked()), None)

    def _dragged(self, x: float, y: float, phase: str) -> None:
        """A brush drag is drawn on the overlay as it goes and becomes one undoable edit when released."""
        key = self._drawing()
        if key in (BRUSH, ERASE):
            if phase == START or self._stroke is None:
                self._stroke = self._blank().copy()
            self._stroke = self._paint(self._stroke, x, y, key == BRUSH, continues=phase != START)
            self.overlay.show(self._stroke)
            if phase == FINISH:
                stroke, self._stroke = self._stroke, None
                self.set_ignored(stroke, "Paint the mask" if key == BRUSH else "Erase from the mask")
        elif key == POLYGON and phase == FINISH:
            self._clicked(x, y, False)

    def _paint(self, ignored: np.ndarray, x: float, y: float, value: bool, continues: bool = False) -> np.ndarray:
        """`ignored` with a disk painted on the pixel under (x, y), joined to the previous one while a drag
        continues."""
        centre = (np.floor(y), np.floor(x))
        start = self._last_brush if continues and self._last_brush is not None else centre
        self._last_brush = centre
        return brush_stroke(ignored, start, centre, self.radius_spin.value(), value)

    def _clicked(self, x: float, y: float, double: bool) -> None:
        key = self._drawing()
        if key in (BRUSH, ERASE):
            self.set_ignored(self._paint(self._blank(), x, y, key == BRUSH),
                             "Paint the mask" if key == BRUSH else "Erase from the mask")
        elif key == POLYGON:
            self.polygon.append((x, y))
            self.overlay.show_polygon(self.polygon)
            if double:
                self._close_polygon()

    def _close_polygon(self) -> None:
        """Fill the polygon: pixels whose centres (col + 0.5, row + 0.5) are inside it are ignored."""
        if len(self.polygon) >= 3:
            corners = [(y - 0.5, x - 0.5) for x, y in self.polygon]
            self.set_ignored(self._blank() | polygon_mask(self.context.shape, corners), "Fill a polygon of the mask")
        self.polygon = []
        self.overlay.show_polygon([])

    def _suggest_threshold(self) -> None:
        levels = self.context.window.view.image_item.levels
        if levels is not None:
            self.threshold_value.setValue(float(sum(levels)) / 2)

    def _threshold(self) -> None:
        frame = self.context.window.view.current_frame()
        if frame is None:
            return
        value = self.threshold_value.value()
        beyond = threshold_mask(frame, high=value) if self.threshold_side.currentIndex() == 0 \
            else threshold_mask(frame, low=value)
        self.set_ignored(self._blank() | beyond, "Threshold the mask")

    def _invert(self) -> None:
        if self.context.shape is not None:
            self.set_ignored(~self._blank(), "Invert the mask")

    def _clear(self) -> None:
        self.set_ignored(None, "Clear the mask")

    def _save(self) -> None:
        if self.roi_model.mask is None:
            self.notify("There is no mask to save: paint, draw or threshold one first.", "info")
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save the mask", "mask.tif", MASK_FILTERS)
        if path:
            self.save(path)

    def save(self, path: str) -> bool:
        try:
            save_mask(path, self.roi_model.mask)
        except (TxmAlignError, OSError) as error:
            self.notify(f"Could not save the mask {os.path.basename(path)}: {error}", "error")
            return False
        return True

    def _load(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load a mask", "", MASK_FILTERS + ";;All files (*)")
        if path:
            self.load(path)

    def load(self, path: str) -> bool:
        try:
            usable = load_mask(path)
        except (TxmAlignError, OSError) as error:
            self.notify(f"Could not load the mask {os.path.basename(path)}: {error}", "error")
            return False
        if usable.shape != self.context.shape:
            self.notify(f"The mask {os.path.basename(path)} is {usable.shape[1]} x {usable.shape[0]} px but "
                        f"the frames are {self.context.shape[1]} x {self.context.shape[0]}.", "error")
            return False
        self.roi_model.set_mask(usable)
        return True

    # -- display ------------------------------------------------------------
    def _model_changed(self) -> None:
        shape = self.context.shape
        self.setEnabled(shape is not None)
        roi = self.roi_model.roi
        self.roi_check.blockSignals(True)
        self.roi_check.setChecked(roi is not None)
        self.roi_check.blockSignals(False)
        if shape is not None:
            for box, limit in zip(self.roi_spins.values(), (shape[1], shape[0], shape[1], shape[0])):
                box.setMaximum(limit)
        if roi is not None:
            y0, y1, x0, x1 = roi
            for name, value in (("x0", x0), ("y0", y0), ("width", x1 - x0), ("height", y1 - y0)):
                self.roi_spins[name].blockSignals(True)
                self.roi_spins[name].setValue(value)
                self.roi_spins[name].blockSignals(False)
        for box in self.roi_spins.values():
            box.setEnabled(roi is not None)
        ignored = self.ignored()
        if ignored is not None and shape is not None and ignored.shape != shape:
            ignored = None
        self.overlay.show(ignored)
        total = 0 if shape is None else shape[0] * shape[1]
        count = 0 if ignored is None else int(ignored.sum())
        self.count_label.setText(f"{count} px ignored ({100.0 * count / total:.1f} %)" if total else "")
