"""The checking tools in the main window, driven through their widgets and synthesised mouse events."""

import numpy as np
import pytest
from PyQt6.QtCore import QEvent, QPointF, Qt
from PyQt6.QtGui import QMouseEvent
from PyQt6.QtTest import QTest
from PyQt6.QtWidgets import QApplication

from txmalign_gui.gui.main_window import MainWindow
from txmalign_gui.gui.settings import AppSettings


def drifting_stack(count=7, size=64, seed=3):
    """A blob texture drifting by known whole-pixel shifts; returns (stack, shifts (count, 2))."""
    from scipy import ndimage

    rng = np.random.default_rng(seed)
    base = ndimage.gaussian_filter(rng.random((size, size)), 2.5) + 1.0
    shifts = np.stack([np.arange(count) * 0.8 - 2.0, 2.0 - np.arange(count) * 0.6], axis=1)
    stack = np.stack([ndimage.shift(base, s, order=3, mode="nearest") for s in shifts]).astype(np.float32)
    return stack, shifts


@pytest.fixture
def window(owned, qtbot, gui_settings, tmp_path):
    stack, shifts = drifting_stack()
    path = tmp_path / "drift.npy"
    np.save(path, stack)
    win = MainWindow(AppSettings(gui_settings), autosave_path=str(tmp_path / "autosave.txmas"))
    owned(win)
    win.resize(1200, 900)
    win.show()
    assert win.open_path(str(path))
    win.truth = shifts
    yield win
    win.runs.cancel()
    win.runs.wait()


def view_point(win, row, col):
    """The viewport position of the centre of pixel (row, col) of the main image."""
    view = win.view
    scene = view.viewbox.mapViewToScene(QPointF(col + 0.5, row + 0.5))
    return view.graphics.mapFromScene(scene)


def click_pixel(qtbot, win, row, col, double=False):
    """A left click on pixel (row, col); `double` sends what a real double click sends."""
    viewport, pos = win.view.graphics.viewport(), view_point(win, row, col)
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=pos)
    if double:  # Qt delivers the second press of a double click as a MouseButtonDblClick event
        event = QMouseEvent(QEvent.Type.MouseButtonDblClick, QPointF(pos), QPointF(viewport.mapToGlobal(pos)),
                            Qt.MouseButton.LeftButton, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(viewport, event)
        QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=pos)


def drag_pixels(qtbot, win, points):
    """Press on the first pixel, move through the others, release on the last."""
    viewport = win.view.graphics.viewport()
    positions = [view_point(win, r, c) for r, c in points]
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, pos=positions[0])
    for pos in positions[1:]:
        QTest.mouseMove(viewport, pos)
        qtbot.wait(5)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=positions[-1])


# -- ROI and mask -----------------------------------------------------------------------------------------
def test_roi_numbers_follow_the_model_and_edit_it(window):
    tool = window.checks.roi_mask
    tool.roi_check.click()
    assert window.roi_model.roi == (16, 48, 16, 48)
    assert tool.roi_spins["width"].value() == 32
    tool.roi_spins["x0"].setValue(5)
    tool.roi_spins["height"].setValue(20)
    tool.roi_spins["height"].editingFinished.emit()
    assert window.roi_model.roi == (16, 36, 5, 37)
    tool.roi_check.click()
    assert window.roi_model.roi is None


def test_brush_drag_and_polygon_clicks_draw_the_mask(qtbot, window):
    tool = window.checks.roi_mask
    tool.radius_spin.setValue(2)
    tool.draw_buttons["brush"].click()
    drag_pixels(qtbot, window, [(10, 10), (10, 14), (10, 20)])
    ignored = ~window.roi_model.mask
    assert ignored[10, 10] and ignored[10, 20] and ignored[11, 15] and not ignored[20, 20]
    assert not ignored[13, 15]  # radius 2 around row 10
    tool.draw_buttons["erase"].click()
    click_pixel(qtbot, window, 10, 20)
    assert window.roi_model.mask[10, 20]
    tool.draw_buttons["polygon"].click()
    for row, col in ((30, 30), (30, 40)):
        click_pixel(qtbot, window, row, col)
    qtbot.wait(600)  # not a double click
    click_pixel(qtbot, window, 40, 40, double=True)
    ignored = ~window.roi_model.mask
    assert ignored[32, 38] and not ignored[38, 32]  # the triangle's side of the diagonal
    tool.draw_buttons["polygon"].click()
    assert window.checks.canvas.user is None


def test_threshold_invert_clear_and_mask_file_round_trip(window, tmp_path):
    tool = window.checks.roi_mask
    frame = window.view.current_frame()
    tool.threshold_side.setCurrentIndex(1)
    tool.threshold_value.setValue(float(np.median(frame)))
    value = tool.threshold_value.value()
    tool._threshold()
    np.testing.assert_array_equal(window.roi_model.mask, frame < value)  # "above" ignores >= value
    tool._invert()
    np.testing.assert_array_equal(window.roi_model.mask, frame >= value)
    expected = window.roi_model.mask.copy()
    for name in ("mask.tif", "mask.npy"):
        assert tool.save(str(tmp_path / name))
        tool._clear()
        assert window.roi_model.mask is None
        assert tool.load(str(tmp_path / name))
        np.testing.assert_array_equal(window.roi_model.mask, expected)
    state = window.session_state()["roi_mask"]
    window.roi_model.clear()
    window.roi_model.load_dict(state)
    np.testing.assert_array_equal(window.roi_model.mask, expected)
