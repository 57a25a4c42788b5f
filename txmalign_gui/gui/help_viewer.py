"""In-app help: a window listing the offline pages (txmalign_gui.help) with a Markdown browser, opened on
the page of the panel that has the focus when F1 is pressed, plus the Help-menu entries."""

from __future__ import annotations

from typing import Optional

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QKeySequence
from PyQt6.QtWidgets import QDialog, QHBoxLayout, QListWidget, QListWidgetItem, QSplitter, QTextBrowser

from .. import help as pages
from ..engine.stack import PREPARE_PARAMS

# Tab titles of the 'Results and checks' dock -> page.
TAB_PAGES = {"Results": "results", "ROI and mask": "roi_mask", "Spectra": "spectra", "Maps": "maps",
             "Line profiles": "profiles", "Compare": "compare", "Corrections": "corrections",
             "Manual correction": "manual"}
_EXTRA = {"prepare": PREPARE_PARAMS}


class HelpViewer(QDialog):
    """Contents on the left, the page on the right; links `page:NAME` move between pages."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("txmalign help")
        self.resize(980, 680)
        self.contents = QListWidget()
        for name in pages.page_names():
            item = QListWidgetItem(pages.title(name))
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.contents.addItem(item)
        self.contents.currentItemChanged.connect(lambda item, _: item and self.show_page(
            item.data(Qt.ItemDataRole.UserRole)))
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)
        self.browser.anchorClicked.connect(self._link)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.contents)
        splitter.addWidget(self.browser)
        splitter.setSizes([230, 750])
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(splitter)
        self.current: Optional[str] = None
        self.show_page("index")

    def show_page(self, name: str) -> None:
        if name == self.current:
            return
        self.current = name
        self.browser.setMarkdown(pages.page(name, _EXTRA))
        for row in range(self.contents.count()):
            if self.contents.item(row).data(Qt.ItemDataRole.UserRole) == name:
                self.contents.blockSignals(True)
                self.contents.setCurrentRow(row)
                self.contents.blockSignals(False)

    def _link(self, url) -> None:
        text = url.toString()
        if text.startswith("page:"):
            self.show_page(text[len("page:"):])


def context_page(window) -> str:
    """The page for the widget that has the focus: a checking tab, the method (or its form), or tomography."""
    focus = window.focusWidget()
    dock = getattr(window, "tools_dock", None)
    panel = getattr(window, "panel", None)

    def inside(widget) -> bool:
        return widget is not None and focus is not None and (focus is widget or widget.isAncestorOf(focus))

    if inside(dock):
        return TAB_PAGES.get(window.tools.tabText(window.tools.currentIndex()), "results")
    if panel is not None and inside(panel):
        if inside(getattr(panel, "method_forms", None)) or focus is getattr(panel, "method_combo", None):
            return f"methods/{panel.method()}"
        if inside(getattr(panel, "prepare_form", None)):
            return "prepare"
        return "alignment"
    tomo_dock = getattr(getattr(window, "tomo", None), "dock", None)
    if inside(tomo_dock):
        return "tomography"
    return "index"


class HelpHooks:
    """F1 and the Help-menu entries of `window`; the viewer is created on first use."""

    def __init__(self, window, menu):
        self.window = window
        self.viewer: Optional[HelpViewer] = None
        action = menu.addAction("txmalign &help")
        action.setShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents))  # F1
        action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        action.setStatusTip("Help on the panel that has the focus (F1), or the contents")
        action.triggered.connect(lambda _=False: self.show(context_page(window)))
        self.action = action

    def show(self, name: str = "index") -> HelpViewer:
        if self.viewer is None:
            self.viewer = HelpViewer(self.window)
        self.viewer.show_page(name)
        self.viewer.show()
        self.viewer.raise_()
        return self.viewer


def install_help(window, menu) -> HelpHooks:
    """F1 / Help contents, the guided tour (window.tour) and the teaching exercises in the Help menu."""
    from .exercises_dialog import install_exercises
    from .tour import install_tour

    hooks = HelpHooks(window, menu)
    window.tour = install_tour(window, menu)
    install_exercises(window, menu)
    return hooks
