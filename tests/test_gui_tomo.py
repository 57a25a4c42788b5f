"""The tomography mode driven through its widgets: open a projection series, align, inspect, save, cancel."""

import h5py
import numpy as np
import pytest
from PyQt6.QtCore import QPoint, QPointF, Qt

from txmalign_gui.engine.tomo.phantom import default_phantom, project
from txmalign_gui.gui.stack_view import ALIGNED

RUN_TIMEOUT_MS = 60_000
COUNT, ROWS, COLS = 60, 32, 64


def phantom_series(seed=0):
    """Transmission projections of the phantom with a known jitter; returns (images, angles, jitter)."""
    rng = np.random.default_rng(seed)
    angles = np.linspace(0, 180, COUNT, endpoint=False)
    jitter = rng.uniform(-4, 4, size=(COUNT, 2))
    jitter -= jitter.mean(axis=0)
    lines = project(default_phantom(ROWS, COLS), angles, ROWS, COLS, shifts=jitter)
    return np.exp(-lines / lines.max() * 2).astype(np.float32), angles, jitter


def sample_motion_removed(found, jitter, angles):
    """What is left of the jitter after the corrections, without the motions no alignment can measure."""
    residual = found[:, :2] + jitter
    residual[:, 0] -= residual[:, 0].mean()
    design = np.column_stack([np.cos(np.deg2rad(angles)), np.sin(np.deg2rad(angles)), np.ones(len(angles))])
    residual[:, 1] -= design @ np.linalg.lstsq(design, residual[:, 1], rcond=None)[0]
    return residual


@pytest.fixture
def window(make_window):
    return make_window((1400, 900))


def click_projection_row(qtbot, win, row):
    """Left-click the projection on screen in the middle of detector row `row`."""
    view = win.view
    point = view.graphics.mapFromScene(view.viewbox.mapViewToScene(QPointF(COLS / 3, row + 0.5)))
    qtbot.mouseClick(view.graphics.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(point.x(), point.y()))


