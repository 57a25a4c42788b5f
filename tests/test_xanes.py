"""XANES engine: optical density with I0, edge normalisation and edge energy on spectra with a known
answer, the I0/spectra files, the `txmalign spectra` command, and edge maps as an alignment check."""

import h5py
import numpy as np
import pytest
import tifffile

from txmalign_gui.cli import main
from txmalign_gui.engine.errors import InputError
from txmalign_gui.engine.stack import apply_transforms
from txmalign_gui.engine.synthetic import EDGE_A_EV, EDGE_B_EV, edge_absorption, synthetic_xanes
from txmalign_gui.engine.xanes import (
    edge_energy_derivative,
    edge_energy_half_step,
    edge_maps,
    i0_from_region,
    i0_on_energies,
    normalize_spectrum,
    optical_density,
    phase_rim_fraction,
    region_od,
)
from txmalign_gui.io.spectra_files import add_spectra_to_hdf5, read_i0_spectrum


def edge_spectrum(energies, e0=708.0, step=0.8, width=0.6, offset=0.3, slope=-0.004):
    """A known spectrum: a line plus a logistic step of height `step` centred on `e0`."""
    e = np.asarray(energies, dtype=float)
    return offset + slope * (e - e0) + step / (1.0 + np.exp(-(e - e0) / width))


# -- optical density ------------------------------------------------------------------------------------
def test_optical_density_inverts_beer_lambert_with_i0_per_frame():
    rng = np.random.default_rng(0)
    mu = rng.uniform(0.1, 2.0, size=(5, 4, 6))
    i0 = np.array([1000.0, 900.0, 1100.0, 950.0, 1020.0])
    counts = i0[:, None, None] * np.exp(-mu)
    np.testing.assert_allclose(optical_density(counts, i0), mu, rtol=1e-5)
    np.testing.assert_allclose(optical_density(np.exp(-mu)), mu, rtol=1e-5)   # already transmission
    counts[0, 0, 0] = 0.0
    assert np.isnan(optical_density(counts, i0)[0, 0, 0])
    with pytest.raises(InputError, match="I0 has 3 values"):
        optical_density(counts, i0[:3])


def test_i0_from_an_empty_region_gives_zero_od_there_and_the_true_od_elsewhere():
    i0 = np.linspace(500, 700, 7)
    stack = np.tile(i0[:, None, None], (1, 20, 20))
    stack[:, 10:, 10:] *= np.exp(-1.5)
    empty = np.zeros((20, 20), bool)
    empty[:5, :5] = True
    np.testing.assert_allclose(i0_from_region(stack, empty), i0)
    sample = np.zeros((20, 20), bool)
    sample[12:, 12:] = True
    np.testing.assert_allclose(region_od(stack, sample, i0_from_region(stack, empty)), 1.5, atol=1e-6)
    stack[3, :5, :5] = 0
    with pytest.raises(InputError, match="positive intensities"):
        i0_from_region(stack, empty)


def test_i0_spectrum_is_interpolated_and_never_extrapolated():
    e_i0 = np.linspace(700, 730, 31)
    counts = 600 + 2.0 * (e_i0 - 700)
    energies = np.array([700.0, 705.25, 729.5])
    np.testing.assert_allclose(i0_on_energies(e_i0, counts, energies), 600 + 2.0 * (energies - 700))
    with pytest.raises(InputError, match="outside the I0 spectrum"):
        i0_on_energies(e_i0, counts, [699.0, 710.0])


# -- normalisation and edge energy --------------------------------------------------------------------------
@pytest.mark.parametrize("e0", [707.3, 708.0, 711.15])
def test_normalisation_recovers_step_and_edge_energy(e0):
    energies = np.concatenate([np.arange(700, 705, 0.5), np.arange(705, 715, 0.2), np.arange(715, 731, 0.5)])
    mu = edge_spectrum(energies, e0=e0, step=0.8)
    norm = normalize_spectrum(energies, mu, pre=(700, 703), post=(720, 730))
    assert norm.edge_step == pytest.approx(0.8, rel=0.01)
    assert norm.e0_derivative == pytest.approx(e0, abs=0.05)
    assert norm.e0_half_step == pytest.approx(e0, abs=0.05)
    assert abs(norm.normalized[energies < 703]).max() < 0.01
    assert abs(norm.normalized[energies > 720] - 1).max() < 0.01
    thick = normalize_spectrum(energies, 3.0 * mu, pre=(700, 703), post=(720, 730))  # thickness cancels
    np.testing.assert_allclose(thick.normalized, norm.normalized, atol=1e-9)
    assert thick.edge_step == pytest.approx(3 * norm.edge_step)


