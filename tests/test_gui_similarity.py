"""Similarity (magnification) results in the app: a XANES stack with a magnification ramp aligned through the
widgets shows its scale in the table and the plots, survives corrections, and a saved session restores it."""

import numpy as np
import pytest
from PyQt6.QtCore import Qt

from txmalign_gui.engine.synthetic import synthetic_xanes
from txmalign_gui.gui.main_window import MainWindow
from txmalign_gui.gui.settings import AppSettings

RUN_TIMEOUT_MS = 60_000
RAMP = 0.02  # 2 % magnification change across the scan, enough to see on 96 px frames


@pytest.fixture(scope="module")
def ramp():
    return synthetic_xanes(n_images=8, size=96, jitter=3.0, magnification=RAMP, seed=1)


@pytest.fixture
def aligned(make_window, qtbot, tmp_path, ramp):
    """A window that opened the ramp stack (with its energies) and aligned it with TVDM as similarities."""
    path = tmp_path / "ramp.npy"
    np.save(path, ramp.images.astype(np.float32))
    window = make_window((1366, 768))
    assert window.open_path(str(path))
    window.set_stack(window.stack.with_energies(ramp.energies))
    panel = window.panel
    panel.method_combo.setCurrentIndex(panel.method_combo.findData("tvdm"))
    transform = panel.stack_form.editor("transform")
    transform.setCurrentIndex(transform.findText("similarity"))
    with qtbot.waitSignal(window.runs.finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    assert window.alignment is not None and window.alignment.kind == "similarity"
    return window


def headers(table):
    return [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]


def test_table_and_plots_show_the_recovered_scale(aligned, ramp, qtbot):
    window = aligned
    scales = window.alignment.transforms[:, 3]
    truth = ramp.transforms[:, 3]
    assert np.abs(scales - truth).max() < 0.01  # the ramp is found (engine accuracy is tested elsewhere;
    # on these tiny 96 px noisy frames TVDM is within 0.62 %)
    assert scales[0] - scales[-1] > RAMP / 2  # and its direction: the first frame is enlarged the most
    table = window.results.table
    names = headers(table)
    assert "Scale %" in names and "Shear %" not in names
    column = names.index("Scale %")
    shown = [float(table.item(row, column).text()) for row in range(table.rowCount())]
    np.testing.assert_allclose(shown, (scales - 1) * 100, atol=6e-4)
    assert window.results.scale_plot.isVisible()
    x, y = window.results.scale_curve.getData()
    np.testing.assert_allclose(y, (scales - 1) * 100)
    np.testing.assert_allclose(x, ramp.energies)
    # every column fits on a 1366 px screen: no horizontal scrolling
    window.results.table.horizontalScrollBar().setValue(0)
    assert window.results.table.horizontalScrollBar().maximum() == 0

    corrections = window.checks.corrections
    window.tools.setCurrentWidget(corrections)
    _, plotted = corrections.scatter["scale"].getData()
    np.testing.assert_allclose(plotted, (scales - 1) * 100)
    right = corrections.plot.getPlotItem().getAxis("right")
    assert right.isVisible() and "scale" in right.labelText  # on its own axis, not squashed by the shifts
    qtbot.wait(50)  # the view ranges itself when drawn
    low, high = corrections.scale_view.viewRange()[1]
    assert low <= plotted.min() and plotted.max() <= high and high - low < 5 * np.ptp(plotted)


def test_corrections_and_manual_edits_keep_the_scale(aligned):
    window = aligned
    start = window.alignment.transforms.copy()
    corrections = window.checks.corrections
    corrections.toggle(3)
    corrections.interpolate()
    after = window.alignment.transforms
    assert after.shape == start.shape
    np.testing.assert_allclose(after[3, 3], (start[2, 3] + start[4, 3]) / 2, atol=1e-9)  # scale interpolated
    np.testing.assert_array_equal(np.delete(after, 3, axis=0), np.delete(start, 3, axis=0))
    window.model.undo()
    np.testing.assert_array_equal(window.alignment.transforms, start)

    manual = window.checks.manual
    window.view.set_index(1)
    window.tools.setCurrentWidget(manual)
    assert manual.spins["scale"].isVisible()
    assert manual.spins["scale"].value() == pytest.approx((start[1, 3] - 1) * 100, abs=1e-3)
    manual.nudge(0.0, 1.0, 0.1)
    np.testing.assert_allclose(window.alignment.transforms[1], start[1] + [0.0, 0.1, 0.0, 0.0])
    manual.spins["scale"].setValue(1.5)
    manual.spins["scale"].editingFinished.emit()
    assert window.alignment.transforms[1, 3] == pytest.approx(1.015)
    assert window.alignment.transforms[1, 1] == start[1, 1] + 0.1  # untouched values stay exact


def test_saved_session_restores_the_similarity_alignment(aligned, owned, qtbot, gui_settings, tmp_path):
    window = aligned
    session = str(tmp_path / "ramp.txmas")
    assert window.write_session(session)
    other = owned(MainWindow(AppSettings(gui_settings), autosave_path=str(tmp_path / "other.txmas")))
    other.resize(1366, 768)
    other.show()
    with qtbot.waitSignal(other.runs.finished, timeout=RUN_TIMEOUT_MS):
        assert other.open_path(session)
    np.testing.assert_array_equal(other.alignment.transforms, window.alignment.transforms)
    assert other.alignment.kind == "similarity"
    np.testing.assert_allclose(other.aligned, window.aligned, atol=1e-6, equal_nan=True)
    assert "Scale %" in headers(other.results.table)
    assert other.panel.stack_options()["transform"] == "similarity"


def test_scale_and_shear_of_known_tables_and_repairs_of_wide_tables():
    from txmalign_gui.engine.checks import interpolate_excluded, smooth_fit
    from txmalign_gui.engine.transform import Affine, Similarity, as_table
    from txmalign_gui.gui.alignment import scale_and_shear

    rigid = np.array([[1.0, 2.0, 0.5]])
    assert np.isnan(scale_and_shear(rigid)).all()
    scale, shear = scale_and_shear(as_table([Similarity(1.0, 2.0, 3.0, 1.01)]))
    assert scale[0] == pytest.approx(1.0) and np.isnan(shear[0])
    rotated = Similarity(0.0, 0.0, 20.0, 1.02).as_affine()  # a similarity written as an affine has no shear
    stretched = Affine(0.0, 0.0, 1.01, 0.0, 0.0, 0.99)  # rows +1 %, columns -1 %
    sheared = Affine(0.0, 0.0, 1.0, 0.02, 0.0, 1.0)
    scale, shear = scale_and_shear(as_table([rotated, stretched, sheared]))
    np.testing.assert_allclose(scale, [2.0, (np.sqrt(1.01 * 0.99) - 1) * 100, 0.0], atol=1e-9)
    np.testing.assert_allclose(shear, [0.0, 1.0, 1.0 / np.hypot(1.0, 0.01)], atol=1e-9)

    for width in (4, 6):
        table = np.linspace(0.0, 1.0, 5)[:, None] * np.arange(1, width + 1) + 1.0
        wrong = table.copy()
        wrong[2] += 0.3
        np.testing.assert_allclose(interpolate_excluded(wrong, [2]), table)
        np.testing.assert_allclose(smooth_fit(wrong, [2], degree=1), table)


def test_affine_results_show_scale_and_shear_and_keep_their_matrix(make_window, tmp_path):
    from txmalign_gui.engine.stack import apply_transforms
    from txmalign_gui.engine.transform import Affine, as_table
    from txmalign_gui.gui.alignment import Alignment

    stack = synthetic_xanes(n_images=5, size=64, jitter=2.0, seed=4).images.astype(np.float32)
    np.save(tmp_path / "small.npy", stack)
    window = make_window((1366, 768))
    assert window.open_path(str(tmp_path / "small.npy"))
    table = as_table([Affine(0.5 * i, -0.2 * i, 1.0 + 0.002 * i, 0.004 * i, 0.0, 1.0) for i in range(5)])
    alignment = Alignment(transforms=table, costs=np.zeros(5), confidences=np.ones(5), statuses=("ok",) * 5,
                          method="tvdm", params={}, stack_options={}, anchor=0, seconds=0.0)
    window.model.set(alignment=alignment, aligned=apply_transforms(stack, table))
    names = headers(window.results.table)
    assert names[4:7] == ["Angle °", "Scale %", "Shear %"]
    shear_item = window.results.table.item(3, names.index("Shear %"))
    assert float(shear_item.text()) > 0.1 and "0.01200" in shear_item.toolTip()  # a12 of frame 3 in the matrix
    manual = window.checks.manual
    window.view.set_index(3)
    window.tools.setCurrentWidget(manual)
    assert not manual.spins["angle"].isVisible() and not manual.spins["scale"].isVisible()
    manual.nudge(1.0, 0.0, 1.0)
    np.testing.assert_allclose(window.alignment.transforms[3], table[3] + [1.0, 0, 0, 0, 0, 0])
    window.checks.corrections.toggle(2)
    window.checks.corrections.interpolate()
    np.testing.assert_allclose(window.alignment.transforms[2, 2:], (table[1, 2:] + table[3, 2:]) / 2)
