"""The correlative mode driven through its widgets: landmarks clicked with synthesised mouse events, moved
and deleted, residuals in the table, refinement in the background, overlay, export and the session."""

import json

import h5py
import numpy as np
import pytest
import tifffile
from correlative_pairs import errors, pair
from PyQt6.QtCore import Qt

CLICKS = [[30, 40], [125, 50], [110, 130], [50, 120]]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("correlative_gui")
    xray, em, truth = pair("astronaut", scale=0.45, angle=-15.0, seed=21)
    tifffile.imwrite(folder / "xray.tif", xray.astype(np.float32))
    tifffile.imwrite(folder / "em.tif", em)
    tifffile.imwrite(folder / "stack.tif", np.stack([xray, xray]).astype(np.float32))
    return folder, truth, xray.shape


def click(qtbot, view, row, col, button=Qt.MouseButton.LeftButton, scene_pos=None):
    scene_pos = view.pixel_scene_pos(row, col) if scene_pos is None else scene_pos
    qtbot.mouseClick(view.graphics.viewport(), button, pos=view.graphics.mapFromScene(scene_pos))


@pytest.fixture
def mode(make_window, files, qtbot):
    folder, _, _ = files
    win = make_window(size=(1366, 768))
    mode = win.correlative
    mode.view.resize(1300, 740)
    mode.view.show()
    qtbot.waitExposed(mode.view)
    assert mode.open_xray(str(folder / "xray.tif")) and mode.open_em(str(folder / "em.tif"))
    return mode


def click_landmarks(qtbot, mode, truth, clicks=CLICKS):
    for point in clicks:
        click(qtbot, mode.view.xray_view, *point)
        em_point = truth.inverse().apply(point)[0]
        click(qtbot, mode.view.em_view, *em_point)


def test_clicked_landmarks_fit_the_map_with_residuals(mode, files, qtbot):
    _, truth, shape = files
    click_landmarks(qtbot, mode, truth)
    model, table = mode.model, mode.view.panel.table
    assert len(model.pairs) == 4 and all(x is not None and e is not None for x, e in model.pairs)
    assert np.allclose(model.pairs[0][0], CLICKS[0], atol=0.6)  # a click lands on the pixel under the mouse
    scale_error, angle_error, shift_error = errors(model.fit.point_map, truth, shape)
    assert abs(scale_error) < 1.0 and abs(angle_error) < 0.5 and shift_error < 1.0
    assert table.rowCount() == 4 and float(table.item(0, 3).text()) < 1.0
    assert "scale 0.4" in mode.view.panel.fit_label.text()
    assert len(mode.view.xray_view.markers) == 4 and len(mode.view.xray_view.predicted) == 4


def test_markers_move_and_right_click_deletes_a_pair(mode, files, qtbot):
    _, truth, _ = files
    click_landmarks(qtbot, mode, truth)
    marker = next(m for m in mode.view.xray_view.markers if m.pair_index == 2)
    marker.setPos(marker.pos() + type(marker.pos())(6.0, 0.0))  # dragged 6 px to the right
    marker.sigPositionChangeFinished.emit(marker)
    assert mode.model.pairs[2][0][1] == pytest.approx(CLICKS[2][1] + 6, abs=0.6)
    distances = mode.model.fit.distances
    assert int(np.argmax(distances)) == 2 and distances[2] > 3
    assert mode.view.panel.table.item(2, 3).toolTip()  # the largest residual is pointed out
    click(qtbot, mode.view.em_view, 0, 0, Qt.MouseButton.RightButton, mode.view.em_view.marker_scene_pos(2))
    assert len(mode.model.pairs) == 3 and mode.view.panel.table.rowCount() == 3


def test_collinear_landmarks_say_why_there_is_no_fit(mode, files, qtbot):
    _, truth, _ = files
    click_landmarks(qtbot, mode, truth, [[20, 20], [60, 60], [100, 100]])
    assert mode.model.fit is None and "one line" in mode.view.panel.fit_label.text()