def test_edge_energy_is_stable_under_noise():
    energies = np.arange(700, 731, 0.25)
    errors = []
    for seed in range(5):
        mu = edge_spectrum(energies, e0=708.4) + np.random.default_rng(seed).normal(0, 0.01, energies.size)
        errors.append(edge_energy_derivative(energies, mu, window=(704, 720), smooth_ev=0.75) - 708.4)
    assert max(abs(e) for e in errors) < 0.2


def test_edge_that_falls_or_ranges_that_overlap_are_refused():
    energies = np.linspace(700, 730, 61)
    with pytest.raises(InputError, match="no absorption edge"):
        normalize_spectrum(energies, -edge_spectrum(energies))
    with pytest.raises(InputError, match="must end below"):
        normalize_spectrum(energies, edge_spectrum(energies), pre=(700, 715), post=(710, 730))
    assert np.isnan(edge_energy_half_step(energies, np.zeros(61)))


# -- files and the command line --------------------------------------------------------------------------------
def test_i0_file_and_hdf5_spectra_group(tmp_path):
    path = tmp_path / "i0.xsp"
    path.write_text("# I0\n7.0000000E+2 6.9158118E+2\n7.0037500E+2 6.9181389E+2\n7.0075000E+2 6.9149102E+2\n")
    energies, counts = read_i0_spectrum(str(path))
    np.testing.assert_allclose(energies, [700.0, 700.375, 700.75])
    np.testing.assert_allclose(counts[0], 691.58118)
    h5 = tmp_path / "aligned.h5"
    with h5py.File(h5, "w") as handle:
        handle["aligned"] = np.zeros((3, 2, 2))
    add_spectra_to_hdf5(str(h5), "p1", energies, [0.1, 0.2, 0.3], attributes={"edge_step": 0.2})
    with h5py.File(h5, "r") as handle:
        np.testing.assert_allclose(handle["spectra/p1/od"][()], [0.1, 0.2, 0.3])
        assert handle["spectra/p1"].attrs["edge_step"] == 0.2
    with pytest.raises(InputError, match="already holds"):
        add_spectra_to_hdf5(str(h5), "p1", energies, [0.1, 0.2, 0.3])


@pytest.fixture
def counts_tiff(tmp_path):
    """A TIFF of detector counts with an energies file beside it: a particle of known OD and empty beam."""
    energies = np.linspace(700, 730, 61)
    i0 = 650 + 3.0 * (energies - 700)
    mu = edge_spectrum(energies, e0=708.0, step=0.8)
    stack = np.tile(i0[:, None, None], (1, 32, 32))
    stack[:, 16:, 16:] *= np.exp(-mu)[:, None, None]
    tifffile.imwrite(tmp_path / "stack.tif", stack.astype(np.float32))
    (tmp_path / "stack_energies_eV.txt").write_text("\n".join(f"{e:.4f}" for e in energies))
    (tmp_path / "i0.xsp").write_text("\n".join(f"{e:.5f} {c:.5f}" for e, c in zip(energies, i0)))
    return tmp_path, mu


def _csv(path):
    header = [line for line in open(path) if line.startswith("#")]
    return header, np.genfromtxt(path, delimiter=",", skip_header=len(header), names=True)


def test_cli_spectra_with_i0_file_and_i0_region(counts_tiff, capsys):
    folder, mu = counts_tiff
    out = folder / "spectrum.csv"
    assert main(["spectra", str(folder / "stack.tif"), "--region", "18:30,18:30", "--i0", str(folder / "i0.xsp"),
                 "--normalize", "--csv", str(out)]) == 0
    header, table = _csv(out)
    assert table.dtype.names == ("energy_eV", "od", "normalized")
    np.testing.assert_allclose(table["od"], mu, atol=1e-4)
    e0 = float(header[-1].split("edge_energy_derivative_eV=")[1].split()[0])
    assert e0 == pytest.approx(708.0, abs=0.1)
    assert "edge_step=" in header[-1]
    out2 = folder / "spectrum2.csv"
    assert main(["spectra", str(folder / "stack.tif"), "--region", "18:30,18:30", "--i0-region", "0:10,0:10",
                 "--csv", str(out2)]) == 0
    np.testing.assert_allclose(_csv(out2)[1]["od"], mu, atol=1e-4)
    capsys.readouterr()


