"""The tomography mode of the main window: its dock, its result tab, the row line on the projection,
and the glue between them, the window's JobRunner and document, and the tomography job."""

from __future__ import annotations

import math
import os
from typing import Optional

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QObject, Qt, pyqtSignal
from PyQt6.QtWidgets import QDockWidget, QFileDialog

from ...batch.prepare import PrepareOptions
from ...engine.errors import TxmAlignError
from ...engine.tomo import TOMO_PARAMS
from ..document import STACK, TOMO
from .tomo_panel import TomoPanel
from .tomo_runner import (
    TomoJob,
    TomoOutput,
    evenly_spaced_angles,
    longer_angles_file,
    result_from_dict,
    save_tomo,
    skip_angles,
)
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
    tomography jobs on the window's JobRunner, so only one job runs at a time; its result lives in the document."""

    saved = pyqtSignal(str)
    save_failed = pyqtSignal(str)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.model = window.model
        self._job: Optional[TomoJob] = None
        self._angles_file: Optional[tuple] = None  # (file name, all its values) when it needs a skip
        self._dock_shown = False
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

    @property
    def output(self) -> Optional[TomoOutput]:
        return self.model.tomo

    def _connect(self) -> None:
        window, runs = self.window, self.window.runs
        self.model.changed.connect(self._document_changed)
        self.panel.skip_changed.connect(self._describe_angles)
        self.dock.visibilityChanged.connect(self._dock_visibility)
        self.panel.run_clicked.connect(self.start)
        self.panel.cancel_clicked.connect(runs.cancel)
        self.panel.save_clicked.connect(self.choose_save_path)
        self.view.sinograms.row_changed.connect(self._show_row)
        self.view.sinograms.projection_clicked.connect(window.view.set_index)
        self.row_line.sigPositionChangeFinished.connect(
            lambda line: self.view.sinograms.set_row(math.floor(line.value())))
        window.view.graphics.scene().sigMouseClicked.connect(self._projection_clicked)
        runs.progressed.connect(lambda job, f, m, e: job is self._job and self.panel.show_progress(f, m, e))
        runs.news.connect(lambda job, news: job is self._job and self.view.jitter.add_round(*news))
        runs.finished.connect(self._run_finished)
        runs.failed.connect(lambda job, message: job is self._job and self._run_stopped(f"Failed: {message}."))
        runs.cancelled.connect(lambda job: job is self._job and self._run_stopped(
            "Cancelled; the previous result is kept."))

    @property
    def active(self) -> bool:
        """Whether the Tomography dock is shown (not closed, and its tab the selected one)."""
        return self._dock_shown

    def activate(self) -> None:
        """Bring the Tomography dock and tab to the front."""
        self.dock.show()
        self.dock.raise_()
        self._show_tab(True)
        self.window.tools.setCurrentWidget(self.view)
        self.window.resizeDocks([self.window.tools_dock], [_TAB_HEIGHT], Qt.Orientation.Vertical)
        self._update_row_line()

    # -- following the document ---------------------------------------------
    def _document_changed(self, fields: frozenset, _frames) -> None:
        if STACK in fields:
            self._stack_loaded(self.model.stack)
        elif TOMO in fields:
            self._show_result()

    def _stack_loaded(self, stack) -> None:
        self.view.clear()
        self.panel.reset_run_state()
        self._angles_file = None
        if stack is None:
            self.panel.set_stack(None)
            self._show_tab(False)
            return
        self._angles_file = longer_angles_file(stack)
        self.panel.set_stack(stack, None if self._angles_file is None else len(self._angles_file[1]))
        rows = stack.shape[1]
        self.view.sinograms.set_rows(rows, rows // 2)
        self.row_line.setBounds((0, rows))
        series = is_tomography(stack) or self._angles_file is not None
        self._show_tab(series)  # a XANES stack gets the tab only if the user turns to tomography
        if series:
            self.activate()
            self.window.statusBar().showMessage(
                f"Opened the projection series {stack.source}. Check the Tomography settings on the right, "
                f"then press {self.panel.run_button.text()}.", 15000)
            self._describe_angles(notify=True)
        else:
            self.window.method_dock.raise_()
        self._show_row()

    def _describe_angles(self, notify: bool = False) -> None:
        """Say which values of a longer angles file are used (and, on opening, why in the message bar)."""
        if self._angles_file is None:
            return
        name, values = self._angles_file
        count, skip = len(self.window.stack), self.panel.skip()
        try:
            angles = skip_angles(values, count, skip)
        except TxmAlignError as error:
            self.panel.show_angles_text(f"{name}: {error}.")
            return
        text = (f"{name} holds {len(values)} values for {count} projections: using values {skip + 1} to "
                f"{skip + count} ({angles[0]:.1f}° to {angles[-1]:.1f}°).")
        self.panel.show_angles_text(text)
        if notify:
            self.window.show_notice(f"Tomography series: {text} The values skipped usually belong to dark and "
                                    "flat images; change 'Skip the first' under Rotation angles if needed, "
                                    f"then press {self.panel.run_button.text()}.", "warning")

    def _show_result(self) -> None:
        output = self.output
        if output is None:
            self.view.clear()
        else:
            result = output.result
            if result.slice_row is not None:  # the sinogram shows the row the preview slice comes from
                self.view.sinograms.set_rows(self.window.stack.shape[1], int(result.slice_row))
            self.view.slices.show_result(result)
            self.view.jitter.show_result(result)
            self._show_tab(True)
        self.panel.save_button.setEnabled(output is not None and self._job is None)
        self._show_row()

    def _dock_visibility(self, shown: bool) -> None:
        self._dock_shown = shown
        if shown:  # the user chose the Tomography dock: its results tab belongs with it
            self._show_tab(True)
        self._update_row_line()

    def _show_tab(self, visible: bool) -> None:
        """Show or hide the Tomography tab beside Results (hidden for stacks that are not projection series)."""
        tools = self.window.tools
        tools.setTabVisible(tools.indexOf(self.view), visible)

    def tab_visible(self) -> bool:
        tools = self.window.tools
        return tools.isTabVisible(tools.indexOf(self.view))

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
    def angles(self) -> tuple:
        """(angles in degrees, where they come from) for the opened series."""
        stack = self.window.stack
        if stack.angles is not None:
            return np.asarray(stack.angles, dtype=float), "file"
        if self._angles_file is not None:
            name, values = self._angles_file
            skip = self.panel.skip()
            return skip_angles(values, len(stack), skip), f"{name}, first {skip} values skipped"
        first, last = self.panel.angle_range()
        return evenly_spaced_angles(len(stack), first, last), f"entered: {first} to {last} deg"

    def start(self) -> bool:
        """Start aligning the opened projections with the panel's settings; False if it cannot start."""
        window = self.window
        if not window.can_start():
            return False
        try:
            params = TOMO_PARAMS.resolve(self.panel.params(), owner="tomo")
            angles, source = self.angles()
        except TxmAlignError as error:
            window.show_error(f"Cannot start the tomography alignment: {error}")
            return False
        self._start(TomoJob(stack=window.stack, angles=angles, params=params,
                            prepare=PrepareOptions(**self.panel.prepare_options()), angles_from=source,
                            news=window.runs.post_news))
        return True

    def _start(self, job: TomoJob) -> None:
        self._job = job
        self.panel.set_running(True)
        self.window.message_bar.hide()
        self.view.jitter.start(job.angles)
        what = "Restoring the tomography result" if job.result is not None else \
            f"Aligning {len(job.angles)} projections (tomography)"
        self.window.statusBar().showMessage(what + "...")
        self.window.runs.start(job)

    def _run_finished(self, job, output) -> None:
        if job is not self._job:
            return
        self._job = None
        self.panel.set_running(False)
        result = output.result
        self.model.set(tomo=output, alignment=None, aligned=output.aligned)
        text = f"Aligned {len(result.transforms)} projections in {result.seconds:.1f} s."
        if job.result is not None:
            text = "Tomography result restored from the session."
        self.panel.show_outcome(text, can_save=True)
        if result.messages and job.result is None:
            self.window.show_notice(f"{text} Note: " + "; ".join(result.messages) + ".", "warning")
        else:
            self.window.statusBar().showMessage(text + " Use Raw / Aligned above the image to compare.", 15000)

    def _run_stopped(self, text: str) -> None:
        self._job = None
        self.panel.set_running(False)
        self.panel.show_outcome(text, can_save=self.output is not None)
        if self.output is not None:
            self.view.jitter.show_result(self.output.result)
        else:
            self.view.jitter.clear()

    # -- sessions -----------------------------------------------------------
    def session_state(self) -> Optional[dict]:
        """What a session keeps of the tomography result: the result's numbers and how the data was prepared."""
        output = self.output
        if output is None:
            return None
        return {"result": output.result.to_dict(), "prepare": output.job.prepare.to_dict(),
                "angles_from": output.job.angles_from}

    def restore(self, state: dict) -> None:
        """Re-apply a saved tomography result (no new alignment: only preparing and resampling)."""
        result = result_from_dict(state["result"])
        self._start(TomoJob(stack=self.window.stack, angles=result.angles_deg, params=result.params,
                            prepare=PrepareOptions(**state.get("prepare", {})),
                            angles_from=state.get("angles_from", "session"), result=result,
                            news=self.window.runs.post_news))

    # -- saving -------------------------------------------------------------
    def choose_save_path(self) -> None:
        stem = os.path.splitext(os.path.basename(self.window.stack.path.rstrip(os.sep)))[0]
        start = os.path.join(self.window.settings.last_folder, stem + "_aligned.h5")
        path, _ = QFileDialog.getSaveFileName(self.window, "Save the aligned projections", start, SAVE_FILTERS)
        if path:
            self.save(path)

    def save(self, path: str) -> None:
        """Write the current result in the background (the window's one save path); `saved` or
        `save_failed` follows."""
        output = self.output
        self.panel.save_button.setEnabled(False)
        self.window.save_in_background(path, lambda: save_tomo(path, output), lambda ok: self._saved(path, ok))

    def _saved(self, path: str, ok: bool) -> None:
        self.panel.show_outcome(f"Saved {os.path.basename(path)}." if ok else "Not saved.", can_save=True)
        if ok:
            self.saved.emit(path)
        else:
            self.save_failed.emit(path)


def _row_is_cheap(stack) -> bool:
    """Whether one detector row of every frame can be read at once without a noticeable wait."""
    images = stack.images
    return isinstance(images, np.ndarray) or \
        np.prod(images.shape) * np.dtype(images.dtype).itemsize <= _RAW_SINOGRAM_LIMIT_BYTES


def install_tomo_mode(window) -> TomoMode:
    """Give `window` its tomography mode; it switches to it by itself when a projection series is opened."""
    return TomoMode(window)
