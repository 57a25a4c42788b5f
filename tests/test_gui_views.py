"""Stack browser, results panel, HDF5 chooser and the command-line screenshot mode."""

import h5py
import numpy as np
import pytest
from PyQt6.QtCore import QPointF, Qt

from txmalign_gui import io as txio
from txmalign_gui.engine.result import FAILED, LOW_CONFIDENCE, OK
from txmalign_gui.gui.alignment import Alignment
from txmalign_gui.gui.app import main
from txmalign_gui.gui.contrast import robust_levels
from txmalign_gui.gui.hdf5_dialog import Hdf5Dialog
from txmalign_gui.gui.results_panel import ResultsPanel
from txmalign_gui.gui.stack_view import ALIGNED, MANUAL, RAW, WHOLE_STACK, StackView


def noisy_stack(count=5, hot=True):
    rng = np.random.default_rng(0)
    stack = rng.normal(100, 10, (count, 40, 50)).astype(np.float32)
    stack += np.arange(count, dtype=np.float32)[:, None, None] * 50  # frames differ in brightness
    if hot:
        stack[:, 5, 7] = 1e6
    return stack


@pytest.fixture
def view(owned, qtbot, tmp_path):
    path = tmp_path / "s.npy"
    np.save(path, noisy_stack())
    widget = StackView()
    owned(widget)
    widget.resize(600, 400)
    widget.show()
    widget.set_stack(txio.read_stack(str(path)))
    return widget


def test_robust_levels_ignore_hot_pixels_and_nan():
    frame = noisy_stack(1)[0]
    frame[0, :3] = np.nan
    black, white = robust_levels(frame)
    assert 60 < black < 100 < white < 140


def test_per_frame_and_whole_stack_contrast(view):
    assert view.index == 2
    low, high = view.image_item.levels
    assert high < 1000  # the hot pixel did not stretch the range
    view.set_index(4)
    per_frame = tuple(view.image_item.levels)
    view.set_contrast_mode(WHOLE_STACK)
    whole = tuple(view.image_item.levels)
    assert whole[0] < per_frame[0] - 100  # darker frames widen the whole-stack range
    view.set_index(0)
    assert tuple(view.image_item.levels) == whole
    view.set_contrast_mode(MANUAL)
    view.image_item.setLevels((1, 2))
    view.set_index(1)
    assert tuple(view.image_item.levels) == (1, 2)


def test_navigation_label_cursor_and_play(qtbot, view):
    view.frame_spin.setValue(3)
    assert view.slider.value() == 3 and "Frame 3" in view.frame_label.text()
    scene_pos = view.viewbox.mapViewToScene(QPointF(7.5, 5.5))
    view._mouse_moved(scene_pos)
    assert view.cursor_label.text().startswith("x 7, y 5") and "1e+06" in view.cursor_label.text()
    view.activateWindow()
    view.graphics.setFocus()
    view.set_index(0)
    qtbot.keyClick(view.graphics, Qt.Key.Key_Right)
    assert view.index == 1
    qtbot.keyClick(view.graphics, Qt.Key.Key_PageDown)
    assert view.index == 4  # ten frames on, clamped to the last one
    qtbot.keyClick(view.graphics, Qt.Key.Key_Left)
    assert view.index == 3
    view.fps_spin.setValue(50)
    view.play_button.setChecked(True)
    qtbot.waitUntil(lambda: view.index == 0, timeout=2000)  # wrapped around the end
    view.play_button.setChecked(False)


def test_raw_and_aligned_views(view):
    assert not view.aligned_button.isEnabled()
    aligned = noisy_stack(hot=False) * 0 + 7
    aligned[:, :, :2] = np.nan
    view.set_aligned(aligned)
    assert view.mode == ALIGNED and np.nanmax(view.current_frame()) == 7
    view.raw_button.click()
    assert view.mode == RAW and np.nanmax(view.current_frame()) > 1000


def test_roi_button_edits_the_shared_model(view):
    view.roi_button.setChecked(True)
    assert view.roi_model.roi == (10, 30, 12, 38)
    view.roi_model.set_roi((0, 20, 0, 25))
    assert tuple(view._roi_item.pos()) == (0, 0)
    view.roi_button.setChecked(False)
    assert view.roi_model.roi is None


