"""Offline help: every page renders from package data, parameter tables come from the ParamSets, and F1
opens the page of the panel that has the focus."""

import pytest
from PyQt6.QtCore import QUrl

from txmalign_gui import help as pages
from txmalign_gui.engine import available_methods
from txmalign_gui.engine.errors import InputError
from txmalign_gui.engine.stack import STACK_PARAMS


def test_every_page_renders_and_every_method_has_one():
    names = pages.page_names()
    for spec in available_methods():
        assert f"methods/{spec.name}" in names
    for name in names:
        text = pages.page(name)
        assert text.startswith("# ") and pages.PARAMETERS_MARK not in text
    with pytest.raises(InputError):
        pages.page("no_such_page")


def test_parameter_tables_are_generated_from_the_param_sets():
    for spec in available_methods():
        text = pages.page(f"methods/{spec.name}")
        assert "Paper" in text or "Reference" in text
        for p in spec.params:
            assert f"(`{p.name}`)" in text and p.help.replace("|", "/") in text
    alignment = pages.page("alignment")
    assert all(f"(`{p.name}`)" in alignment for p in STACK_PARAMS)


def test_links_between_pages_point_at_pages():
    import re

    names = set(pages.page_names())
    for name in names:
        for target in re.findall(r"\(page:([^)]+)\)", pages.page(name)):
            assert target in names, f"{name} links to missing page {target}"


@pytest.fixture
def window(make_window, qtbot):
    win = make_window()
    qtbot.waitExposed(win)
    return win


def test_f1_opens_the_page_of_the_focused_panel(window, qtbot):
    window.tools.setCurrentWidget(window.checks.spectra)
    window.checks.spectra.statistic_combo.setFocus()
    qtbot.waitUntil(lambda: window.focusWidget() is window.checks.spectra.statistic_combo)
    window.help.action.trigger()
    viewer = window.help.viewer
    assert viewer.isVisible() and viewer.current == "spectra"
    assert "I0" in viewer.browser.toPlainText()
    window.panel.method_combo.setFocus()
    qtbot.waitUntil(lambda: window.focusWidget() is window.panel.method_combo)
    window.help.action.trigger()
    assert viewer.current == f"methods/{window.panel.method()}"
    assert "Paper" in viewer.browser.toPlainText()
    viewer.browser.anchorClicked.emit(QUrl("page:maps"))
    assert viewer.current == "maps" and viewer.contents.currentItem().text() == pages.title("maps")
    viewer.show_page("prepare")
    assert "Flat-field correction" in viewer.browser.toPlainText()  # the GUI's own ParamSet
