"""The main window: stack browser in the centre, method panel on the right, results and tools below.

It owns the loaded stack and the current alignment, turns menu actions into io
and engine calls, and shows every expected failure in the message bar and the
status bar instead of a dialog.
"""

from __future__ import annotations

import os
import zlib
from typing import Optional

import numpy as np
from PyQt6.QtCore import QEvent, QStandardPaths, Qt, QThreadPool, QTimer, pyqtSignal
from PyQt6.QtGui import QAction, QKeySequence
from PyQt6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .. import __version__
from .. import io as txio
from ..engine.errors import TxmAlignError
from ..engine.methods import get_method
from ..engine.stack import PREPARE_PARAMS, STACK_PARAMS, apply_transforms
from ..io.h5tools import EXTENSIONS as HDF5_EXTENSIONS
from ..io.paths import split_source
from . import exporter
from .alignment import Alignment
from .background import BackgroundCall
from .checking import install_checking_tools
from .correlative import install_correlative_mode
from .document import ALIGNED, ALIGNMENT, PREPARE, SESSION_PATH, STACK
from .document_model import DocumentModel
from .hdf5_dialog import Hdf5Dialog
from .help_viewer import install_help
from .job_runner import JobRunner
from .memory import memory_warning
from .message_bar import MessageBar
from .method_panel import MethodPanel
from .prepare import PreparedImages
from .results_panel import ResultsPanel
from .roi_model import RoiMaskModel
from .run_panel import Section
from .session import SESSION_EXTENSION, SESSION_FILTER
from .session_actions import SessionActions
from .settings import AppSettings
from .stack_view import StackView
from .tomo import install_tomo_mode
from .worker import AlignJob

AUTOSAVE_INTERVAL_MS = 60_000
def open_filter() -> str:
    """The Open dialog's filter, built from the registered readers (a new reader appears here by itself)."""
    groups = txio.file_dialog_groups()
    every = sorted({extension for _, extensions in groups for extension in extensions}) + [SESSION_EXTENSION]
    return ";;".join([f"Image stacks and sessions ({_patterns(every)})"]
                     + [f"{label} ({_patterns(extensions)})" for label, extensions in groups]
                     + [SESSION_FILTER, "All files (*)"])


def _patterns(extensions) -> str:
    return " ".join("*" + extension for extension in extensions)


