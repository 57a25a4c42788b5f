"""The XANES parts of the app on the synthetic example: I0 choices and edge normalisation in the Spectra
tab, spectra into HDF5, plot export, the raw-vs-aligned maps and the GIF movie."""

import h5py
import numpy as np
import pytest

from txmalign_gui.engine.synthetic import EDGE_A_EV, EDGE_B_EV
from txmalign_gui.gui.alignment import Alignment
from txmalign_gui.io.example import write_example


@pytest.fixture(scope="module")
def example_file(tmp_path_factory):
    return str(write_example(str(tmp_path_factory.mktemp("xanes") / "example.h5")))


@pytest.fixture
def window(make_window, example_file):
    win = make_window((1366, 768))
    assert win.open_path(example_file)
    with h5py.File(example_file, "r") as handle:
        truth = handle["truth_transforms"][()]
    align_with(win, truth)
    return win


def align_with(win, transforms):
    """Give the window the true alignment (flat-field corrected), as a finished run would."""
    from txmalign_gui.engine.stack import apply_transforms

    count = len(transforms)
    alignment = Alignment(transforms=np.asarray(transforms, float), costs=np.zeros(count),
                          confidences=np.ones(count), statuses=("ok",) * count, method="tvdm", params={},
                          stack_options={}, anchor=count // 2, seconds=0.0, prepare={"flat_field": True})
    raw = win.prepared.images(win.model.stack, alignment.prepare)
    win.model.set(alignment=alignment, aligned=apply_transforms(raw, transforms))


def particle_rect(win):
    """A 4 x 4 rectangle of the aligned example where phase A is thick (from the synthetic truth)."""
    from txmalign_gui.engine.synthetic import synthetic_xanes

    phases = synthetic_xanes(n_images=101, size=128, seed=0).phases
    score = phases[0] - phases[1]
    from scipy import ndimage
    smooth = ndimage.uniform_filter(score, 4)
    y, x = np.unravel_index(np.argmax(smooth), smooth.shape)
    return (y - 2, y + 2, x - 2, x + 2)


def test_od_normalisation_and_edge_energy_in_the_spectra_tab(window, tmp_path):
    tool = window.checks.spectra
    rect = tool.add_region(particle_rect(window), name="particle")
    tool.source_combo.setCurrentIndex(1)  # aligned only
    tool.absorbance_check.setChecked(True)
    od = tool.spectrum(rect, "aligned")
    assert np.all(od > 0) and od.max() - od.min() > 0.3       # flat-fielded: a real, positive OD
    tool.xanes.normalize_check.setChecked(True)
    tool.xanes.set_ranges((7690, 7703), (7770, 7790))
    result = tool.xanes.results["particle (aligned)"]
    assert result.e0_derivative == pytest.approx(EDGE_A_EV + 1.3, abs=1.0)  # the white line pulls it up
    assert result.edge_step > 0.2
    assert "E0" in tool.xanes.edge_label.text()
    curve = tool.plot.getPlotItem().listDataItems()[0].getData()[1]
    assert abs(np.mean(curve[:10])) < 0.1 and abs(np.mean(curve[-10:]) - 1) < 0.1
    # I0 from another rectangle: its mean intensity per frame; OD is the mean of the per-pixel -ln(I/I0)
    tool.add_region((60, 64, 60, 64), name="ref")
    tool.xanes.normalize_check.setChecked(False)
    tool.xanes.use_i0_region("ref")
    i0 = window.aligned[:, 60:64, 60:64].mean(axis=(1, 2))
    y0, y1, x0, x1 = rect.rect
    expected = (-np.log(window.aligned[:, y0:y1, x0:x1] / i0[:, None, None])).mean(axis=(1, 2))
    np.testing.assert_allclose(tool.spectrum(rect, "aligned"), expected, rtol=1e-5)
    tool.table.item(1, 1).setText("empty beam")                 # renaming keeps it the I0
    assert tool.xanes.i0_combo.currentText() == "region 'empty beam'"
    np.testing.assert_allclose(tool.spectrum(rect, "aligned"), expected, rtol=1e-5)
    # HDF5 export into an existing file, PNG and SVG of the plot
    h5 = tmp_path / "out.h5"
    with h5py.File(h5, "w") as handle:
        handle["aligned"] = np.zeros((2, 2, 2))
    assert tool.xanes.export_hdf5(str(h5))
    with h5py.File(h5, "r") as handle:
        assert "particle (aligned)" in handle["spectra"] and len(handle["spectra/empty beam (aligned)/od"]) == 101
    for name in ("plot.png", "plot.svg"):
        assert tool.save_plot(str(tmp_path / name)) and (tmp_path / name).stat().st_size > 1000


def plotted(tool, name):
    return next(item for item in tool.plot.getPlotItem().listDataItems() if item.name() == name).getData()[1]


def test_a_nudge_updates_od_with_its_i0_and_normalisation_and_undo_keeps_the_i0(window):
    tool = window.checks.spectra
    window.tools.setCurrentWidget(tool)
    rect = tool.add_region(particle_rect(window), name="particle")
    tool.add_region((60, 64, 60, 64), name="ref")
    tool.source_combo.setCurrentIndex(1)  # aligned only
    tool.absorbance_check.setChecked(True)
    tool.xanes.use_i0_region("ref")
    for normalise in (False, True):
        tool.xanes.normalize_check.setChecked(normalise)
        before = plotted(tool, "particle (aligned)").copy()
        window.checks.edits.set_rows([40, 41], [[2.0, -3.0, 0.0], [-2.0, 1.0, 0.0]], "Nudge")
        after = plotted(tool, "particle (aligned)")
        expected = tool.spectrum(rect, "aligned")
        if normalise:
            expected = tool.xanes.results["particle (aligned)"].normalized
        np.testing.assert_allclose(after, expected, rtol=1e-5)
        assert not np.allclose(after[40:42], before[40:42])
        window.model.undo()
        np.testing.assert_allclose(plotted(tool, "particle (aligned)"), before, rtol=1e-5)
    window.model.edit("Remove ref", probes=(rect,))   # removing the I0 region says so; undo brings it back
    assert "I0 region was removed" in tool.xanes.edge_label.toolTip()
    window.model.undo()
    assert tool.xanes.i0_combo.currentText() == "region 'ref'"


def test_i0_file_and_counts_refused_as_transmission(window, tmp_path):
    tool = window.checks.spectra
    rect = tool.add_region(particle_rect(window), name="particle")
    tool.absorbance_check.setChecked(True)
    energies, _ = window.checks.context.axis()
    path = tmp_path / "i0.txt"
    path.write_text("\n".join(f"{e:.3f} 2.0" for e in energies))
    assert tool.xanes.load_i0_file(str(path))
    np.testing.assert_allclose(tool.spectrum(rect, "aligned"),
                               -np.log(window.aligned[:, rect.rect[0]:rect.rect[1], rect.rect[2]:rect.rect[3]] / 2)
                               .mean(axis=(1, 2)), rtol=1e-5)
    # raw counts, no flat field: I0 = 1 must not give a negative "OD"
    window.model.set(alignment=None, aligned=None)
    window.panel.prepare_form.editor("flat_field").setChecked(False)
    tool.xanes.i0_combo.setCurrentIndex(0)
    tool.redraw()
    assert "not plotted" in tool.xanes.edge_label.text() and "detector counts" in tool.xanes.edge_label.toolTip()
    tool.xanes.i0_combo.setCurrentIndex(tool.xanes.i0_combo.findText("file i0.txt"))
    assert window.open_path(window.stack.path)                    # another file: its I0 is not carried over
    assert tool.xanes.i0_combo.currentData() == "flats" and tool.xanes.i0_combo.findText("file i0.txt") < 0


def test_maps_separate_the_phases_after_alignment_and_the_movie(window, tmp_path):
    maps = window.checks.maps
    assert maps.compute()
    aligned, raw = maps.maps["aligned"].edge_derivative, maps.maps["raw"].edge_derivative
    middle = (EDGE_A_EV + EDGE_B_EV) / 2
    a = np.nanmedian(aligned[aligned < middle])
    b = np.nanmedian(aligned[aligned >= middle])
    assert a == pytest.approx(EDGE_A_EV + 1.3, abs=1.0) and b == pytest.approx(EDGE_B_EV + 1.3, abs=1.0)
    # raw: more pixels far from both phases' edges (rims)
    def off(values):
        v = values[np.isfinite(values)]
        return np.mean((np.abs(v - a) > 1.5) & (np.abs(v - b) > 1.5))
    assert off(raw) > 2 * off(aligned)
    assert "pixels mapped" in maps.summary.text()
    window.checks.edits.set_rows([3], [[4.0, 4.0, 0.0]], "Nudge")  # maps of another alignment are not kept
    assert maps.maps == {} and "Compute maps" in maps.summary.text()
    window.model.undo()
    assert maps.compute()
    maps.kind_combo.setCurrentIndex(2)
    assert maps.save_plot(str(tmp_path / "maps.png"))
    count = maps.save_movie(str(tmp_path / "movie.gif"))
    from PIL import Image
    with Image.open(tmp_path / "movie.gif") as gif:
        assert count == 101 and gif.n_frames == 101 and gif.size == (128 * 2 + 4, 128)
