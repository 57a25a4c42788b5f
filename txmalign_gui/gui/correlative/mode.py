"""The correlative mode of the main window: the Correlative menu, the correlative window, its refinement job
on the window's JobRunner (one job at a time), its files (EM image, landmarks, export) and its part of the
session."""

from __future__ import annotations

import os
from typing import Optional

from PyQt6.QtCore import QObject, pyqtSignal
from PyQt6.QtWidgets import QFileDialog, QMenu

from ... import io as txio
from ...batch.correlate_job import CorrelativeOutput, read_landmarks, write_correlated, write_landmarks
from ...engine.correlative import CorrelativeResult, resample_em
from ...engine.errors import TxmAlignError
from .model import CorrelativeModel
from .refine_job import RefineJob
from .window import CorrelativeWindow

EXPORT_FILTER = "HDF5 with the transform, landmarks and provenance (*.h5);;TIFF, resampled image only (*.tif)"
LANDMARKS_FILTER = "Landmark pairs (*.csv *.txt);;All files (*)"


def image_filter() -> str:
    """The open filter for single images, from the registered readers (a new reader appears by itself)."""
    groups = txio.file_dialog_groups()
    every = sorted({e for _, extensions in groups for e in extensions})
    patterns = lambda extensions: " ".join("*" + e for e in extensions)  # noqa: E731
    return ";;".join([f"Images ({patterns(every)})"] + [f"{label} ({patterns(ext)})" for label, ext in groups]
                     + ["All files (*)"])


