"""The tomography mode of the main window: its dock, its result tab, the row line on the projection,
and the glue between them, the window's RunController and the tomography job."""

from __future__ import annotations

import math
import os
from typing import Optional

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QObject, Qt, QThreadPool, pyqtSignal
from PyQt6.QtWidgets import QDockWidget, QFileDialog

from ...batch.prepare import PrepareOptions
from ...engine.errors import TxmAlignError
from ...engine.tomo import TOMO_PARAMS
from ..background import BackgroundCall
from ..memory import memory_warning
from .tomo_panel import TomoPanel
from .tomo_runner import TomoJob, TomoOutput, evenly_spaced_angles, save_tomo
from .tomo_view import TomoView

SAVE_FILTERS = "Aligned HDF5 with angles, corrections and provenance (*.h5);;Multi-page TIFF (*.tif)"
_ROW_PEN = pg.mkPen("#ffd700", width=1.5)
_TAB_HEIGHT = 400  # px of the results dock in tomography mode: sinograms and slices need the room
# A row of a file-backed stack is read from every frame on the GUI thread; beyond this, wait for the run.
_RAW_SINOGRAM_LIMIT_BYTES = 1 << 30
_TOO_LARGE_TEXT = ("This file is too large to read a row from every projection while browsing; "
                   "the sinograms appear after the alignment.")


def is_tomography(stack) -> bool:
    """True for a projection series: the reader said so or the file carries rotation angles."""
    return stack is not None and (stack.kind == "tomo" or stack.angles is not None)


