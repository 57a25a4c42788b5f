"""The guided tour walked through real widgets: each step waits for the user's action, highlights a
visible widget, and the tour can be left and restarted from the Help menu."""

import h5py
import numpy as np
import pytest
from test_gui_xanes import align_with

from txmalign_gui.io.example import write_example


@pytest.fixture(scope="module")
def example_file(tmp_path_factory):
    return str(write_example(str(tmp_path_factory.mktemp("tour") / "example.h5")))


@pytest.fixture
def window(make_window, qtbot):
    win = make_window((1366, 768))
    qtbot.waitExposed(win)
    return win


def tour_action(win):
    return next(a for a in win.menuBar().actions()[-1].menu().actions() if a.text() == "Guided &tour")


def advance(qtbot, tour, expect_waiting=True):
    """Check that Next waits for the action (when the step asks for one), then press it once enabled."""
    panel = tour.panel
    if expect_waiting:
        assert not panel.next_button.isEnabled() and panel.skip_button.isVisible()
    return panel


def shown(window, target) -> bool:
    """Whether the middle of `target` is on screen in the window, not folded, scrolled away or covered
    (by the tour's card, say), and the highlight frames it."""
    centre = target.mapTo(window, target.rect().center())
    hit = window.childAt(centre)
    highlight = window.tour.highlight
    return target.isVisible() and hit is not None and (hit is target or target.isAncestorOf(hit)) and \
        highlight.isVisible() and highlight.geometry().contains(centre)


def press_next(qtbot, tour):
    qtbot.waitUntil(lambda: tour.panel.next_button.isEnabled(), timeout=3000)
    target = tour.steps[tour.index].target(tour.window)
    qtbot.waitUntil(lambda: shown(tour.window, target), timeout=2000)
    assert "Look for:" in tour.panel.look_for.text()
    step = tour.index
    tour.panel.next_button.click()
    return step


def test_walk_the_tour_on_the_example(window, qtbot, example_file, tmp_path):
    tour_action(window).trigger()
    tour = window.tour
    assert tour.running and tour.index == 0 and tour.panel.isVisible()
    assert tour.highlight.isVisible() and "Open example" in tour.panel.do.text()
    advance(qtbot, tour)                                     # 1 open: waits for a stack
    window.open_path(example_file)
    press_next(qtbot, tour)
    assert tour.index == 1 and tour.panel.next_button.isEnabled()   # 2 prepare: reading only
    assert window.panel.prepare_section.expanded                    # folded by default: the tour unfolds it
    press_next(qtbot, tour)
    press_next(qtbot, tour)                                   # 3 method
    assert tour.index == 3
    advance(qtbot, tour)                                      # 4 run: waits for an alignment
    with h5py.File(example_file, "r") as handle:
        align_with(window, handle["truth_transforms"][()])
    window.collapse_tools(True)                               # folded results open again for the next step
    press_next(qtbot, tour)
    advance(qtbot, tour)                                      # 5 results: waits for another frame
    assert window.tools.currentWidget() is window.results and not window.collapse_button.isChecked()
    window.view.set_index((window.view.index + 7) % len(window.stack))
    press_next(qtbot, tour)
    advance(qtbot, tour)                                      # 6 spectra and profile
    assert not window.collapse_button.isChecked()
    window.checks.spectra.add_region((40, 48, 40, 48))
    qtbot.wait(300)
    assert not tour.panel.next_button.isEnabled()             # the profile is still missing
    window.checks.profiles.set_line((10, 10), (10, 60))
    press_next(qtbot, tour)
    advance(qtbot, tour)                                      # 7 corrections tab
    window.tools.setCurrentWidget(window.checks.corrections)
    press_next(qtbot, tour)
    advance(qtbot, tour)                                      # 8 save: waits for a saved file
    assert tour.panel.next_button.text() == "Finish"
    window.saved.emit(str(tmp_path / "aligned.h5"))
    press_next(qtbot, tour)
    assert not tour.running and not tour.panel.isVisible() and not tour.highlight.isVisible()


def test_leave_and_restart_from_help(window, qtbot):
    tour_action(window).trigger()
    tour = window.tour
    tour.panel.skip_button.click()
    assert tour.index == 1
    tour.panel.back_button.click()
    assert tour.index == 0
    tour.panel.leave_button.click()
    assert not tour.running and not tour.panel.isVisible()
    tour_action(window).trigger()
    assert tour.running and tour.index == 0
    assert np.all([s.target(window) is not None for s in tour.steps])


def test_exercise_dialog_creates_opens_and_checks(window, qtbot):
    from txmalign_gui.engine.teaching import make_exercise

    action = next(a for a in window.menuBar().actions()[-1].menu().actions() if a.text() == "Teaching &exercises...")
    action.trigger()
    dialog = window.exercises_dialog
    dialog.combo.setCurrentIndex(dialog.combo.findData("bad_frame"))
    path = dialog.create_and_open()
    assert window.stack is not None and window.stack.path == path and len(window.stack) == 31
    truth = make_exercise("bad_frame")
    dialog.frame_spin.setValue(truth.answer["frame"] + 2)
    verdicts = dict(dialog.check())
    assert not verdicts["bad frame"].correct and verdicts["alignment"] is None
    dialog.frame_spin.setValue(truth.answer["frame"])
    align_with(window, truth.truth)
    verdicts = dict(dialog.check())
    assert verdicts["bad frame"].correct and verdicts["alignment"].correct
    assert "right" in dialog.verdict.text()


def test_exercise_dialog_checks_the_mask_painted_in_the_document(window, qtbot):
    from txmalign_gui.engine.teaching import make_exercise

    next(a for a in window.menuBar().actions()[-1].menu().actions() if a.text() == "Teaching &exercises...").trigger()
    dialog = window.exercises_dialog
    dialog.combo.setCurrentIndex(dialog.combo.findData("beam_block"))
    dialog.create_and_open()
    assert dialog.check() == [] and "paint the beam block" in dialog.verdict.text()
    block = make_exercise("beam_block").answer["block"]
    window.roi_model.set_mask(np.ones_like(block))               # nothing hidden: wrong
    assert not dict(dialog.check())["mask"].correct
    window.roi_model.set_mask(~block)
    assert dict(dialog.check())["mask"].correct
    window.model.undo()                                          # the check reads the document's current mask
    assert not dict(dialog.check())["mask"].correct