class CorrelativeMode(QObject):
    """Owns the CorrelativeModel and its window; `saved(path)` / `save_failed(path)` after an export."""

    saved = pyqtSignal(str)
    save_failed = pyqtSignal(str)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.model = CorrelativeModel(self)
        self.view = CorrelativeWindow(self.model, window)
        self._job: Optional[RefineJob] = None
        menu = QMenu("&Correlative", window.menuBar())
        window.menuBar().insertMenu(window.help_menu.menuAction(), menu)  # Help stays the last menu
        self.open_action = menu.addAction("Correlative X-ray / EM...")
        self.open_action.setStatusTip("Register an electron-microscopy image onto an X-ray image (landmarks and "
                                      "mutual information)")
        self.open_action.triggered.connect(self.show)
        menu.addAction("Help on the correlative mode").triggered.connect(lambda: window.help.show("correlative"))
        panel, runs = self.view.panel, window.runs
        panel.use_frame_clicked.connect(self.use_frame_on_screen)
        panel.open_xray_clicked.connect(lambda: self._choose_image("Open the X-ray image", self.open_xray))
        panel.open_em_clicked.connect(lambda: self._choose_image("Open the electron-microscopy image", self.open_em))
        panel.save_landmarks_clicked.connect(self._choose_landmarks_out)
        panel.load_landmarks_clicked.connect(self._choose_landmarks_in)
        panel.refine_clicked.connect(self.start)
        panel.cancel_clicked.connect(runs.cancel)
        panel.export_clicked.connect(self._choose_export)
        runs.progressed.connect(lambda job, f, m, e: job is self._job and panel.progress_label.setText(
            f"{100 * f:.0f} % – {m} ({e:.0f} s)"))
        runs.finished.connect(self._finished)
        runs.failed.connect(lambda job, message: job is self._job and self._stopped(f"Failed: {message}", True))
        runs.cancelled.connect(lambda job: job is self._job and self._stopped("Cancelled; nothing changed."))

    def show(self) -> None:
        """Open the correlative window (with the main window's frame on screen as the X-ray image at first)."""
        if self.model.xray is None and self.window.stack is not None:
            self.use_frame_on_screen()
        self.view.show()
        self.view.raise_()
        self.view.activateWindow()

    def tell(self, text: str, error: bool = False) -> None:
        self.view.panel.progress_label.setStyleSheet("color: #c62828;" if error else "")
        self.view.panel.progress_label.setText(text)
        self.window.statusBar().showMessage(text, 15000)

    # -- images -------------------------------------------------------------
    def use_frame_on_screen(self) -> None:
        stack = self.window.stack
        if stack is None:
            self.tell("Open an X-ray stack in the main window first, or open an X-ray image here.", True)
            return
        index = self.window.view.index
        self.model.set_xray(self.window.prepared_frame(index), stack.source, index)

    def _choose_image(self, title: str, open_path) -> None:
        path, _ = QFileDialog.getOpenFileName(self.view, title, self.window.settings.last_folder, image_filter())
        if path:
            open_path(path)

    def _read(self, path: str):
        try:
            return txio.read_image(path)
        except (TxmAlignError, OSError, ValueError) as error:
            self.tell(f"Could not open {os.path.basename(path)}: {error}", True)
            return None

    def open_xray(self, path: str) -> bool:
        image = self._read(path)
        if image is not None:
            self.model.set_xray(image, path)
        return image is not None

    def open_em(self, path: str) -> bool:
        image = self._read(path)
        if image is not None:
            self.model.set_em(image, path)
            self.tell(f"Opened {os.path.basename(path)}. Click corresponding features on both images, or press "
                      "Refine automatically.")
        return image is not None

    # -- landmarks files ----------------------------------------------------
    def _choose_landmarks_out(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self.view, "Save the landmarks", self.window.settings.last_folder,
                                              LANDMARKS_FILTER)
        if path:
            self.save_landmarks(path)

    def save_landmarks(self, path: str) -> bool:
        xray, em = self.model.complete_pairs()
        try:
            write_landmarks(path, xray, em)
        except TxmAlignError as error:
            self.tell(f"Could not save {os.path.basename(path)}: {error}", True)
            return False
        self.tell(f"Saved {len(xray)} landmark pairs to {os.path.basename(path)}.")
        return True

    def _choose_landmarks_in(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.view, "Load landmarks", self.window.settings.last_folder,
                                              LANDMARKS_FILTER)
        if path:
            self.load_landmarks(path)

    def load_landmarks(self, path: str) -> bool:
        try:
            xray, em = read_landmarks(path)
        except TxmAlignError as error:
            self.tell(f"Could not load {os.path.basename(path)}: {error}", True)
            return False
        self.model.load_pairs([[tuple(x), tuple(e)] for x, e in zip(xray, em)], self.model.model)
        return True

    # -- refining -----------------------------------------------------------
    def start(self) -> bool:
        """Refine in the background with the panel's settings; False when it cannot start now."""
        model, runs = self.model, self.window.runs
        if model.xray is None or model.em is None or runs.running:
            if runs.running:
                self.tell("Another job is running; wait for it or cancel it.", True)
            return False
        landmarks = model.complete_pairs() if model.fit is not None else None
        self._job = RefineJob(model.xray, model.em, landmarks, self.view.panel.form.values())
        self.view.set_running(True)
        self.tell("Refining...")
        runs.start(self._job)
        return True

    def _finished(self, job, output: CorrelativeOutput) -> None:
        if job is not self._job:
            return
        self._job = None
        self.view.set_running(False)
        self.model.set_output(output)
        result = output.result
        self.tell(f"Refined: {result.status}" + (f" ({result.message})" if result.message else "")
                  + ". See the Overlay tab.", result.status != "ok")

    def _stopped(self, text: str, error: bool = False) -> None:
        self._job = None
        self.view.set_running(False)
        self.tell(text, error)

    # -- export -------------------------------------------------------------
    def _choose_export(self) -> None:
        stem = os.path.splitext(os.path.basename(self.model.em_source))[0] or "em"
        start = os.path.join(self.window.settings.last_folder, stem + "_in_xray_frame.h5")
        path, _ = QFileDialog.getSaveFileName(self.view, "Export the EM image in the X-ray frame", start,
                                              EXPORT_FILTER)
        if path:
            self.export(path)

    def current_output(self) -> Optional[CorrelativeOutput]:
        """The refined output, or one made from the landmark fit (status from the landmarks only)."""
        model = self.model
        if model.output is not None:
            return model.output
        if model.fit is None:
            return None
        status = "ok" if model.fit.redundancy > 0 else "low_confidence"
        message = "" if status == "ok" else "the map rests on the minimum number of landmarks, with no check"
        result = CorrelativeResult(model.fit.point_map, status, 1.0 if status == "ok" else 0.5, message,
                                   "landmarks (not refined)", model.model, model.fit,
                                   {"landmark_rms_px": model.fit.rms})
        return CorrelativeOutput(result, resample_em(model.em, model.fit.point_map, model.xray.shape, order=3),
                                 tuple(model.xray.shape), tuple(model.em.shape))

    def export(self, path: str) -> None:
        """Write the EM image in the X-ray frame with the transform (background; `saved` or `save_failed`)."""
        output = self.current_output()
        if output is None:
            return
        xray_source = self.model.xray_source + (f"[{self.model.xray_frame}]" if self.model.xray_frame is not None
                                                else "")
        params = self.view.panel.form.values()
        self.window.save_in_background(path, lambda: write_correlated(path, output, xray_source,
                                                                      self.model.em_source, params,
                                                                      program="txmalign-gui"),
                                       lambda ok: (self.saved if ok else self.save_failed).emit(path))

    # -- sessions -----------------------------------------------------------
    def session_state(self) -> Optional[dict]:
        if self.model.em is None and not self.model.pairs:
            return None
        return {**self.model.to_dict(), "settings": self.view.panel.form.values()}

    def restore(self, state: dict) -> None:
        """Reopen the images, landmarks and refined map of a session (the map is applied, not searched again)."""
        model = self.model
        self.view.panel.form.set_values(state.get("settings", {}))
        frame = state.get("xray_frame")
        if frame is not None and self.window.stack is not None and 0 <= frame < len(self.window.stack):
            model.set_xray(self.window.prepared_frame(frame), self.window.stack.source, frame)
        elif state.get("xray_source"):
            self.open_xray(state["xray_source"])
        if state.get("em_source"):
            self.open_em(state["em_source"])
        model.load_pairs(state.get("pairs", []), state.get("model", "similarity"))
        if state.get("result") and model.xray is not None and model.em is not None:
            result = CorrelativeResult.from_dict(state["result"])
            model.set_output(CorrelativeOutput(result, resample_em(model.em, result.point_map, model.xray.shape,
                                                                   order=3),
                                               tuple(model.xray.shape), tuple(model.em.shape)))


def install_correlative_mode(window) -> CorrelativeMode:
    """Give `window` its Correlative menu and window."""
    return CorrelativeMode(window)