class TomoMode(QObject):
    """Adds the Tomography dock (next to Alignment) and tab (next to Results) to `window` and runs
    tomography jobs on the window's RunController, so only one job runs at a time."""

    saved = pyqtSignal(str)
    save_failed = pyqtSignal(str)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.output: Optional[TomoOutput] = None
        self._own_run = False
        self._dock_shown = False
        self._saving: Optional[BackgroundCall] = None
        self.panel = TomoPanel()
        self.dock = QDockWidget("Tomography", window, objectName="tomo_dock")
        self.dock.setWidget(self.panel)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        window.tabifyDockWidget(window.method_dock, self.dock)
        window.method_dock.raise_()
        self.view = TomoView()
        window.add_tool(self.view, "Tomography")
        self.row_line = pg.InfiniteLine(angle=0, movable=True, pen=_ROW_PEN)
        self.row_line.setToolTip("Detector row whose sinogram the Tomography tab shows (drag it)")
        self.row_line.setVisible(False)
        window.view.viewbox.addItem(self.row_line)
        self._connect()

    def _connect(self) -> None:
        window, runs = self.window, self.window.runs
        window.stack_loaded.connect(self._stack_loaded)
        self.dock.visibilityChanged.connect(self._dock_visibility)
        self.panel.run_clicked.connect(self.start)
        self.panel.cancel_clicked.connect(runs.cancel)
        self.panel.save_clicked.connect(self.choose_save_path)
        self.view.sinograms.row_changed.connect(self._show_row)
        self.view.sinograms.projection_clicked.connect(window.view.set_index)
        self.row_line.sigPositionChangeFinished.connect(
            lambda line: self.view.sinograms.set_row(math.floor(line.value())))
        window.view.graphics.scene().sigMouseClicked.connect(self._projection_clicked)
        runs.started.connect(self._run_started)
        runs.progressed.connect(lambda f, m, e: self._own_run and self.panel.show_progress(f, m, e))
        runs.frame_done.connect(lambda _, news: self._own_run and self.view.jitter.add_round(*news))
        runs.finished.connect(self._run_finished)
        runs.failed.connect(lambda _: self._run_stopped("Failed."))
        runs.cancelled.connect(lambda: self._run_stopped("Cancelled; the previous result is kept."))

    @property
    def active(self) -> bool:
        """Whether the Tomography dock is shown (not closed, and its tab the selected one)."""
        return self._dock_shown

    def activate(self) -> None:
        """Bring the Tomography dock and tab to the front."""
        self.dock.show()
        self.dock.raise_()
        self.window.tools.setCurrentWidget(self.view)
        self.window.resizeDocks([self.window.tools_dock], [_TAB_HEIGHT], Qt.Orientation.Vertical)
        self._update_row_line()

    # -- following the window -----------------------------------------------
    def _stack_loaded(self, stack) -> None:
        self.output = None
        self.panel.set_stack(stack)
        rows = stack.shape[1]
        self.view.clear()
        self.view.sinograms.set_rows(rows, rows // 2)
        self.row_line.setBounds((0, rows))
        if is_tomography(stack):
            self.activate()
        else:
            self.window.method_dock.raise_()
        self._show_row()

    def _dock_visibility(self, shown: bool) -> None:
        self._dock_shown = shown
        self._update_row_line()

    def _update_row_line(self) -> None:
        self.row_line.setVisible(self.window.stack is not None and self.active)

    def _show_row(self) -> None:
        """Show the sinograms of the chosen row: prepared and aligned after a run, as read before."""
        stack, row = self.window.stack, self.view.sinograms.row
        self.row_line.setValue(row + 0.5)
        if self.output is not None:
            self.view.sinograms.show_sinograms(self.output.projections[:, row, :], self.output.aligned[:, row, :])
        elif stack is not None and _row_is_cheap(stack):
            self.view.sinograms.show_sinograms(stack.images[:, row, :], None)
        elif stack is not None:
            self.view.sinograms.show_sinograms(None, None, _TOO_LARGE_TEXT)

    def _projection_clicked(self, event) -> None:
        if self.window.stack is None or not self.active or event.button() != Qt.MouseButton.LeftButton:
            return
        row = math.floor(self.window.view.viewbox.mapSceneToView(event.scenePos()).y())
        if 0 <= row < self.window.stack.shape[1]:
            self.view.sinograms.set_row(row)

    # -- running ------------------------------------------------------------
    def start(self) -> bool:
        """Start aligning the opened projections with the panel's settings; False if it cannot start."""
        window, stack = self.window, self.window.stack
        if stack is None or window.runs.running:
            return False
        warning = memory_warning(stack.shape)
        if warning and not window.confirm(warning + "\n\nTry anyway?"):
            window.show_notice(warning, "warning")
            return False
        try:
            params = TOMO_PARAMS.resolve(self.panel.params(), owner="tomo")
        except TxmAlignError as error:
            window.show_error(f"Cannot start the tomography alignment: {error}")
            return False
        if stack.angles is not None:
            angles, source = stack.angles, "file"
        else:
            first, last = self.panel.angle_range()
            angles, source = evenly_spaced_angles(len(stack), first, last), f"entered: {first} to {last} deg"
        job = TomoJob(stack=stack, angles=angles, params=params,
                      prepare=PrepareOptions(**self.panel.prepare_options()), angles_from=source)
        window.runs.start(job)
        return True

    def _run_started(self, job) -> None:
        self._own_run = isinstance(job, TomoJob)
        if not self._own_run:
            return
        self.panel.set_running(True)
        self.window.message_bar.hide()
        self.view.jitter.start(job.angles)
        self.window.statusBar().showMessage(f"Aligning {len(job.angles)} projections (tomography)...")

    def _run_finished(self, output) -> None:
        if not isinstance(output, TomoOutput):  # a stack alignment replaced the aligned frames
            if self.output is not None:
                self.output = None
                self.view.clear()
                self.panel.show_outcome("Replaced by the stack alignment.")
                self._show_row()
            return
        self._own_run = False
        self.output, result = output, output.result
        self.panel.set_running(False)
        self.view.slices.show_result(result)
        self.view.jitter.show_result(result)
        self._show_row()
        text = f"Aligned {len(result.transforms)} projections in {result.seconds:.1f} s."
        self.panel.show_outcome(text, can_save=True)
        if result.messages:
            self.window.show_notice(f"{text} Note: " + "; ".join(result.messages) + ".", "warning")
        else:
            self.window.statusBar().showMessage(text + " Use Raw / Aligned above the image to compare.", 15000)

    def _run_stopped(self, text: str) -> None:
        if self._own_run:
            self._own_run = False
            self.panel.set_running(False)
            self.panel.show_outcome(text, can_save=self.output is not None)
            if self.output is not None:
                self.view.jitter.show_result(self.output.result)
            else:
                self.view.jitter.clear()

    # -- saving -------------------------------------------------------------
    def choose_save_path(self) -> None:
        stem = os.path.splitext(os.path.basename(self.window.stack.path.rstrip(os.sep)))[0]
        start = os.path.join(self.window.settings.last_folder, stem + "_aligned.h5")
        path, _ = QFileDialog.getSaveFileName(self.window, "Save the aligned projections", start, SAVE_FILTERS)
        if path:
            self.save(path)

    def save(self, path: str) -> None:
        """Write the current result in the background; `saved` or `save_failed` follows."""
        output = self.output
        call = BackgroundCall(lambda: save_tomo(path, output))
        call.signals.succeeded.connect(lambda: self._save_done(path))
        call.signals.failed.connect(lambda message: self._save_error(path, message))
        self._saving = call
        self.panel.save_button.setEnabled(False)
        self.window.statusBar().showMessage(f"Saving {path}...")
        QThreadPool.globalInstance().start(call)

    def _save_done(self, path: str) -> None:
        self._saving = None
        self.panel.show_outcome(f"Saved {os.path.basename(path)}.", can_save=True)
        self.window.settings.remember_path(path)
        self.window.statusBar().showMessage(f"Saved {path}", 10000)
        self.saved.emit(path)

    def _save_error(self, path: str, message: str) -> None:
        self._saving = None
        self.panel.show_outcome("Not saved.", can_save=True)
        self.window.show_error(f"Could not save {os.path.basename(path)}: {message}")
        self.save_failed.emit(message)


def _row_is_cheap(stack) -> bool:
    """Whether one detector row of every frame can be read at once without a noticeable wait."""
    images = stack.images
    return isinstance(images, np.ndarray) or \
        np.prod(images.shape) * np.dtype(images.dtype).itemsize <= _RAW_SINOGRAM_LIMIT_BYTES


def install_tomo_mode(window) -> TomoMode:
    """Give `window` its tomography mode; it switches to it by itself when a projection series is opened."""
    return TomoMode(window)