def alignment(statuses):
    count = len(statuses)
    transforms = np.column_stack([np.arange(count) * 0.5, -np.arange(count) * 0.25, np.zeros(count)])
    return Alignment(transforms=transforms, costs=np.linspace(0.1, 1, count),
                     confidences=np.array([0.9 if s == OK else 0.2 for s in statuses]),
                     statuses=tuple(statuses), method="phasecorr", params={}, stack_options={}, anchor=0,
                     seconds=1.0, messages=("pair 3-4 disagrees by 2.1 px",))


def test_results_highlight_poor_frames_and_jump_on_click(owned, qtbot):
    panel = ResultsPanel()
    owned(panel)
    panel.resize(900, 300)
    panel.show()
    panel.set_axes(5, energies=np.linspace(7100, 7140, 5))
    panel.show_alignment(alignment([OK, LOW_CONFIDENCE, OK, FAILED, OK]))
    assert "2 poor frame" in panel.summary.text() and "pair 3-4 disagrees" in panel.summary.text()
    assert panel.table.item(3, 7).text() == "failed"
    assert panel.table.item(3, 0).background().color().red() == 255
    panel.select_poor_frames()
    assert panel.selected_frames() == [1, 3]
    with qtbot.waitSignal(panel.rerun_requested) as signal:
        panel.rerun_button.click()
    assert signal.args == [[1, 3]]
    x, y = panel.dy_curve.getData()
    np.testing.assert_allclose(x, np.linspace(7100, 7140, 5))
    panel.plots.resize(600, 250)
    scene_pos = panel.shift_plot.vb.mapViewToScene(QPointF(7121, 0.5))
    with qtbot.waitSignal(panel.frame_selected) as signal:
        panel._plot_clicked(type("Click", (), {"scenePos": lambda self: scene_pos})())
    assert signal.args == [2]


def test_results_fill_in_live_and_revert_when_cancelled(owned, qtbot):
    from txmalign_gui.engine.result import RegistrationResult
    from txmalign_gui.engine.transform import Transform

    panel = ResultsPanel()
    owned(panel)
    panel.set_axes(4)
    panel.start_live(4)
    assert not panel.rerun_button.isEnabled()
    panel.add_live(2, RegistrationResult(Transform(1.0, 2.0), 0.1, "phasecorr", {}, 0.01))
    qtbot.waitUntil(lambda: panel.dy_curve.getData()[0] is not None and len(panel.dy_curve.getData()[0]))
    x, y = panel.dy_curve.getData()
    assert list(x) == [2.0] and list(y) == [1.0]
    panel.stop_live()
    assert len(panel.dy_curve.getData()[0] or []) == 0


def test_hdf5_dialog_lists_the_tree_and_picks_energies(owned, qtbot, tmp_path):
    path = tmp_path / "scan.h5"
    with h5py.File(path, "w") as handle:
        handle["exchange/data"] = np.zeros((6, 16, 16), np.uint16)
        handle["exchange/data_white"] = np.zeros((2, 16, 16), np.uint16)
        handle["measurement/energy"] = np.linspace(8.3, 8.4, 6)
        handle["measurement/other"] = np.zeros(3)
    dialog = Hdf5Dialog(str(path))
    owned(dialog)
    assert dialog.dataset() == "/exchange/data"
    assert dialog.tree.currentItem().text(1) == "6 x 16 x 16"
    assert dialog.energies_dataset() == "/measurement/energy"
    dialog.select_dataset("/exchange/data_white")
    assert dialog.energy_combo.count() == 1 and dialog.energies_dataset() is None


def test_screenshot_mode_opens_a_file_and_saves_a_picture(qt_paths, tmp_path):
    stack = tmp_path / "s.npy"
    np.save(stack, noisy_stack())
    picture = tmp_path / "window.png"
    assert main(["--open", str(stack), "--screenshot", str(picture)]) == 0
    from PyQt6.QtGui import QImage

    image = QImage(str(picture))
    assert image.width() >= 1000 and image.height() >= 600


def test_param_tooltips_reach_the_method_panel(owned, qtbot):
    from txmalign_gui.engine.methods import available_methods
    from txmalign_gui.gui.method_panel import MethodPanel

    panel = MethodPanel()
    owned(panel)
    for spec in available_methods():
        panel.method_combo.setCurrentIndex(panel.method_combo.findData(spec.name))
        assert panel.method() == spec.name
        first = next(iter(spec.params))
        assert panel.method_form().editor(first.name).toolTip() == first.help
        assert set(panel.params()) <= {p.name for p in spec.params}
