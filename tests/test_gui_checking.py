"""The checking tools in the main window, driven through their widgets and synthesised mouse events."""

import numpy as np
import pytest
from PyQt6.QtCore import QEvent, QPointF, Qt
from PyQt6.QtGui import QMouseEvent
from PyQt6.QtTest import QTest
from PyQt6.QtWidgets import QApplication


def drifting_stack(count=7, size=64, seed=3):
    """A blob texture drifting by known whole-pixel shifts; returns (stack, shifts (count, 2))."""
    from scipy import ndimage

    rng = np.random.default_rng(seed)
    base = ndimage.gaussian_filter(rng.random((size, size)), 2.5) + 1.0
    shifts = np.stack([np.arange(count) * 0.8 - 2.0, 2.0 - np.arange(count) * 0.6], axis=1)
    stack = np.stack([ndimage.shift(base, s, order=3, mode="nearest") for s in shifts]).astype(np.float32)
    return stack, shifts


@pytest.fixture
def window(make_window, tmp_path):
    stack, shifts = drifting_stack()
    path = tmp_path / "drift.npy"
    np.save(path, stack)
    win = make_window((1200, 900))
    assert win.open_path(str(path))
    win.truth = shifts
    return win


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
    window.roi_model.set_mask(None)
    window.roi_model.load_dict(state)
    np.testing.assert_array_equal(window.roi_model.mask, expected)


