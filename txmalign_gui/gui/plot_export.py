"""Save a plot or image panel as PNG or SVG (for papers and teaching), chosen by the file suffix.

PNG goes through pyqtgraph's ImageExporter (any width); SVG is drawn by Qt's QSvgGenerator from the
widget, because pyqtgraph's own SVG exporter fails on some paths (legend, filled regions)."""

from __future__ import annotations

import os

import pyqtgraph.exporters as exporters
from PyQt6.QtCore import QRectF, QSize
from PyQt6.QtGui import QPainter
from PyQt6.QtSvg import QSvgGenerator

FILTERS = "PNG image (*.png);;SVG drawing (*.svg)"


def export_plot(widget, path: str, width: int = 1600) -> None:
    """Write `widget` (a PlotWidget or GraphicsLayoutWidget) to `path`: .svg as vector, else PNG `width`
    pixels wide.  Raises OSError when the file cannot be written."""
    if os.path.splitext(path)[1].lower() == ".svg":
        size = widget.size()
        generator = QSvgGenerator()
        generator.setFileName(path)
        generator.setSize(QSize(size.width(), size.height()))
        generator.setViewBox(QRectF(0, 0, size.width(), size.height()))
        painter = QPainter(generator)
        try:
            widget.render(painter)
        finally:
            painter.end()
    else:
        exporter = exporters.ImageExporter(widget.scene())
        exporter.parameters()["width"] = int(width)
        exporter.export(path)
    if not os.path.exists(path):
        raise OSError(f"could not write {path}")
