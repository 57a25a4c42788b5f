"""A guided tour of one alignment of the bundled example: eight steps that each highlight a real widget,
say what to do and, once the user has done it, what to look for.

Each step is data (title, what to do, what to look for, the widget to highlight, and a test that the
user has acted, polled four times a second); the step's *Next* button is enabled once the test passes
(*Skip* always moves on).  The tour can be left at any step and started again from the Help menu.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from PyQt6.QtCore import QPoint, QRect, Qt, QTimer
from PyQt6.QtGui import QColor, QPainter, QPen
from PyQt6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

_POLL_MS = 250
_HIGHLIGHT = QColor("#f58231")


@dataclass(frozen=True)
class Step:
    """`target(window)` is the widget to highlight; `start(tour)` records the state the step begins from
    and `done(tour)` says whether the user has acted (None: reading only, Next is enabled at once)."""

    title: str
    do: str
    look_for: str
    target: Callable
    done: Optional[Callable] = None
    start: Optional[Callable] = None


def _checks(window):
    return window.checks


STEPS = (
    Step("Open the example",
         "Choose <b>File &gt; Open example</b>. It is a synthetic XANES series: 101 energies across two "
         "absorption edges (7716 and 7724 eV), every frame jittered by up to 8 px, with a known answer.",
         "Drag the frame slider under the image: the particles jump from frame to frame, and their contrast "
         "changes (and between the edges, inverts) across the edge.",
         lambda w: w.menuBar(), lambda t: t.window.stack is not None),
    Step("Prepare the images",
         "Section <b>1. Prepare the images</b>: flat-field correction is on because the file holds flats and "
         "darks. It divides out the bright-centred beam, which would otherwise pull every frame to zero shift.",
         "The note above the box says how many flats and darks were found. Leave the settings as they are.",
         lambda w: w.panel.prepare_form),
    Step("Choose the method and its parameters",
         "Section <b>2. Registration method</b>: TVDM (the default) stays right when the contrast changes "
         "across the edge. Hover a parameter for its meaning; press F1 on the method for its help page and "
         "paper.",
         "The search range (px) must exceed the largest jump between frames: 8 px here.",
         lambda w: w.panel.method_combo),
    Step("Run the alignment",
         "Press <b>Align stack</b> (Ctrl+R). It runs in the background; each frame's result appears as soon "
         "as it is done.",
         "The Run box and the status bar say when it has finished; frames registered with low confidence are "
         "named in the message bar above the image.",
         lambda w: w.panel.run_button, lambda t: t.window.alignment is not None),
    Step("Read the results",
         "The <b>Results</b> tab plots each frame's shift against energy. Click a point to show that frame.",
         "Shifts scatter without a trend (random jitter: each frame's up to 8 px minus the anchor's, so up "
         "to about 16 px) and every frame is ok. A lone spike or a low confidence would mark a bad frame.",
         lambda w: w.results, lambda t: t.window.view.index != t.state,
         lambda t: t.window.view.index),
    Step("Check spectra and a profile",
         "On the <b>Spectra</b> tab press <i>Add rectangle</i> and drag over a small particle; on <b>Line "
         "profiles</b> draw a line across a particle edge.",
         "The aligned spectrum (solid) shows a clean edge, the raw one (dashed) is smeared by neighbouring "
         "pixels. Along the profile the aligned edge stays put in every frame. The <b>Maps</b> tab shows "
         "rims of false chemistry around particles in the raw stack only.",
         lambda w: w.tools,
         lambda t: bool(_checks(t.window).spectra.probes) and _checks(t.window).profiles.line is not None),
    Step("Fix a bad frame",
         "Open the <b>Corrections</b> tab. It lists frames whose shift disagrees with their neighbours; "
         "exclude one and interpolate its shift, or re-run it with a mask or another method.",
         "The example has no ruined frame, so nothing should be flagged. The 'bad_frame' teaching exercise "
         "has one to find.",
         lambda w: w.tools, lambda t: t.window.tools.currentWidget() is _checks(t.window).corrections),
    Step("Save",
         "Choose <b>File &gt; Save aligned stack...</b>: one HDF5 file with the aligned images, the "
         "transforms, confidences and the provenance of the run.",
         "The status bar says 'Saved'. The command line reads the file back, e.g. "
         "<code>txmalign spectra aligned.h5 --region ...</code>.",
         lambda w: w.menuBar(), lambda t: t.saves > t.state, lambda t: t.saves),
)


class Highlight(QWidget):
    """An orange frame drawn over the target widget; clicks pass through it."""

    def __init__(self, window):
        super().__init__(window)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)

    def follow(self, widget: Optional[QWidget]) -> None:
        if widget is None or not widget.isVisible():
            self.hide()
            return
        top_left = widget.mapTo(self.parentWidget(), QPoint(0, 0))
        self.setGeometry(QRect(top_left, widget.size()).adjusted(-4, -4, 4, 4))
        self.show()
        self.raise_()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        painter = QPainter(self)
        painter.setPen(QPen(_HIGHLIGHT, 3))
        painter.drawRoundedRect(self.rect().adjusted(2, 2, -2, -2), 6, 6)


class TourPanel(QFrame):
    """The floating card with the step's text and the Back / Skip / Next / Leave buttons."""

    def __init__(self, window):
        super().__init__(window)
        self.setObjectName("tour_panel")
        self.setStyleSheet("#tour_panel { background: #fffbe6; border: 2px solid #f58231; border-radius: 6px; }")
        self.setFixedWidth(380)
        self.counter = QLabel()
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: bold; font-size: 14px;")
        self.do = QLabel(wordWrap=True)
        self.look_for = QLabel(wordWrap=True)
        self.look_for.setStyleSheet("color: #1b6e20;")
        self.back_button = QPushButton("Back")
        self.skip_button = QPushButton("Skip")
        self.next_button = QPushButton("Next")
        self.leave_button = QPushButton("Leave tour")
        buttons = QHBoxLayout()
        for button in (self.back_button, self.skip_button, self.next_button, self.leave_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        for widget in (self.counter, self.title, self.do, self.look_for):
            layout.addWidget(widget)
        layout.addLayout(buttons)


class GuidedTour:
    """Runs STEPS on `window`; `index` is the current step (None when the tour is not running)."""

    def __init__(self, window, steps=STEPS):
        self.window, self.steps = window, steps
        self.index: Optional[int] = None
        self.state = None
        self.saves = 0
        self.highlight = Highlight(window)
        self.panel = TourPanel(window)
        self.panel.back_button.clicked.connect(lambda: self.go(self.index - 1))
        self.panel.skip_button.clicked.connect(lambda: self.go(self.index + 1))
        self.panel.next_button.clicked.connect(lambda: self.go(self.index + 1))
        self.panel.leave_button.clicked.connect(self.leave)
        self.timer = QTimer(window, interval=_POLL_MS)
        self.timer.timeout.connect(self.poll)
        window.saved.connect(self._saved)
        self.highlight.hide()
        self.panel.hide()

    def _saved(self, _path: str) -> None:
        self.saves += 1

    @property
    def running(self) -> bool:
        return self.index is not None

    def start(self) -> None:
        self.go(0)
        self.timer.start()

    def leave(self) -> None:
        self.index = None
        self.timer.stop()
        self.highlight.hide()
        self.panel.hide()

    def go(self, index: int) -> None:
        if index >= len(self.steps):
            self.leave()
            self.window.show_notice("Tour finished. Start it again from Help > Guided tour; try the teaching "
                                    "exercises next.", "info")
            return
        self.index = max(0, index)
        step = self.steps[self.index]
        self.state = step.start(self) if step.start else None
        target = step.target(self.window)
        if target is not None:  # once per step: the user may fold it away again
            self.window.reveal(target)
        panel = self.panel
        panel.counter.setText(f"Step {self.index + 1} of {len(self.steps)}")
        panel.title.setText(step.title)
        panel.do.setText(step.do)
        panel.back_button.setEnabled(self.index > 0)
        panel.next_button.setText("Finish" if self.index == len(self.steps) - 1 else "Next")
        self.poll()
        panel.adjustSize()
        self._place()
        panel.show()
        panel.raise_()

    def done(self) -> bool:
        """Whether the user has done what the current step asks."""
        step = self.steps[self.index]
        return step.done is None or bool(step.done(self))

    def poll(self) -> None:
        if self.index is None:
            return
        step = self.steps[self.index]
        finished = self.done()
        self.panel.next_button.setEnabled(finished)
        self.panel.skip_button.setVisible(not finished)
        self.panel.look_for.setText(("<b>Look for:</b> " if finished else "<i>Then look for:</i> ") + step.look_for)
        self.highlight.follow(step.target(self.window))
        self._place()

    def _place(self) -> None:
        """Keep the card in the upper left of the image area (the image is centred, so that corner is
        usually empty), clear of the toolbar above the image and of the docks."""
        view = self.window.view.graphics
        self.panel.move(view.mapTo(self.window, QPoint(8, 8)))


def install_tour(window, menu) -> GuidedTour:
    """Add *Guided tour* to `menu` (starting it again restarts from step 1)."""
    tour = GuidedTour(window)
    action = menu.addAction("Guided &tour")
    action.setStatusTip("Eight steps through one alignment of the bundled example")
    action.triggered.connect(lambda _=False: tour.start())
    return tour
