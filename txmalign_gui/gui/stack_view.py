"""The stack browser: one frame at a time with a histogram/LUT, robust auto-contrast and playback.

Frames are read on demand through `StackData.frame(i)`, so large HDF5 stacks stay
on disk.  The view shows either the raw frames or the aligned ones, and reports
the pixel position and value under the cursor.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Callable, Optional

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QKeySequence, QShortcut
from PyQt6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .contrast import robust_levels, sample_frame_indices
from .document_model import DocumentModel
from .roi_model import RoiMaskModel
from .scale_bar import ScaleBar

RAW, PREPARED, ALIGNED = "raw", "prepared", "aligned"
COLORMAPS = ("gray", "viridis", "magma", "inferno", "cividis", "CET-L4")
PER_FRAME, WHOLE_STACK, MANUAL = "frame", "stack", "manual"
_CONTRAST_LABELS = ((PER_FRAME, "Auto contrast: each frame"), (WHOLE_STACK, "Auto contrast: whole stack"),
                    (MANUAL, "Manual contrast"))
_CACHE_FRAMES = 16


class StackView(QWidget):
    """Shows one frame of the raw or aligned stack; `frame_changed(index)` fires on navigation."""

    frame_changed = pyqtSignal(int)
    mode_changed = pyqtSignal(str)
    open_requested = pyqtSignal()
    example_requested = pyqtSignal()

    def __init__(self, roi_model: Optional[RoiMaskModel] = None, prepared: Optional[Callable] = None,
                 parent=None):
        super().__init__(parent)
        self._prepared = prepared
        self._stack = None
        self._aligned: Optional[np.ndarray] = None
        self._mode = RAW
        self._cache: OrderedDict = OrderedDict()
        self._stack_levels: dict = {}
        self._frame: Optional[np.ndarray] = None
        self._setting_levels = False
        self.roi_model = roi_model if roi_model is not None else RoiMaskModel(DocumentModel(self), self)
        self._roi_item: Optional[pg.RectROI] = None
        self._build()
        self.roi_model.changed.connect(self._show_roi)
        self._set_enabled(False)

    # -- construction -------------------------------------------------------
    def _build(self) -> None:
        self.raw_button = QToolButton(text="Raw", checkable=True, checked=True)
        self.prepared_button = QToolButton(text="Prepared", checkable=True)
        self.aligned_button = QToolButton(text="Aligned", checkable=True)
        self.raw_button.setToolTip("Show the frames as they were read")
        self.prepared_button.setToolTip("Show the frames prepared as the Prepare settings say (flat-field, "
                                        "absorbance...), before aligning")
        self.aligned_button.setToolTip("Show the frames after applying the alignment (run it first)")
        self.aligned_button.setEnabled(False)
        self.prepared_button.setVisible(self._prepared is not None)
        group = QButtonGroup(self)
        group.setExclusive(True)
        for key, widget in ((RAW, self.raw_button), (PREPARED, self.prepared_button),
                            (ALIGNED, self.aligned_button)):
            group.addButton(widget)
            widget.toggled.connect(lambda on, key=key: on and self.set_mode(key))
        self.contrast_combo = QComboBox()
        for key, label in _CONTRAST_LABELS:
            self.contrast_combo.addItem(label, key)
        self.contrast_combo.setToolTip("Automatic display range: 0.5-99.5 percentiles, so hot pixels "
                                       "do not wash out the image")
        self.contrast_combo.currentIndexChanged.connect(lambda _: self._apply_levels())
        self.level_spins = [QDoubleSpinBox(decimals=4, minimum=-1e12, maximum=1e12, keyboardTracking=False)
                            for _ in range(2)]
        for spin, tip in zip(self.level_spins, ("Display minimum (black)", "Display maximum (white)")):
            spin.setToolTip(tip + "; typing a value switches to manual contrast")
            spin.setMaximumWidth(96)
            spin.valueChanged.connect(self._levels_typed)
        self.colormap_combo = QComboBox()
        self.colormap_combo.addItems(COLORMAPS)
        self.colormap_combo.setToolTip("Colour map of the image")
        self.colormap_combo.currentTextChanged.connect(self.set_colormap)
        self.roi_button = QToolButton(text="ROI", checkable=True)
        self.roi_button.setToolTip("Register using only the pixels inside a rectangle (drag its corner "
                                   "to resize)")
        self.roi_button.toggled.connect(self._toggle_roi)
        fit_button = self.fit_button = QToolButton(text="Fit")
        fit_button.setToolTip("Zoom to show the whole frame (scroll to zoom, drag to pan)")
        fit_button.clicked.connect(self.fit)

        top = QHBoxLayout()
        top.addWidget(self.raw_button)
        top.addWidget(self.prepared_button)
        top.addWidget(self.aligned_button)
        top.addSpacing(12)
        top.addWidget(self.contrast_combo)
        top.addWidget(QLabel("min"))
        top.addWidget(self.level_spins[0])
        top.addWidget(QLabel("max"))
        top.addWidget(self.level_spins[1])
        top.addWidget(self.colormap_combo)
        top.addStretch(1)
        top.addWidget(self.roi_button)
        top.addWidget(fit_button)

        self.graphics = pg.GraphicsLayoutWidget()
        self.viewbox = self.graphics.addViewBox(lockAspect=True, invertY=True)
        self.viewbox.setMenuEnabled(False)
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.viewbox.addItem(self.image_item)
        self.histogram = pg.HistogramLUTWidget(image=self.image_item)
        self.histogram.setMinimumWidth(110)
        self.scale_bar = ScaleBar(self.viewbox)
        self.histogram.item.sigLevelChangeFinished.connect(self._levels_dragged)
        self.graphics.scene().sigMouseMoved.connect(self._mouse_moved)
        self.placeholder = self._build_placeholder()
        image_page = QWidget()
        middle = QHBoxLayout(image_page)
        middle.setContentsMargins(0, 0, 0, 0)
        middle.addWidget(self.graphics, 1)
        middle.addWidget(self.histogram)

        self.play_button = QToolButton(text="Play", checkable=True)
        self.play_button.setToolTip("Play the stack as a movie")
        self.play_button.toggled.connect(self._toggle_play)
        self.fps_spin = QSpinBox(minimum=1, maximum=60, value=5, suffix=" fps")
        self.fps_spin.setToolTip("Playback speed in frames per second")
        self.fps_spin.valueChanged.connect(self._update_timer)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.frame_spin = QSpinBox()
        self.frame_spin.setToolTip("Frame index (0 = first)")
        self.slider.valueChanged.connect(self.set_index)
        self.frame_spin.valueChanged.connect(self.set_index)
        self.frame_label = QLabel()
        self.frame_label.setMinimumWidth(190)
        self.frame_label.setStyleSheet("font-weight: bold;")
        bottom = QHBoxLayout()
        bottom.addWidget(self.play_button)
        bottom.addWidget(self.fps_spin)
        bottom.addWidget(self.slider, 1)
        bottom.addWidget(self.frame_spin)
        bottom.addWidget(self.frame_label)
        self.cursor_label = QLabel(" ")
        self.cursor_label.setStyleSheet("color: #555;")

        for keys, step in ((QKeySequence.StandardKey.MoveToPreviousChar, -1),
                           (QKeySequence.StandardKey.MoveToNextChar, 1),
                           (QKeySequence.StandardKey.MoveToPreviousPage, -10),
                           (QKeySequence.StandardKey.MoveToNextPage, 10)):
            shortcut = QShortcut(QKeySequence(keys), self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda step=step: self.set_index(self.index + step))

        self._timer = QTimer(self)
        self._timer.timeout.connect(self._next_frame)
        self._update_timer()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.placeholder)
        self.pages.addWidget(image_page)
        layout.addWidget(self.pages, 1)
        layout.addLayout(bottom)
        layout.addWidget(self.cursor_label)

    def _build_placeholder(self) -> QWidget:
        """What an empty viewer shows: how to get data in, with buttons for the two usual ways."""
        text = QLabel("Open an image stack (TIFF, folder of TIFFs, NumPy or HDF5),\nor drop a file here.",
                      alignment=Qt.AlignmentFlag.AlignCenter)
        text.setStyleSheet("color: #777; font-size: 15px;")
        open_button = QPushButton("Open a stack...")
        open_button.clicked.connect(self.open_requested)
        example_button = QPushButton("Try the example")
        example_button.setToolTip("A synthetic XANES stack with known shifts, to see how alignment works")
        example_button.clicked.connect(self.example_requested)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(open_button)
        buttons.addWidget(example_button)
        buttons.addStretch(1)
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.addStretch(1)
        layout.addWidget(text)
        layout.addLayout(buttons)
        layout.addStretch(1)
        return box

    # -- public API ---------------------------------------------------------
    @property
    def index(self) -> int:
        return self.slider.value()

    @property
    def mode(self) -> str:
        return self._mode

    @property
    def count(self) -> int:
        return 0 if self._stack is None else int(self._stack.images.shape[0])

    @property
    def contrast_mode(self) -> str:
        return self.contrast_combo.currentData()

    def set_contrast_mode(self, mode: str) -> None:
        self.contrast_combo.setCurrentIndex(max(0, self.contrast_combo.findData(mode)))

    def set_stack(self, stack) -> None:
        """Show a new `StackData` (or None to clear); the aligned frames are dropped."""
        self.play_button.setChecked(False)
        self._stack = stack
        self._aligned = None
        self._mode = RAW  # before any button toggles, so nothing reads the new stack at the old index
        self._cache.clear()
        self._stack_levels.clear()
        last = max(0, self.count - 1)
        for widget in (self.slider, self.frame_spin):
            widget.blockSignals(True)
            widget.setRange(0, last)
            widget.setValue(min(last, self.count // 2))
            widget.blockSignals(False)
        self.aligned_button.setEnabled(False)
        self.raw_button.setChecked(True)
        self.roi_button.setChecked(False)
        self._set_enabled(stack is not None)
        self.scale_bar.set_pixel_size(None if stack is None else getattr(stack, "pixel_size_nm", None))
        if stack is None:
            self.image_item.clear()
            self.frame_label.setText("")
            return
        self._show_frame(first=True)

    def set_aligned(self, aligned: Optional[np.ndarray], show: bool = True) -> None:
        """Provide the aligned frames (N, H, W) or None; `show` switches the view to them."""
        self._aligned = aligned
        self._drop_cached(ALIGNED)
        self.aligned_button.setEnabled(aligned is not None)
        if aligned is not None and show:
            self.aligned_button.setChecked(True)
        elif aligned is None:
            self.raw_button.setChecked(True)
        if self._mode == ALIGNED:
            self._show_frame()

    def refresh_prepared(self) -> None:
        """The preparation settings changed: forget prepared frames and redraw if they are shown."""
        self._drop_cached(PREPARED)
        if self._mode == PREPARED:
            self._show_frame()

    def refresh_aligned(self, indices) -> None:
        """Forget cached aligned frames `indices` after they were recomputed in place (a correction moved
        them a little: the display range of the frame on screen is kept, so a nudge redraws at once)."""
        for i in indices:
            self._cache.pop((ALIGNED, int(i)), None)
        if self._mode == ALIGNED and self.index in {int(i) for i in indices}:
            self._show_frame(keep_levels=True)

    def set_mode(self, mode: str) -> None:
        if (mode == ALIGNED and self._aligned is None) or (mode == PREPARED and self._prepared is None):
            mode = RAW
        button = {RAW: self.raw_button, PREPARED: self.prepared_button, ALIGNED: self.aligned_button}[mode]
        if not button.isChecked():
            button.setChecked(True)
        if mode != self._mode:
            self._mode = mode
            self._show_frame()
            self.mode_changed.emit(mode)

    def set_index(self, index: int) -> None:
        if self._stack is None:
            return
        index = int(np.clip(index, 0, self.count - 1))
        for widget in (self.slider, self.frame_spin):
            if widget.value() != index:
                widget.blockSignals(True)
                widget.setValue(index)
                widget.blockSignals(False)
        self._show_frame()
        self.frame_changed.emit(index)

    def current_frame(self) -> Optional[np.ndarray]:
        return self._frame

    def fit(self) -> None:
        self.viewbox.autoRange(padding=0.02)

    def view_state(self) -> dict:
        levels = self.image_item.levels
        return {"frame": self.index, "mode": self._mode, "contrast": self.contrast_mode,
                "fps": self.fps_spin.value(), "colormap": self.colormap_combo.currentText(),
                "levels": None if levels is None else [float(v) for v in levels]}

    def load_view_state(self, state: dict) -> None:
        self.fps_spin.setValue(int(state.get("fps", self.fps_spin.value())))
        self.colormap_combo.setCurrentText(state.get("colormap", "gray"))
        self.set_contrast_mode(state.get("contrast", PER_FRAME))
        if state.get("contrast") == MANUAL and state.get("levels"):
            self.set_levels(*state["levels"])
        self.set_mode(state.get("mode", RAW))
        self.set_index(int(state.get("frame", self.index)))

    # -- internals ----------------------------------------------------------
    def _set_enabled(self, on: bool) -> None:
        self.pages.setCurrentIndex(1 if on else 0)
        for widget in (self.play_button, self.fps_spin, self.slider, self.frame_spin, self.raw_button,
                       self.prepared_button, self.contrast_combo, self.roi_button, self.fit_button,
                       self.colormap_combo, *self.level_spins):
            widget.setEnabled(on)

    def _read(self, source: str, index: int) -> np.ndarray:
        key = (source, index)
        if key not in self._cache:
            if source == ALIGNED:
                frame = self._aligned[index]
            elif source == PREPARED:
                frame = self._prepared(index)
            else:
                frame = self._stack.frame(index)
            self._cache[key] = np.asarray(frame, dtype=np.float32)
            while len(self._cache) > _CACHE_FRAMES:
                self._cache.popitem(last=False)
        self._cache.move_to_end(key)
        return self._cache[key]

    def _drop_cached(self, source: str) -> None:
        for key in [k for k in self._cache if k[0] == source]:
            del self._cache[key]
        self._stack_levels.pop(source, None)

    def _show_frame(self, first: bool = False, keep_levels: bool = False) -> None:
        if self._stack is None:
            return
        self._frame = self._read(self._mode, self.index)
        self._setting_levels = True
        quiet = keep_levels and self.image_item.levels is not None
        if quiet:  # a nudged frame: the histogram of a 1024 px frame is not recomputed on every keystroke
            self.image_item.blockSignals(True)
        self.image_item.setImage(self._frame, autoLevels=False)
        self.image_item.blockSignals(False)
        self._setting_levels = False
        if not quiet:
            self._apply_levels()
        if first:
            self.fit()
        self._update_label()

    def _apply_levels(self) -> None:
        if self._frame is None:
            return
        mode = self.contrast_mode
        if mode == MANUAL and self.image_item.levels is not None:
            return
        if mode == WHOLE_STACK:
            if self._mode not in self._stack_levels:
                indices = sample_frame_indices(self.count)
                self._stack_levels[self._mode] = robust_levels(
                    np.stack([self._read(self._mode, i) for i in indices]))
            levels = self._stack_levels[self._mode]
        else:
            levels = robust_levels(self._frame)
        self._show_levels(levels)

    def _show_levels(self, levels) -> None:
        self._setting_levels = True
        self.histogram.item.setLevels(*levels)
        self.image_item.setLevels(levels)
        span = max(levels[1] - levels[0], 1e-12)
        self.histogram.item.setHistogramRange(levels[0] - 0.3 * span, levels[1] + 0.3 * span, padding=0)
        self._show_level_numbers(levels)
        self._setting_levels = False

    def _show_level_numbers(self, levels) -> None:
        for spin, value in zip(self.level_spins, levels):
            spin.blockSignals(True)
            spin.setValue(float(value))
            spin.blockSignals(False)

    def set_levels(self, low: float, high: float) -> None:
        """Fix the display range to [low, high] (manual contrast)."""
        self.set_contrast_mode(MANUAL)
        if high > low:
            self._show_levels((float(low), float(high)))

    def set_colormap(self, name: str) -> None:
        self.histogram.item.gradient.setColorMap(pg.colormap.get(name))
        if self.colormap_combo.currentText() != name:
            self.colormap_combo.setCurrentText(name)

    def _levels_typed(self) -> None:
        if self._frame is not None:
            self.set_levels(self.level_spins[0].value(), self.level_spins[1].value())

    def _levels_dragged(self) -> None:
        if not self._setting_levels and self._frame is not None:
            self.set_contrast_mode(MANUAL)
            self._show_level_numbers(self.image_item.levels)

    def _update_label(self) -> None:
        text = f"Frame {self.index}  ({self.count} frames)"
        energies = getattr(self._stack, "energies", None)
        angles = getattr(self._stack, "angles", None)
        if energies is not None and len(energies) == self.count:
            text += f"  ·  {float(energies[self.index]):.2f} eV"
        elif angles is not None and len(angles) == self.count:
            text += f"  ·  {float(angles[self.index]):.2f}°"
        self.frame_label.setText(text)

    def _mouse_moved(self, scene_pos) -> None:
        if self._frame is None:
            return
        point = self.viewbox.mapSceneToView(scene_pos)
        col, row = int(np.floor(point.x())), int(np.floor(point.y()))
        height, width = self._frame.shape
        if 0 <= row < height and 0 <= col < width:
            self.cursor_label.setText(f"x {col}, y {row}:  {self._frame[row, col]:.6g}")
        else:
            self.cursor_label.setText(" ")

    def _toggle_play(self, on: bool) -> None:
        self.play_button.setText("Pause" if on else "Play")
        if on:
            self._timer.start()
        else:
            self._timer.stop()

    def _update_timer(self) -> None:
        self._timer.setInterval(int(1000 / self.fps_spin.value()))

    def _next_frame(self) -> None:
        if self.count:
            self.set_index((self.index + 1) % self.count)

    # -- region of interest -------------------------------------------------
    def _toggle_roi(self, on: bool) -> None:
        if not on:
            self.roi_model.set_roi(None)
            return
        if self.roi_model.roi is None and self._frame is not None:
            height, width = self._frame.shape
            self.roi_model.set_roi((height // 4, height - height // 4, width // 4, width - width // 4))
        self._show_roi()

    def _show_roi(self) -> None:
        roi = self.roi_model.roi
        if roi is None:
            if self._roi_item is not None:
                self.viewbox.removeItem(self._roi_item)
                self._roi_item = None
            self.roi_button.setChecked(False)
            return
        y0, y1, x0, x1 = roi
        if self._roi_item is None:
            self._roi_item = pg.RectROI((x0, y0), (x1 - x0, y1 - y0), pen=pg.mkPen("#ffb000", width=2),
                                        snapSize=1.0, translateSnap=True, scaleSnap=True)
            self._roi_item.sigRegionChangeFinished.connect(self._roi_moved)
            self.viewbox.addItem(self._roi_item)
        else:
            self._roi_item.setPos((x0, y0), update=False, finish=False)
            self._roi_item.setSize((x1 - x0, y1 - y0), finish=False)
        self.roi_button.setChecked(True)

    def _roi_moved(self) -> None:
        if self._frame is None or self._roi_item is None:
            return
        height, width = self._frame.shape
        x0, y0 = (int(round(v)) for v in self._roi_item.pos())
        w, h = (int(round(v)) for v in self._roi_item.size())
        x0, y0 = max(0, x0), max(0, y0)
        self.roi_model.set_roi((y0, min(height, y0 + h), x0, min(width, x0 + w)))
