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


def set_known_alignment(win, transforms):
    """Give the window an alignment with these transforms, as a finished run would."""
    from txmalign_gui.engine.stack import apply_transforms
    from txmalign_gui.gui.alignment import Alignment

    count = len(transforms)
    win.alignment = Alignment(transforms=np.asarray(transforms, dtype=float), costs=np.zeros(count),
                              confidences=np.ones(count), statuses=("ok",) * count, method="phasecorr",
                              params={}, stack_options={}, anchor=count // 2, seconds=0.0)
    win.aligned = apply_transforms(win.stack.load(), transforms)
    win.view.set_aligned(win.aligned)
    win.results.show_alignment(win.alignment)
    win.alignment_changed.emit(win.alignment)


def undo_drift(win):
    """Transforms that move every frame back onto the middle one (the inverse of the known drift)."""
    shifts = win.truth - win.truth[len(win.truth) // 2]
    return np.column_stack([-shifts, np.zeros(len(shifts))])


# -- spectra ----------------------------------------------------------------------------------------------
def test_spectra_of_points_and_rectangles_match_the_arrays(qtbot, window, tmp_path):
    tool = window.checks.spectra
    raw = window.stack.load()
    set_known_alignment(window, undo_drift(window))
    point = tool.add_point(20, 31)
    rect = tool.add_region((10, 14, 40, 45))
    np.testing.assert_allclose(tool.spectrum(point, "raw"), raw[:, 20, 31])
    np.testing.assert_allclose(tool.spectrum(point, "aligned"), window.aligned[:, 20, 31])
    np.testing.assert_allclose(tool.spectrum(rect, "raw"), raw[:, 10:14, 40:45].mean(axis=(1, 2)), rtol=1e-6)
    tool.statistic_combo.setCurrentText("max")
    np.testing.assert_allclose(tool.spectrum(rect, "aligned"), np.nanmax(window.aligned[:, 10:14, 40:45], axis=(1, 2)))
    tool.absorbance_check.setChecked(True)
    np.testing.assert_allclose(tool.spectrum(point, "raw"), -np.log(raw[:, 20, 31]), rtol=1e-6)
    assert len(tool.plot.getPlotItem().listDataItems()) == 4  # raw and aligned for both
    assert tool.table.rowCount() == 2 and tool.table.item(1, 5).text() == "5"
    tool.table.item(0, 0).setCheckState(Qt.CheckState.Unchecked)
    assert len(tool.plot.getPlotItem().listDataItems()) == 2 and not point.marker.isVisible()
    tool.table.item(1, 3).setText("30")  # x of the rectangle
    assert rect.rect == (10, 14, 30, 35)
    assert tool.export_csv(str(tmp_path / "spectra.csv"))
    table = np.genfromtxt(tmp_path / "spectra.csv", delimiter=",", names=True)
    assert table.dtype.names[0] == "Frame" and len(table) == 7
    expected = -np.log(raw[:, 10:14, 30:35].max(axis=(1, 2)))  # -ln of the region's statistic
    np.testing.assert_allclose(table[table.dtype.names[1]], expected, rtol=1e-6)


def test_clicking_the_image_adds_a_point_and_mask_regions_work(qtbot, window):
    tool = window.checks.spectra
    tool.point_button.click()
    click_pixel(qtbot, window, 12, 50)
    assert [p.rect for p in tool.probes] == [(12, 13, 50, 51)]
    window.checks.roi_mask.draw_buttons["brush"].click()  # taking the pointer releases the spectra tool
    assert not tool.point_button.isChecked()
    region = np.zeros((64, 64), bool)
    region[5:9, 6:8] = True
    window.roi_model.set_mask(~region)
    probe = tool.add_mask_probe()
    raw = window.stack.load()
    np.testing.assert_allclose(tool.spectrum(probe, "raw"), raw[:, 5:9, 6:8].mean(axis=(1, 2)), rtol=1e-6)


# -- line profiles ----------------------------------------------------------------------------------------
def test_profiles_match_the_arrays_and_drift_shrinks_after_aligning(qtbot, window):
    from txmalign_gui.engine.checks import line_profile

    tool = window.checks.profiles
    tool.set_line((32, 8), (32, 56), width=1)
    raw = window.stack.load()
    assert tool.endpoints() == ((32.0, 8.0), (32.0, 56.0))
    np.testing.assert_allclose(tool.profiles["raw"], raw[:, 32, 8:57], rtol=1e-6)
    assert "aligned" not in tool.profiles
    drift_before = tool.drift("raw")
    set_known_alignment(window, undo_drift(window))
    tool.width_spin.setValue(3)
    np.testing.assert_allclose(tool.profiles["aligned"][2], line_profile(window.aligned[2], (32, 8), (32, 56), 3))
    np.testing.assert_allclose(tool.profiles["raw"][0], raw[0, 31:34, 8:57].mean(axis=0), rtol=1e-6)
    for feature in ("min", "max"):
        tool.feature_combo.setCurrentIndex(tool.feature_combo.findData(feature))
        assert tool.drift("aligned") < 0.3 < 1.0 < tool.drift("raw")
    assert drift_before > 1.0
    assert "aligned" in tool.drift_label.text()


def test_dragging_on_the_image_draws_the_line(qtbot, window):
    tool = window.checks.profiles
    tool.draw_button.click()
    drag_pixels(qtbot, window, [(10, 5), (20, 20), (30, 40)])
    (r0, c0), (r1, c1) = tool.endpoints()
    assert abs(r0 - 10) < 0.6 and abs(c0 - 5) < 0.6 and abs(r1 - 30) < 0.6 and abs(c1 - 40) < 0.6
    assert tool.profiles["raw"].shape[0] == 7 and not tool.draw_button.isChecked()