def test_data_exchange_series_is_aligned_shown_and_saved(qtbot, window, tmp_path):
    images, angles, jitter = phantom_series()
    path = tmp_path / "tomo.h5"
    with h5py.File(path, "w") as h5:
        h5["exchange/data"] = images
        h5["exchange/theta"] = angles
    assert window.open_path(str(path))
    tomo = window.tomo
    assert tomo.active and tomo.row_line.isVisible() and tomo.tab_visible()
    assert "60 projections" in tomo.panel.angles_label.text()
    sinograms = tomo.view.sinograms
    np.testing.assert_array_equal(sinograms.pair.image(0), images[:, ROWS // 2, :])
    assert sinograms.pair.image(1) is None and sinograms.pair.titles[0].text() == "As read"

    window.view.set_index(0)
    sinogram_view = sinograms.pair.graphics[0]
    point = sinogram_view.mapFromScene(sinograms.pair.viewboxes[0].mapViewToScene(QPointF(COLS / 2, 7.5)))
    qtbot.mouseClick(sinogram_view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(point.x(), point.y()))
    assert window.view.index == 7
    click_projection_row(qtbot, window, 9)
    assert sinograms.row == 9
    np.testing.assert_array_equal(sinograms.pair.image(0), images[:, 9, :])

    tomo.panel.form.set_value("binning", 1)
    with qtbot.waitSignal(window.runs.finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(tomo.panel.run_button, Qt.MouseButton.LeftButton)
    output = tomo.output
    result = output.result
    assert np.sqrt(np.mean(sample_motion_removed(result.transforms, jitter, angles) ** 2)) < 0.3

    row = result.slice_row  # the sinogram moves to the row of the reconstructed preview slice
    assert sinograms.row == row and f"row {row}" in tomo.view.slices.caption.text()
    np.testing.assert_array_equal(sinograms.pair.image(0), output.projections[:, row, :])
    assert sinograms.pair.titles[0].text() == "Before alignment"
    np.testing.assert_array_equal(sinograms.pair.image(1), output.aligned[:, row, :])
    np.testing.assert_allclose(output.projections, -np.log(images), rtol=1e-5, atol=1e-6)
    sinograms.set_row(20)
    assert tomo.row_line.value() == pytest.approx(20.5)
    np.testing.assert_array_equal(sinograms.pair.image(1), output.aligned[:, 20, :])
    np.testing.assert_array_equal(tomo.view.slices.pair.image(0), result.slice_before)
    np.testing.assert_array_equal(tomo.view.slices.pair.image(1), result.slice_after)
    (_, dy), (plotted_angles, dx) = tomo.view.jitter.curves()
    np.testing.assert_allclose(plotted_angles, angles)
    np.testing.assert_allclose(np.column_stack([dy, dx]), result.transforms[:, :2])
    assert tomo.view.jitter.table.rowCount() == len(result.iterations) > 0
    summary = tomo.view.jitter.summary.text()  # the axis offset and tilt are on show
    assert f"{result.centre_offset:+.2f} px" in summary and f"tilted {result.axis_tilt_deg:+.3f} deg" in summary
    assert window.view.mode == ALIGNED and window.aligned is output.aligned
    assert window.alignment is None and not window.export_aligned_action.isEnabled()
    assert tomo.panel.save_button.isEnabled() and tomo.panel.run_button.isEnabled()

    out = tmp_path / "aligned.h5"
    with qtbot.waitSignal(tomo.saved, timeout=RUN_TIMEOUT_MS):
        tomo.save(str(out))
    with h5py.File(out) as h5:
        np.testing.assert_allclose(h5["transforms"][()], result.transforms)
        np.testing.assert_allclose(h5["angles"][()], angles)
        np.testing.assert_allclose(h5["aligned"][()], output.aligned, equal_nan=True)
        np.testing.assert_allclose(h5["tomo/slice_after"][()], result.slice_after)
        provenance = h5["provenance"][()].decode()
    assert '"method": "tomo"' in provenance and '"centre_offset"' in provenance


def test_a_plain_stack_can_be_aligned_as_tomography_and_cancelled(qtbot, window, tmp_path):
    images, _, _ = phantom_series(seed=1)
    np.save(tmp_path / "projections.npy", images)
    assert window.open_path(str(tmp_path / "projections.npy"))
    tomo = window.tomo
    assert not tomo.active and not tomo.row_line.isVisible() and not tomo.tab_visible()  # no angles: not a series
    tomo.activate()
    assert tomo.active and tomo.row_line.isVisible() and tomo.panel.angle_form.isVisibleTo(tomo.panel)
    assert tomo.tab_visible()
    tomo.panel.angle_form.set_values({"first": -90.0, "last": 90.0})
    tomo.panel.form.set_values({"binning": 1, "iterations": 100, "tolerance": 0.001})
    with qtbot.waitSignal(window.runs.started) as started:
        qtbot.mouseClick(tomo.panel.run_button, Qt.MouseButton.LeftButton)
    np.testing.assert_allclose(started.args[0].angles, np.linspace(-90, 90, COUNT))
    assert tomo.panel.cancel_button.isEnabled() and not tomo.panel.run_button.isEnabled()
    qtbot.waitUntil(lambda: tomo.view.jitter.table.rowCount() >= 1, timeout=RUN_TIMEOUT_MS)
    with qtbot.waitSignal(window.runs.cancelled, timeout=5_000):
        qtbot.mouseClick(tomo.panel.cancel_button, Qt.MouseButton.LeftButton)
    assert tomo.output is None and window.aligned is None
    assert "Cancelled" in tomo.panel.time_label.text()
    assert tomo.panel.run_button.isEnabled() and not tomo.panel.save_button.isEnabled()
    assert tomo.view.sinograms.pair.image(1) is None


def test_large_file_waits_for_the_run_before_showing_sinograms(qtbot, window, tmp_path, monkeypatch):
    from txmalign_gui.gui.tomo import mode

    images, angles, _ = phantom_series()
    with h5py.File(tmp_path / "tomo.h5", "w") as h5:
        h5["exchange/data"] = images
        h5["exchange/theta"] = angles
    monkeypatch.setattr(mode, "_RAW_SINOGRAM_LIMIT_BYTES", images.nbytes - 1)
    assert window.open_path(str(tmp_path / "tomo.h5"))
    pair = window.tomo.view.sinograms.pair
    assert pair.image(0) is None and "too large" in pair.placeholders[0].text()
