"""The PyQt6 + pyqtgraph desktop app; the only package of txmalign that imports Qt."""