def test_refine_in_the_background_then_overlay_and_export(mode, files, qtbot, tmp_path):
    _, truth, shape = files
    click_landmarks(qtbot, mode, truth)
    qtbot.mouseClick(mode.view.panel.refine_button, Qt.MouseButton.LeftButton)
    assert not mode.view.panel.refine_button.isEnabled()
    qtbot.waitUntil(lambda: mode.model.output is not None, timeout=60000)
    result = mode.model.output.result
    scale_error, angle_error, shift_error = errors(result.point_map, truth, shape)
    assert result.status == "ok" and abs(scale_error) < 0.2 and abs(angle_error) < 0.2 and shift_error < 0.5
    assert "ok" in mode.view.panel.result_label.text()

    view = mode.view
    view.tabs.setCurrentWidget(view.overlay)
    overlay = view.overlay
    assert overlay.top.image.shape == shape
    overlay.opacity.setValue(20)
    assert overlay.top.opacity() == pytest.approx(0.2)
    overlay.checker.setChecked(True)
    assert not overlay.top.isVisible()
    board = overlay.base.image
    tile = overlay.tile.value()
    assert not np.allclose(board[:tile, :tile], board[:tile, tile:2 * tile])

    out = tmp_path / "overlay.h5"
    with qtbot.waitSignal(mode.saved, timeout=20000):
        mode.export(str(out))
    with h5py.File(out, "r") as handle:
        assert np.allclose(handle["correlative/matrix"][()], result.point_map.matrix)
        assert json.loads(handle["provenance"][()])["program"] == "txmalign-gui"
        assert handle["correlative/landmarks_xray"].shape == (4, 2)


def test_landmarks_and_result_are_kept_in_the_session(make_window, files, qtbot, tmp_path):
    folder, truth, shape = files
    win = make_window()
    assert win.open_path(str(folder / "stack.tif"))
    mode = win.correlative
    mode.show()
    assert mode.model.xray_frame == win.view.index and mode.model.xray.shape == shape
    assert mode.open_em(str(folder / "em.tif"))
    click_landmarks(qtbot, mode, truth)
    mode.model.set_output(mode.current_output())  # the landmark fit as the result, as an export would take it
    session = tmp_path / "s.txmas"
    assert win.write_session(str(session))
    pairs = [list(map(list, p)) for p in mode.model.pairs]

    other = make_window(autosave="other.txmas")
    assert other.open_session(str(session))
    restored = other.correlative.model
    assert restored.em is not None and restored.xray_frame == win.view.index
    assert np.allclose(np.array(restored.pairs, float), np.array(pairs, float))
    assert restored.fit is not None and np.allclose(restored.fit.point_map.matrix, mode.model.fit.point_map.matrix)
    assert restored.output is not None and restored.output.result.status == mode.model.output.result.status
    assert np.allclose(restored.output.resampled, mode.model.output.resampled, equal_nan=True)


def test_a_file_that_cannot_be_read_is_one_message(mode, tmp_path):
    bad = tmp_path / "bad.tif"
    bad.write_bytes(b"not a tiff")
    assert not mode.open_em(str(bad))
    assert "Could not open bad.tif" in mode.view.panel.progress_label.text()
    assert mode.model.em is not None  # the previous EM image stays


def test_the_menu_opens_the_window_and_its_help(make_window, qtbot):
    win = make_window()
    mode = win.correlative
    mode.open_action.trigger()
    assert mode.view.isVisible() and mode.model.xray is None
    assert "Open an X-ray stack" not in mode.view.panel.progress_label.text()
    help_action = next(a for a in win.menuBar().actions() if a.text() == "&Correlative").menu().actions()[1]
    help_action.trigger()
    assert win.help.viewer.current == "correlative"


def test_cancel_keeps_the_previous_state(mode, qtbot):
    qtbot.mouseClick(mode.view.panel.refine_button, Qt.MouseButton.LeftButton)  # no landmarks: a full search
    assert mode.view.panel.cancel_button.isEnabled()
    with qtbot.waitSignal(mode.window.runs.cancelled, timeout=30000):
        qtbot.mouseClick(mode.view.panel.cancel_button, Qt.MouseButton.LeftButton)
    assert mode.model.output is None and "Cancelled" in mode.view.panel.progress_label.text()
    assert mode.view.panel.refine_button.isEnabled()
