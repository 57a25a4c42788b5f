"""The preview slice the engine reconstructed from the raw and from the aligned projections."""

from __future__ import annotations

from PyQt6.QtWidgets import QLabel, QVBoxLayout, QWidget

from .image_pair import ImagePair

_EMPTY_TEXT = "Run the tomography alignment to see a reconstructed slice."
_NO_PREVIEW_TEXT = "No preview slice (switch on Preview slices under Advanced)."


class SliceView(QWidget):
    """Reconstructed slice before and after alignment, side by side, with the row it comes from."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.caption = QLabel(" ")
        self.caption.setStyleSheet("color: #555;")
        self.pair = ImagePair(("Slice before", "Slice after"), lock_aspect=True)
        self.pair.setToolTip("Filtered back-projection of one detector row: sharp edges and no arcs "
                             "mean the projections are consistent")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.caption)
        layout.addWidget(self.pair, 1)
        self.show_result(None)

    def show_result(self, result) -> None:
        """Show `result.slice_before/after` (a TomoResult), or the hint when there is none."""
        if result is None or result.slice_before is None:
            text = _EMPTY_TEXT if result is None else _NO_PREVIEW_TEXT
            self.caption.setText("Reconstructed slice")
            self.pair.set_images([None, None], [text, text])
            return
        self.caption.setText(f"Reconstructed slice of row {result.slice_row}")
        self.pair.set_images([result.slice_before, result.slice_after], ["", ""])
