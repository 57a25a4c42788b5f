"""The 'Compare' tab: the frame on screen against the anchor, a neighbour or any chosen frame, raw or
aligned, as a difference, overlay, checkerboard, split view or flicker."""

from __future__ import annotations

from PyQt6.QtWidgets import QComboBox, QVBoxLayout, QWidget

from .comparison_view import ComparisonView
from .context import ALIGNED, RAW, CheckContext
from .reference_picker import ReferencePicker


class CompareTool(QWidget):
    """Follows the frame on screen; `reference` says which frame it is compared with."""

    wants_height = True  # the window gives this tab half its height, to judge a tenth of a pixel

    def __init__(self, context: CheckContext, parent=None):
        super().__init__(parent)
        self.context = context
        self.source_combo = QComboBox()
        self.source_combo.addItem("Aligned stack", ALIGNED)
        self.source_combo.addItem("Raw stack", RAW)
        self.source_combo.setToolTip("Compare the frames as read, or after alignment")
        self.reference = ReferencePicker(context)
        self.view = ComparisonView()
        self.view.link_to(context.window.view.viewbox)
        self.source_combo.currentIndexChanged.connect(lambda _: self.refresh())
        self.reference.changed.connect(self.refresh)
        layout = QVBoxLayout(self)
        self.view.add_control(self.source_combo)
        self.view.add_control(self.reference)
        layout.addWidget(self.view, 1)
        self._stale = False
        context.data_changed.connect(self.refresh)
        context.frame_changed.connect(lambda _: self.refresh())
        context.frames_changed.connect(lambda frames: self._frames_changed(frames))
        self.refresh()

    def _frames_changed(self, frames: list) -> None:
        """Corrected frames: redraw now if the picture uses one of them (later if the tab is hidden)."""
        if self.context.index in frames or self.reference.index() in frames:
            if self.isVisible():
                self.refresh(nudged=True)
            else:
                self._stale = True

    def showEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self.refresh()

    def source(self) -> str:
        source = self.source_combo.currentData()
        return source if self.context.has(source) else RAW

    def refresh(self, nudged: bool = False) -> None:
        if self.context.stack is None:
            self.view.set_images(None, None)
            return
        source, index, reference = self.source(), self.context.index, self.reference.index()
        title = f"{source.capitalize()} frame {index} against frame {reference}"
        if source != self.source_combo.currentData():
            title += "  (no alignment yet: showing the raw stack)"
        self.view.set_images(self.context.frame(source, index), self.context.frame(source, reference), title,
                             keep_range=nudged)