class MainWindow(SessionActions, QMainWindow):
    """The txmalign desktop window.  What it shows lives in `model` (a DocumentModel): every panel and
    tool follows `model.changed`; the window turns menu actions and finished jobs into document changes."""

    saved = pyqtSignal(str)
    save_failed = pyqtSignal(str)

    def __init__(self, settings: Optional[AppSettings] = None, autosave_path: Optional[str] = None):
        super().__init__()
        self.settings = settings if settings is not None else AppSettings()
        self.autosave_path = autosave_path or default_autosave_path()
        self.model = DocumentModel(self)
        self.prepared = PreparedImages()
        self._aligned_transforms: Optional[np.ndarray] = None
        self._pending_view: Optional[dict] = None
        self._saving: Optional[BackgroundCall] = None
        self._run_title = ""
        self._align_job: Optional[AlignJob] = None
        self.roi_model = RoiMaskModel(self.model, self)
        self.runs = JobRunner(self)
        self.setWindowTitle("txmalign")
        self.setAcceptDrops(True)
        self._build_widgets()
        self._build_menus()
        self._connect()
        self.tomo = install_tomo_mode(self)
        self.checks = install_checking_tools(self)
        self.correlative = install_correlative_mode(self)
        self._update_actions()
        self.autosave_timer = QTimer(self, interval=AUTOSAVE_INTERVAL_MS)
        self.autosave_timer.timeout.connect(self.autosave)
        self.autosave_timer.start()
        self.resize(1400, 900)
        geometry, state = self.settings.window_geometry(), self.settings.window_state()
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state, self._layout_version())

    # -- the document's fields, for reading (and for tests that set them) ---
    stack = property(lambda self: self.model.stack, lambda self, v: self.set_stack(v))
    alignment = property(lambda self: self.model.alignment, lambda self, v: self.model.set(alignment=v))
    aligned = property(lambda self: self.model.aligned, lambda self, v: self.model.set(aligned=v))
    session_path = property(lambda self: self.model.session_path,
                            lambda self, v: self.model.set(session_path=v))

    # -- construction -------------------------------------------------------
    def _build_widgets(self) -> None:
        self.message_bar = MessageBar()
        self.view = StackView(self.roi_model, self.prepared_frame)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 0)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.view, 1)
        self.setCentralWidget(central)

        self.panel = MethodPanel()
        self.panel.start_folder = self.settings.last_folder
        self.method_dock = QDockWidget("Alignment", self, objectName="method_dock")
        self.method_dock.setWidget(self.panel)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.method_dock)

        self.results = ResultsPanel()
        self.tools = QTabWidget(documentMode=True)
        self.tools.addTab(self.results, "Results")
        self.tools.tabBar().setUsesScrollButtons(True)  # a narrow window scrolls the tabs instead of widening
        self.collapse_button = QToolButton(text="Hide", checkable=True, autoRaise=True)
        self.collapse_button.setToolTip("Fold the results and checks away to give the image the room "
                                        "(click a tab to open them again)")
        self.collapse_button.toggled.connect(self.collapse_tools)
        self.tools.setCornerWidget(self.collapse_button, Qt.Corner.TopRightCorner)
        self.tools.tabBarClicked.connect(lambda _: self.collapse_tools(False))
        self.tools.currentChanged.connect(self._tool_chosen)
        self.tools_dock = QDockWidget("Results and checks", self, objectName="tools_dock")
        self.tools_dock.setWidget(self.tools)
        # the settings panel runs the full height on the right; results and checks sit under the image only
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.tools_dock)
        self._tools_sized = False

        self.stack_info = QLabel("No stack loaded")
        self.statusBar().addPermanentWidget(self.stack_info)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        """On first showing, give the results and checks about a third of the height (once laid out)."""
        super().showEvent(event)
        if not self._tools_sized:
            self._tools_sized = True
            # a bound method, not a lambda: Qt drops the call when the window is deleted before it runs
            QTimer.singleShot(0, self._size_tools_dock)

    def _size_tools_dock(self) -> None:
        self.resizeDocks([self.tools_dock], [int(0.32 * self.height())], Qt.Orientation.Vertical)

    def collapse_tools(self, collapsed: bool) -> None:
        """Fold the results and checks down to their tab bar (or open them again)."""
        if self.collapse_button.isChecked() != collapsed:
            self.collapse_button.setChecked(collapsed)
            return
        self.collapse_button.setText("Show" if collapsed else "Hide")
        current = self.tools.currentWidget()
        for index in range(self.tools.count()):
            self.tools.widget(index).setVisible(not collapsed and self.tools.widget(index) is current)
        bar = self.tools.tabBar().sizeHint().height() + 4
        self.tools_dock.setMaximumHeight(bar + 24 if collapsed else 16777215)
        if not collapsed:
            self._tool_chosen(self.tools.currentIndex())

    def reveal(self, widget: QWidget) -> None:
        """Make `widget` visible in this layout (for the guided tour and help that point at it): show its dock,
        unfold its settings section, bring its tab forward, open the folded results and checks, and scroll
        the settings to it."""
        child, parent = widget, widget.parentWidget()
        scrolls = []
        while parent is not None and child is not self:
            if isinstance(parent, Section) and child is parent.body:
                parent.set_expanded(True)
            elif isinstance(parent, QTabWidget):
                parent.setCurrentIndex(next(i for i in range(parent.count())
                                            if parent.widget(i) is widget or parent.widget(i).isAncestorOf(widget)))
            elif isinstance(parent, QDockWidget):
                parent.show()
                parent.raise_()
            elif isinstance(parent, QScrollArea):
                scrolls.append(parent)
            child, parent = parent, parent.parentWidget()
        if widget is self.tools or self.tools.isAncestorOf(widget):
            self.collapse_tools(False)
        for scroll in scrolls:  # once the unfolded sections are laid out
            QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest.value)
            scroll.ensureWidgetVisible(widget, 4, 4)

    def _tool_chosen(self, index: int) -> None:
        """The image comparisons need height to judge a tenth of a pixel: give them half the window."""
        widget = self.tools.widget(index)
        if getattr(widget, "wants_height", False) and not self.collapse_button.isChecked():
            self.resizeDocks([self.tools_dock], [int(0.5 * self.height())], Qt.Orientation.Vertical)

    def _layout_version(self) -> int:
        """A number that changes when the set of docks changes, so a saved layout from an older
        version of the window is ignored instead of restored half-wrong."""
        names = ",".join(sorted(dock.objectName() for dock in self.findChildren(QDockWidget)))
        return zlib.crc32(names.encode()) & 0x7FFFFFFF

    def add_tool(self, widget: QWidget, title: str) -> None:
        """Add a checking tool (ROI/mask editor, spectrum viewer, profiles...) as a tab next to Results."""
        self.tools.addTab(widget, title)

    def _action(self, menu, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self._action(file_menu, "&Open...", self.choose_file, QKeySequence.StandardKey.Open,
                     "Open a TIFF, NumPy or HDF5 stack, or a saved session")
        self._action(file_menu, "Open &folder of images...", self.choose_folder, "Ctrl+Shift+O",
                     "A folder of TIFF files or Xradia .xrm images, one per frame")
        self._action(file_menu, "Open &example", self.open_example, tip="Open the bundled example stack")
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        self.save_session_action = self._action(file_menu, "&Save session", self.save_session,
                                                QKeySequence.StandardKey.Save,
                                                "Save data location, parameters, ROI and results")
        self.save_session_as_action = self._action(file_menu, "Save session &as...", self.save_session_as,
                                                   QKeySequence.StandardKey.SaveAs)
        self._action(file_menu, "Recover &autosaved session", self.recover_autosave,
                     tip="Reopen the session saved automatically every minute")
        file_menu.addSeparator()
        self.export_aligned_action = self._action(file_menu, "Save aligned stack...", self.choose_aligned_path,
                                                  "Ctrl+E", "HDF5 with transforms and provenance, or TIFF")
        self.export_csv_action = self._action(file_menu, "Save transforms (CSV)...", self.choose_csv_path)
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        edit_menu = bar.addMenu("&Edit")
        edit_menu.addAction(self.model.undo_action)
        edit_menu.addAction(self.model.redo_action)
        self.addAction(self.model.undo_action)
        self.addAction(self.model.redo_action)

        view_menu = bar.addMenu("&View")
        view_menu.addAction(self.method_dock.toggleViewAction())
        view_menu.addAction(self.tools_dock.toggleViewAction())
        self._action(view_menu, "Fit image to window", self.view.fit, "Ctrl+0")

        run_menu = bar.addMenu("&Run")
        self.run_action = self._action(run_menu, "&Align stack", self.start_alignment, "Ctrl+R")
        self.cancel_action = self._action(run_menu, "&Cancel", self.runs.cancel, "Esc")

        help_menu = self.help_menu = bar.addMenu("&Help")  # modes put their menus before it
        self.help = install_help(self, help_menu)
        self._action(help_menu, "Quick start", self.show_quick_start)
        self._action(help_menu, "Open log folder", self.open_log_folder,
                     tip="The app's log file: warnings and the details of unexpected errors")
        self._action(help_menu, "About txmalign", self.show_about)

    def _connect(self) -> None:
        self.view.open_requested.connect(self.choose_file)
        self.view.example_requested.connect(self.open_example)
        self.panel.run_clicked.connect(self.start_alignment)
        self.panel.cancel_clicked.connect(self.runs.cancel)
        self.panel.use_frame_clicked.connect(lambda: self.panel.set_anchor(self.view.index))
        self.view.frame_changed.connect(self.results.set_current)
        self.results.frame_selected.connect(self.view.set_index)
        self.results.rerun_requested.connect(self.rerun_frames)
        self.panel.prepare_form.changed.connect(self._prepare_changed)
        self.model.changed.connect(self._document_changed)
        self.runs.started.connect(lambda _job: self._update_actions())
        self.runs.progressed.connect(self._run_progressed)
        self.runs.news.connect(self._frame_done)
        self.runs.finished.connect(self._run_finished)
        self.runs.failed.connect(self._run_failed)
        self.runs.cancelled.connect(self._run_cancelled)
        self.runs.idle.connect(self._update_actions)

    def _update_actions(self) -> None:
        running = self.runs.running or self._saving is not None
        has_stack = self.stack is not None
        has_result = self.alignment is not None and self.aligned is not None and not running
        for action in (self.save_session_action, self.save_session_as_action):
            action.setEnabled(has_stack and not running)
        self.export_aligned_action.setEnabled(has_result)
        self.export_csv_action.setEnabled(has_result)
        self.run_action.setEnabled(has_stack and not running)
        self.cancel_action.setEnabled(running)
        self.panel.set_ready(has_stack and self._saving is None)

    # -- messages -----------------------------------------------------------
    def show_error(self, text: str) -> None:
        self.message_bar.show_message(text, "error")
        self.statusBar().showMessage(text, 20000)

    def show_notice(self, text: str, level: str = "info") -> None:
        self.message_bar.show_message(text, level)
        self.statusBar().showMessage(text, 10000)

    # -- opening ------------------------------------------------------------
    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a stack", self.settings.last_folder, open_filter())
        if path:
            self.open_path(path)

    def choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open a folder of images", self.settings.last_folder)
        if path:
            self.open_path(path)

    def open_example(self) -> None:
        """Open the synthetic example, generating it in the user's data folder the first time."""
        from ..io.example import example_file

        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            path = example_file()
        except OSError as exc:
            self.show_error(f"Could not write the example data: {exc}")
            return
        finally:
            QApplication.restoreOverrideCursor()
        self.open_path(str(path))

    def open_path(self, path: str, dataset: Optional[str] = None) -> bool:
        """Open a stack (or a session file); False, with a message in the window, when that fails."""
        if self.runs.running:
            self.show_error("An alignment is running: cancel it before opening another file.")
            return False
        try:
            split_source(path)  # accepts file.h5:/dataset as well as plain paths
        except TxmAlignError:
            self.show_error(f"Could not open {path}: there is no such file or folder.")
            return False
        if path.lower().endswith(SESSION_EXTENSION):
            return self.open_session(path)
        try:
            stack = self._read_stack(path, dataset)
        except (TxmAlignError, OSError, ValueError) as error:
            self.show_error(f"Could not open {os.path.basename(path)}: {error}")
            return False
        if stack is None:
            return False
        self.set_stack(stack)
        self.settings.remember_path(path)
        self.panel.start_folder = self.settings.last_folder
        return True

    def _read_stack(self, path: str, dataset: Optional[str]):
        """read_stack, asking which dataset (and energies) to use when an HDF5 file holds several stacks."""
        if dataset is not None or not path.lower().endswith(HDF5_EXTENSIONS):
            return txio.read_stack(path, dataset)
        try:
            return txio.read_stack(path)
        except TxmAlignError:
            if len(txio.list_datasets(path)) < 2:
                raise
        dialog = Hdf5Dialog(path, self)
        if not dialog.exec():
            return None
        stack = txio.read_stack(path, dialog.dataset())
        if dialog.energies_dataset():
            stack = stack.with_energies(txio.load_energies(f"{path}:{dialog.energies_dataset()}"))
        return stack

    def set_stack(self, stack) -> None:
        """Show a newly opened stack: the document forgets the previous one's results and drawings and takes
        the preparation the panel offers for it (flat-field only when the file has flats)."""
        if stack is not None:
            self.panel.prepare_form.blockSignals(True)  # the old file's preview must not follow this
            self.panel.set_references(stack)
            self.panel.prepare_form.blockSignals(False)
        self.model.reset(stack, prepare=self.panel.prepare_options() if stack is not None else {})

    def _document_changed(self, fields: frozenset, frames) -> None:
        """The one place the window follows the document: the stack, the prepared view and the results."""
        if STACK in fields:
            self._stack_changed(self.model.stack)
        if PREPARE in fields and STACK not in fields:
            self.view.refresh_prepared()
        if ALIGNMENT in fields or ALIGNED in fields:
            self._alignment_changed(fields, frames)
        if fields & {STACK, ALIGNMENT, ALIGNED, SESSION_PATH}:
            self._update_actions()

    def _stack_changed(self, stack) -> None:
        self.prepared.clear()
        self._aligned_transforms = None
        self.view.set_stack(stack)
        self.results.stop_live()
        self.results.show_alignment(None)
        self.panel.reset_run_state()
        if stack is None:
            return
        self.results.set_axes(len(stack), stack.energies, stack.angles)
        self.message_bar.hide()
        self.setWindowTitle(f"txmalign - {os.path.basename(stack.path.rstrip(os.sep))}")
        self.stack_info.setText(describe_stack(stack))
        warnings = list(stack.metadata.get("warnings", ())) if isinstance(stack.metadata, dict) else []
        if warnings:
            self.show_notice(f"Opened {os.path.basename(stack.path.rstrip(os.sep))} with a warning: "
                             + "; ".join(warnings) + ".", "warning")
        else:
            self.statusBar().showMessage(f"Opened {stack.source}. Check the settings on the right, then "
                                         "press Align stack.", 15000)

    def _alignment_changed(self, fields: frozenset, frames) -> None:
        """Show the alignment; an edit of its transforms re-samples only the frames that changed."""
        alignment, aligned = self.model.alignment, self.model.aligned
        if ALIGNED in fields:
            self._aligned_transforms = None if alignment is None or aligned is None else \
                np.array(alignment.transforms, dtype=float)
            self.view.set_aligned(aligned, show=aligned is not None and self._pending_view is None)
        elif alignment is not None and aligned is not None and self._aligned_transforms is not None \
                and len(alignment) == len(self._aligned_transforms):
            changed = np.flatnonzero(np.any(alignment.transforms != self._aligned_transforms, axis=1))
            if changed.size:
                raw = self.prepared.images(self.model.stack, alignment.prepare)
                aligned[changed] = apply_transforms(raw[changed], alignment.transforms[changed])
                self._aligned_transforms[changed] = alignment.transforms[changed]
                self.view.refresh_aligned(changed)
        if frames is not None and alignment is not None:
            self.results.update_rows(alignment, frames)
        else:
            self.results.show_alignment(alignment)
        self.results.set_current(self.view.index)

    def prepared_frame(self, index: int) -> np.ndarray:
        """Frame `index` prepared as the panel says now (flat-field, -log...): what the Prepared view shows."""
        return self.prepared.frame(self.model.stack, self.model.prepare, index)

    def _prepare_changed(self) -> None:
        if self.model.stack is not None:
            self.model.set(prepare=self.panel.prepare_options())

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.settings.recent_files()
        for path in recent:
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _=False, p=path: self.open_path(p))
        if not recent:
            self.recent_menu.addAction("(no recent files)").setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear list", self.settings.clear_recent)

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.open_path(paths[0])

    # -- running ------------------------------------------------------------
    def can_start(self) -> bool:
        """Whether a job can start now (a stack is open, nothing runs or saves), asking first when the
        stack may not fit in memory; shared by the alignment and the tomography runs."""
        if self.stack is None or self.runs.running or self._saving is not None:
            return False
        warning = memory_warning(self.stack.shape)
        if warning and not self.confirm(warning + "\n\nTry anyway?"):
            self.show_notice(warning, "warning")
            return False
        return True

    def start_alignment(self, frames: Optional[list] = None) -> bool:
        """Start aligning the whole stack (or only `frames`) in the background; False if it cannot start."""
        if not self.can_start():
            return False
        frames = tuple(sorted(frames)) if frames else None
        try:
            method = self.panel.method()
            params = get_method(method).resolve(self.panel.params())
            options = STACK_PARAMS.resolve(self.panel.stack_options())
            prepare = PREPARE_PARAMS.resolve(self.panel.prepare_options())
            reference = self._load_reference()
        except TxmAlignError as error:
            self.show_error(f"Cannot start the alignment: {error}")
            return False
        anchor = options.get("anchor")
        if frames is not None:  # re-run: same anchor and image preparation, so the frames stay comparable
            anchor, prepare = self.alignment.anchor, self.alignment.prepare
        self._start_align_job(AlignJob(stack=self.stack, method=method, params=params, stack_options=options,
                                       reference=reference, roi=self.roi_model.roi, mask=self.roi_model.mask,
                                       frames=frames, anchor=anchor, prepare=prepare,
                                       news=self.runs.post_news))
        return True

    def _start_align_job(self, job: AlignJob) -> None:
        self._align_job = job
        self.panel.set_running(True)
        self.message_bar.hide()
        if job.transforms is not None:
            self._run_title = "Restoring the aligned frames of the session"
        else:
            self.results.start_live(len(self.stack), job.frames)
            what = f"{len(job.frames)} selected frames" if job.frames else "the stack"
            self._run_title = f"Aligning {what} with {get_method(job.method).label}"
        self.statusBar().showMessage(self._run_title + "...")
        self.runs.start(job)

    def rerun_frames(self, frames: list) -> None:
        if self.alignment is not None and frames:
            self.start_alignment(frames)

    def confirm(self, question: str) -> bool:
        answer = QMessageBox.question(self, "txmalign", question)
        return answer == QMessageBox.StandardButton.Yes

    def _load_reference(self) -> Optional[np.ndarray]:
        spec = self.panel.reference_spec()
        if spec is None:
            return None
        try:
            return txio.read_image(spec)
        except TxmAlignError:
            return txio.read_stack(spec).load()

    def _run_progressed(self, job, fraction: float, message: str, elapsed: float) -> None:
        if job is not self._align_job:
            return
        self.panel.show_progress(fraction, elapsed)
        if message:
            self.statusBar().showMessage(f"{self._run_title}: {message}")

    def _frame_done(self, job, news) -> None:
        if job is self._align_job:
            index, result = news
            self.results.add_live(index, result)
            self.panel.show_frame_result(index, result)

    def _run_finished(self, job, output) -> None:
        if job is not self._align_job:
            return
        self._align_job = None
        self.panel.set_running(False)
        if output.result is None:
            self.model.set(aligned=output.aligned)
            if self._pending_view is not None:
                self.view.load_view_state(self._pending_view)
                self._pending_view = None
            self.panel.show_outcome("Session restored.")
            self.statusBar().showMessage("Session restored", 10000)
        elif output.frames is None:
            self.model.set(alignment=Alignment.from_result(output.result, job.stack_options, job.prepare),
                           aligned=output.aligned, tomo=None)
            self._report_done(self.alignment.seconds)
        else:
            aligned = self.aligned
            aligned[list(output.frames)] = output.aligned
            self.model.set(alignment=self.alignment.with_frames(output.frames, output.result), aligned=aligned)
            self._report_done(float(output.result.seconds), len(output.frames))

    def _report_done(self, seconds: float, frames: Optional[int] = None) -> None:
        what = f"{frames} frames re-aligned" if frames else "Alignment finished"
        text = f"{what} in {seconds:.1f} s."
        self.panel.show_outcome(text)
        poor = self.alignment.poor_frames()
        if poor:
            listed = ", ".join(map(str, poor[:12])) + (" ..." if len(poor) > 12 else "")
            which = f"frame {listed} was" if len(poor) == 1 else f"frames {listed} were"
            self.show_notice(f"{text} {which.capitalize()} registered with low confidence or failed; "
                             "see the coloured rows in the Results table.", "warning")
        else:
            self.statusBar().showMessage(text + " Use Raw / Aligned above the image to compare.", 15000)

    def _run_failed(self, job, message: str) -> None:
        if job is not self._align_job:
            return
        self._align_job = None
        self.panel.set_running(False)
        self.panel.show_outcome("Failed.")
        self.results.stop_live()
        self._pending_view = None
        self.show_error(f"The alignment failed: {message}. The previous result (if any) is unchanged.")

    def _run_cancelled(self, job) -> None:
        if job is not self._align_job:
            return
        self._align_job = None
        self.panel.set_running(False)
        self.panel.show_outcome("Cancelled.")
        self.results.stop_live()
        self.show_notice("Alignment cancelled; nothing was changed.", "info")

    # -- saving -------------------------------------------------------------
    def _save_path(self, title: str, filters: str, suffix: str) -> Optional[str]:
        stem = os.path.splitext(os.path.basename(self.stack.path.rstrip(os.sep)))[0]
        start = os.path.join(self.settings.last_folder, stem + suffix)
        path, _ = QFileDialog.getSaveFileName(self, title, start, filters)
        return path or None

    def choose_aligned_path(self) -> None:
        path = self._save_path("Save the aligned stack", exporter.ALIGNED_FILTERS, "_aligned.h5")
        if path:
            self.save_aligned(path)

    def choose_csv_path(self) -> None:
        path = self._save_path("Save the transforms", "CSV (*.csv)", "_transforms.csv")
        if path:
            self.save_transforms(path)

    def save_aligned(self, path: str) -> None:
        """Write the aligned stack in the background; `saved` or `save_failed` follows."""
        stack, alignment, aligned = self.stack, self.alignment, self.aligned
        roi, mask = self.roi_model.roi, self.roi_model.mask
        self.save_in_background(path, lambda: exporter.save_aligned(path, stack, alignment, aligned, roi, mask))

    def save_in_background(self, path: str, write, done=None) -> None:
        """Run `write()` off the GUI thread (the one save path of the alignment and tomography results);
        then `saved(path)` or `save_failed(message)`, and `done(ok)` when given."""
        call = BackgroundCall(write)
        call.signals.succeeded.connect(lambda: self._save_ended(path, None, done))
        call.signals.failed.connect(lambda message: self._save_ended(path, message, done))
        self._saving = call
        self._update_actions()
        self.statusBar().showMessage(f"Saving {path}...")
        QThreadPool.globalInstance().start(call)

    def _save_ended(self, path: str, error: Optional[str], done) -> None:
        self._saving = None
        self._update_actions()
        if error is None:
            self.settings.remember_path(path)
            self.statusBar().showMessage(f"Saved {path}", 10000)
        else:
            self.show_error(f"Could not save {os.path.basename(path)}: {error}")
        if done is not None:
            done(error is None)
        if error is None:
            self.saved.emit(path)
        else:
            self.save_failed.emit(error)

    def save_transforms(self, path: str) -> bool:
        return self._write(path, lambda: exporter.save_transforms(path, self.stack, self.alignment))

    def _write(self, path: str, write) -> bool:
        self.setCursor(Qt.CursorShape.WaitCursor)
        try:
            write()
        except TxmAlignError as error:
            self.show_error(f"Could not save {os.path.basename(path)}: {error}")
            return False
        except OSError as error:
            self.show_error(f"Could not save {os.path.basename(path)}: {error.strerror or error}")
            return False
        finally:
            self.unsetCursor()
        self.settings.remember_path(path)
        self.statusBar().showMessage(f"Saved {path}", 10000)
        return True

    # -- help and closing ---------------------------------------------------
    def show_quick_start(self) -> None:
        self.show_notice(
            "1. File > Open (or Open example).  2. Browse the frames; set the anchor with "
            "\"Use the frame on screen\".  3. Pick a method (hover a parameter for help).  4. Press "
            "Align stack.  5. Check the Results: click a point to see that frame, compare Raw and Aligned, "
            "re-run poor frames.  6. File > Save aligned stack.", "info")

    def open_log_folder(self) -> None:
        """Show the folder holding the app's log in the system's file manager."""
        from PyQt6.QtCore import QUrl
        from PyQt6.QtGui import QDesktopServices

        from .app_log import log_folder

        folder = log_folder()
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            self.show_notice(f"The log folder is {folder}", "info")

    def show_about(self) -> None:
        QMessageBox.about(self, "About txmalign",
                          f"<b>txmalign {__version__}</b><br>Registration of transmission X-ray microscopy "
                          "stacks (XANES and tomography).")

    def closeEvent(self, event) -> None:  # noqa: N802
        if self.runs.running:
            self.runs.cancel()
            self.runs.wait(5000)
        if self._saving is not None:
            self.statusBar().showMessage("Finishing the file being saved...")
            QThreadPool.globalInstance().waitForDone()
        self.autosave()
        self.settings.save_window(self.saveGeometry(), self.saveState(self._layout_version()))
        super().closeEvent(event)


def describe_stack(stack) -> str:
    """One line for the status bar: size, type and what the frames are (energies or angles)."""
    count, height, width = stack.shape
    text = f"{count} frames of {width} x {height} px, {np.dtype(getattr(stack.images, 'dtype', 'float32'))}"
    if stack.energies is not None:
        text += f"  ·  XANES {stack.energies.min():.1f}-{stack.energies.max():.1f} eV"
    elif stack.angles is not None:
        text += f"  ·  tomography {stack.angles.min():.1f}° to {stack.angles.max():.1f}°"
    return text


def default_autosave_path() -> str:
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    folder = folder or os.path.expanduser("~/.txmalign")
    os.makedirs(folder, exist_ok=True)
    return os.path.join(folder, "autosave" + SESSION_EXTENSION)