def set_known_alignment(win, transforms):
    """Give the window an alignment with these transforms, as a finished run would."""
    from txmalign_gui.engine.stack import apply_transforms
    from txmalign_gui.gui.alignment import Alignment

    count = len(transforms)
    alignment = Alignment(transforms=np.asarray(transforms, dtype=float), costs=np.zeros(count),
                          confidences=np.ones(count), statuses=("ok",) * count, method="phasecorr",
                          params={}, stack_options={}, anchor=count // 2, seconds=0.0)
    win.model.set(alignment=alignment, aligned=apply_transforms(win.stack.load(), transforms))


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
    assert len(tool.plot.getPlotItem().listDataItems()) == 2 and not tool.markers[0].isVisible()
    tool.table.item(1, 3).setText("30")  # x of the rectangle
    assert tool.probes[1].rect == (10, 14, 30, 35)
    window.model.undo()
    assert tool.probes[1].rect == (10, 14, 40, 45) and tool.markers[1].pos().x() == 40
    window.model.redo()
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


# -- comparison views -------------------------------------------------------------------------------------
def test_compare_views_show_frame_against_anchor_or_chosen_frame(qtbot, window):
    from txmalign_gui.engine.checks import checkerboard

    tool = window.checks.compare
    raw = window.stack.load()
    window.view.set_index(1)
    np.testing.assert_allclose(tool.view.picture(), raw[1] - raw[3], rtol=1e-6)  # no alignment: raw, middle
    assert "raw" in tool.view.title.text().lower()
    set_known_alignment(window, undo_drift(window))
    aligned = window.aligned
    residual = np.nanmean(np.abs(tool.view.picture()))
    assert residual < 0.5 * np.mean(np.abs(raw[1] - raw[3]))
    tool.reference.choose("chosen", 5)
    np.testing.assert_allclose(tool.view.picture(), aligned[1] - aligned[5])
    tool.reference.choose("previous")
    np.testing.assert_allclose(tool.view.picture(), aligned[1] - aligned[0])
    tool.view.set_mode("checkerboard")
    tool.view.tile_spin.setValue(8)
    board = checkerboard(aligned[1], aligned[0], 8)
    np.testing.assert_array_equal(np.isnan(tool.view.picture()), np.isnan(board))
    tool.view.set_mode("overlay")
    assert tool.view.picture().shape == (64, 64, 3)
    tool.view.set_mode("flicker")
    tool.view.rate_spin.setValue(20)
    window.tools.setCurrentWidget(tool)
    first = tool.view.picture().copy()
    qtbot.waitUntil(lambda: not np.array_equal(tool.view.picture(), first, equal_nan=True), timeout=1000)


# -- corrections, manual nudges, undo and redo ------------------------------------------------------------
def test_exclude_interpolate_fit_and_undo(qtbot, window):
    tool = window.checks.corrections
    truth = undo_drift(window)  # linear in the frame index
    wrong = truth.copy()
    wrong[2] += [5.0, -4.0, 0.0]
    set_known_alignment(window, wrong)
    tool.toggle(2)
    assert tool.excluded == {2}
    tool.interpolate()
    np.testing.assert_allclose(window.alignment.transforms, truth, atol=1e-12)
    from txmalign_gui.engine.stack import apply_transforms
    np.testing.assert_allclose(window.aligned[2], apply_transforms(window.stack.load()[2:3], truth[2:3])[0])
    window.model.undo()
    np.testing.assert_allclose(window.alignment.transforms, wrong)
    window.model.redo()
    np.testing.assert_allclose(window.alignment.transforms, truth, atol=1e-12)
    window.model.undo()
    tool.degree_spin.setValue(1)
    tool.fit()
    np.testing.assert_allclose(window.alignment.transforms, truth, atol=1e-9)
    assert window.session_state()["alignment"]["transforms"][2] == pytest.approx(list(truth[2]))


def test_clicking_a_plot_point_excludes_that_frame(qtbot, window):
    tool = window.checks.corrections
    set_known_alignment(window, undo_drift(window))
    window.tools.setCurrentWidget(tool)
    qtbot.wait(50)
    vb = tool.plot.getPlotItem().vb
    vb.setRange(xRange=(-0.5, 6.5), yRange=(-3, 3), padding=0)
    qtbot.wait(20)
    scene_pos = vb.mapViewToScene(QPointF(4.0, float(window.alignment.transforms[4, 0])))
    qtbot.mouseClick(tool.plot.viewport(), Qt.MouseButton.LeftButton, pos=tool.plot.mapFromScene(scene_pos))
    assert tool.excluded == {4} and window.view.index == 4


def test_common_area_crop_is_saved(window, tmp_path):
    import h5py

    tool = window.checks.corrections
    set_known_alignment(window, [[2.0, -3.0, 0.0]] + [[0.0, 0.0, 0.0]] * 6)
    assert tool.find_box() == (2, 64, 0, 61)
    assert tool.save_cropped(str(tmp_path / "cropped.h5"))
    with h5py.File(tmp_path / "cropped.h5") as handle:
        datasets = [name for name, item in handle.items() if getattr(item, "ndim", 0) == 3]
        assert any(handle[name].shape == (7, 62, 61) for name in datasets)


def test_arrow_keys_nudge_the_frame_and_undo_restores_it(qtbot, window):
    tool = window.checks.manual
    set_known_alignment(window, undo_drift(window))
    start = window.alignment.transforms.copy()
    window.view.set_index(1)
    window.tools.setCurrentWidget(tool)
    tool.setFocus()
    before = tool.view.picture().copy()
    qtbot.keyClick(tool, Qt.Key.Key_Right)
    qtbot.keyClick(tool, Qt.Key.Key_Up, Qt.KeyboardModifier.ShiftModifier)
    np.testing.assert_allclose(window.alignment.transforms[1], start[1] + [-1.0, 0.1, 0.0])
    assert tool.spins["dx"].value() == pytest.approx(start[1, 1] + 0.1, abs=1e-3)
    assert not np.allclose(tool.view.picture(), before, equal_nan=True)  # the difference follows live
    tool.spins["angle"].setValue(0.5)
    tool.spins["angle"].editingFinished.emit()
    assert window.alignment.transforms[1, 2] == 0.5
    for _ in range(3):
        window.model.undo()
    np.testing.assert_allclose(window.alignment.transforms, start)
    np.testing.assert_allclose(tool.view.picture(), before, equal_nan=True)
    window.model.redo()
    assert window.alignment.transforms[1, 1] == pytest.approx(start[1, 1] + 0.1)


def test_the_search_band_picks_which_feature_is_tracked(window):
    tool = window.checks.profiles
    tool.set_line((32, 8), (32, 56), width=1)
    everywhere = tool.positions["raw"].copy()
    tool.set_search_window(10, 20)
    assert tool.search_window() == (10, 21)
    inside = tool.positions["raw"]
    assert np.all((inside >= 10) & (inside <= 20))
    np.testing.assert_allclose(inside, np.argmin(tool.profiles["raw"][:, 10:21], axis=1) + 10, atol=1.0)
    assert not np.allclose(inside, everywhere)