def test_cli_spectra_bad_input_is_one_line_and_exit_2(counts_tiff, capsys):
    folder, _ = counts_tiff
    stack = str(folder / "stack.tif")
    assert main(["spectra", stack, "--region", "18:30,18:30", "--csv", str(folder / "a.csv")]) == 2
    assert "look like detector counts" in capsys.readouterr().err
    assert main(["spectra", stack, "--region", "18:40,18:30", "--i0-region", "0:10,0:10", "--csv",
                 str(folder / "a.csv")]) == 2
    assert "not inside" in capsys.readouterr().err
    assert not (folder / "a.csv").exists()


def test_cli_spectra_on_the_example_flats_and_into_the_aligned_hdf5(tmp_path, capsys):
    """The example's flats give I0; the aligned file (from `apply` with the true transforms) is read back and
    gets a /spectra group; the particle's edge lies at the phase's edge."""
    example, csv, aligned = tmp_path / "ex.h5", tmp_path / "truth.csv", tmp_path / "aligned.h5"
    assert main(["example", "--out", str(example)]) == 0
    with h5py.File(example, "r") as handle:
        truth = handle["truth_transforms"][()]
    csv.write_text("index,dy,dx,angle_deg\n" + "".join(f"{i},{t[0]},{t[1]},{t[2]}\n" for i, t in enumerate(truth)))
    assert main(["apply", str(csv), str(example), "--out", str(aligned)]) == 0
    phases = synthetic_xanes(n_images=101, size=128, seed=0).phases
    from scipy import ndimage
    score = ndimage.uniform_filter(phases[0] - phases[1], 4)
    y, x = np.unravel_index(np.argmax(score), score.shape)
    region = f"{y - 2}:{y + 2},{x - 2}:{x + 2}"
    raw_csv = tmp_path / "raw.csv"
    assert main(["spectra", str(example), "--region", region, "--csv", str(raw_csv)]) == 0
    header, table = _csv(raw_csv)
    assert "flats" in header[1] and np.all(table["od"] > 0)
    assert main(["spectra", str(aligned), "--region", region, "--normalize", "--pre", "7690:7703", "--post",
                 "7770:7790", "--hdf5", str(aligned), "--name", "phase A"]) == 0
    expected = edge_energy_derivative(synthetic_xanes(n_images=101, size=128, seed=0).energies,
                                      edge_absorption(np.linspace(7690, 7790, 101), EDGE_A_EV))
    with h5py.File(aligned, "r") as handle:
        group = handle["spectra/phase A"]
        assert group.attrs["edge_energy_derivative_eV"] == pytest.approx(expected, abs=1.0)
        assert len(group["normalized"]) == 101 and group.attrs["i0"].startswith("none")
    capsys.readouterr()


# -- maps as an alignment check --------------------------------------------------------------------------------
def _labels(synthetic, min_thickness=0.1):
    phases = synthetic.phases
    labels = np.zeros(phases.shape[1:], dtype=int)
    thick = phases.sum(axis=0) > min_thickness
    labels[thick] = np.where(phases[0] >= phases[1], 1, 2)[thick]
    return labels


@pytest.mark.parametrize("seed", [0, 1])
def test_edge_map_separates_the_phases_after_alignment_and_shows_rims_before(seed):
    synthetic = synthetic_xanes(n_images=101, size=128, seed=seed)
    labels = _labels(synthetic)
    threshold = (EDGE_A_EV + EDGE_B_EV) / 2
    raw = edge_maps(synthetic.energies, optical_density(synthetic.images))
    aligned = edge_maps(synthetic.energies, optical_density(apply_transforms(synthetic.images,
                                                                             synthetic.transforms)))
    before = phase_rim_fraction(raw.edge_derivative, labels, threshold)
    after = phase_rim_fraction(aligned.edge_derivative, labels, threshold)
    assert after["interior_wrong"] < 0.02 and after["boundary_wrong"] < 0.12
    assert before["boundary_wrong"] > 0.3 and before["boundary_wrong"] > 4 * after["boundary_wrong"]
    assert after["spurious_pixels"] < 0.05 * before["spurious_pixels"]
    inside = aligned.mask & (labels > 0)
    for phase, edge in ((1, EDGE_A_EV), (2, EDGE_B_EV)):   # the same estimator on the noise-free spectrum
        expected = edge_energy_derivative(synthetic.energies, edge_absorption(synthetic.energies, edge),
                                          smooth_ev=1.0)
        assert np.nanmedian(aligned.edge_derivative[inside & (labels == phase)]) == pytest.approx(expected, abs=0.5)
