"""Unit tests of the tomography building blocks: projector geometry, sinusoid gauge, binning, coarse steps."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from skimage.registration import phase_cross_correlation

from txmalign_gui.engine.errors import InputError
from txmalign_gui.engine.progress import Progress
from txmalign_gui.engine.tomo.align import _levels
from txmalign_gui.engine.tomo.coarse import background, coarse_alignment, vertical_shifts
from txmalign_gui.engine.tomo.consistency import sample_band
from txmalign_gui.engine.tomo.phantom import Ellipsoid, default_phantom, project, slice_image
from txmalign_gui.engine.tomo.projector import ParallelProjector
from txmalign_gui.engine.tomo.resample import shift_and_bin
from txmalign_gui.engine.tomo.sinusoid import fit_sinusoid, remove_sample_motion, sinusoid

SIZE = 64
ANGLES = np.linspace(0.0, 180.0, 90, endpoint=False)


@pytest.fixture(scope="module")
def phantom():
    return default_phantom(SIZE, SIZE)


@pytest.fixture(scope="module")
def projector():
    return ParallelProjector(SIZE, ANGLES)


def test_filtered_back_projection_reconstructs_the_phantom_slice(phantom, projector):
    row = SIZE // 2 + 4
    sinogram = project(phantom, ANGLES, SIZE, SIZE)[:, row:row + 1, :]
    slice_ = projector.reconstruct(sinogram)[0]
    truth = slice_image(phantom, row, SIZE, SIZE)
    inside = projector.inside
    assert np.corrcoef(slice_.ravel()[inside], truth.ravel()[inside])[0, 1] > 0.97
    assert np.sqrt(np.mean((slice_.ravel()[inside] - truth.ravel()[inside]) ** 2)) < 0.2 * truth.max()


def test_reprojection_is_not_offset_from_the_data(phantom, projector):
    data = project(phantom, ANGLES, SIZE, SIZE)
    reprojected = projector.forward(projector.reconstruct(data))
    for i in (0, 22, 45, 67):
        shift, _, _ = phase_cross_correlation(data[i], reprojected[i], upsample_factor=100,
                                              normalization=None)
        assert np.abs(shift).max() < 0.05


def test_forward_is_the_transpose_of_back(projector):
    rng = np.random.default_rng(0)
    volume = rng.normal(size=(3, SIZE, SIZE)).astype(np.float32)
    volume.reshape(3, -1)[:, np.setdiff1d(np.arange(SIZE * SIZE), projector.inside)] = 0
    sinograms = rng.normal(size=(len(ANGLES), 3, SIZE)).astype(np.float32)
    lhs = float(np.sum(projector.forward(volume) * sinograms, dtype=np.float64))
    rhs = float(np.sum(volume * projector.back(sinograms), dtype=np.float64))
    assert lhs == pytest.approx(rhs, rel=1e-4)


def test_sinusoid_fit_and_sample_motion_removal():
    coefficients = (2.5, -1.5, 7.0)
    values = sinusoid(coefficients, ANGLES)
    np.testing.assert_allclose(fit_sinusoid(values, ANGLES), coefficients, atol=1e-9)
    rng = np.random.default_rng(1)
    jitter = rng.normal(size=len(ANGLES))
    dy, dx = remove_sample_motion(jitter + 3.0, values, ANGLES)
    assert dy.mean() == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(dx, 7.0, atol=1e-9)  # the axis position (constant) is kept


@pytest.mark.parametrize("width", [64, 66, 67])
def test_binning_keeps_the_image_centre(width):
    x = np.arange(width) - (width - 1) / 2.0
    image = np.exp(-x ** 2 / 20.0)[None, :] * np.ones((16, 1))
    binned = shift_and_bin(image[None], [0.0], [0.0], 4)[0]
    profile = binned.sum(axis=0)
    centre = float(profile @ np.arange(len(profile)) / profile.sum())
    assert centre == pytest.approx((len(profile) - 1) / 2.0, abs=0.02)


def test_shift_and_bin_moves_content_like_ndimage_shift():
    image = np.zeros((32, 32), dtype=np.float32)
    image[10:14, 8:12] = 1.0
    moved = shift_and_bin(image[None], [4.0], [8.0], 2)[0]
    rows, cols = np.nonzero(moved > 0.5)
    assert (rows.min(), cols.min()) == (7, 8)


def test_vertical_profiles_recover_row_jitter(phantom):
    rng = np.random.default_rng(2)
    jitter = rng.uniform(-8, 8, len(ANGLES))
    jitter -= jitter.mean()
    data = project(phantom, ANGLES, SIZE, SIZE, shifts=np.stack([jitter, np.zeros_like(jitter)], axis=1))
    dy = vertical_shifts(data, background(data))
    error = dy + jitter
    assert np.sqrt(np.mean((error - error.mean()) ** 2)) < 0.2


def test_coarse_step_finds_axis_and_horizontal_jitter(phantom):
    rng = np.random.default_rng(3)
    raw = rng.uniform(-8, 8, len(ANGLES))
    _, jitter = remove_sample_motion(np.zeros_like(raw), raw, ANGLES)
    jitter -= jitter.mean()
    data = project(phantom, ANGLES, SIZE, SIZE, axis_offset=-2.25,
                   shifts=np.stack([np.zeros_like(jitter), jitter], axis=1))
    dy, dx, offset = coarse_alignment(data, ANGLES, Progress())
    assert offset == pytest.approx(-2.25, abs=0.1)
    np.testing.assert_allclose(dx, -jitter + 2.25, atol=0.25)
    np.testing.assert_allclose(dy, 0.0, atol=0.25)


def test_sample_band_picks_the_absorbing_rows():
    stack = np.zeros((4, 40, 16), dtype=np.float32)
    stack[:, 25:33, 4:12] = 1.0
    band = sample_band(stack, 8)
    assert (band.start, band.stop) == (25, 33)
    assert sample_band(stack, 64) == slice(0, 40)


def test_phantom_projection_is_exact_for_a_sphere():
    sphere = Ellipsoid(centre=(3.0, -2.0, 1.0), semi_axes=(10.0, 10.0, 10.0), turn_deg=30.0, density=2.0)
    data = project([sphere], [0.0, 50.0, 130.0], 41, 41)
    # Through the centre the chord is the diameter; the total is the sphere's mass at every angle.
    assert data[0, 21, 23] == pytest.approx(2.0 * 20.0, rel=1e-6)
    np.testing.assert_allclose(data.sum(axis=(1, 2)), 2.0 * 4.0 / 3.0 * np.pi * 10.0 ** 3, rtol=0.01)


def test_validation_script_skips_without_data(tmp_path, capsys):
    path = Path(__file__).resolve().parents[1] / "scripts" / "validate_tomo_real.py"
    spec = importlib.util.spec_from_file_location("validate_tomo_real", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main([str(tmp_path / "absent")]) == 0
    assert "skipped" in capsys.readouterr().out


def test_levels_too_large_to_project_are_skipped_with_a_reason():
    messages = []
    assert _levels(8, 181, 4096, 4096, messages) == [8]
    assert len(messages) == 3 and all("GB" in m for m in messages)
    with pytest.raises(InputError, match="crop"):
        _levels(4, 181, 4096, 4096, [])


def test_smooth_mode_extrapolation_adds_the_geometric_tail():
    from txmalign_gui.engine.tomo.acceleration import SmoothModeExtrapolator

    angles = np.linspace(-90.0, 90.0, 91)
    theta = np.deg2rad(angles)
    shape = np.stack([0.02 * np.cos(3 * theta), 0.03 + 0.02 * np.sin(2 * theta)], axis=1)
    rng = np.random.default_rng(0)
    extrapolator = SmoothModeExtrapolator(angles)
    ratio, remaining = 0.97, shape / (1 - 0.97)  # steps r^k * shape: the total still to go is shape / (1 - r)
    steps = [ratio ** k * shape + rng.normal(0.0, 0.0005, shape.shape) for k in range(2)]
    assert extrapolator.extra(steps[0]) is None  # one step does not tell a ratio
    extra = extrapolator.extra(steps[1])
    assert extra is not None
    # with the step itself, the jump covers the tail (the ratio is sensitive to noise: 1 / (1 - r)^2)
    assert np.abs(steps[1] + extra - (remaining - shape)).max() < 0.2 * np.abs(remaining).max()
    assert extrapolator.extra(ratio ** 2 * shape) is None  # right after a jump: a new measurement starts
    # noise alone (no smooth mode), a growing step or a changing shape are never extrapolated
    fresh = SmoothModeExtrapolator(angles)
    fresh.extra(rng.normal(0.0, 0.01, shape.shape))
    assert fresh.extra(rng.normal(0.0, 0.01, shape.shape)) is None
    fresh = SmoothModeExtrapolator(angles)
    fresh.extra(shape)
    assert fresh.extra(1.2 * shape) is None
    fresh = SmoothModeExtrapolator(angles)
    fresh.extra(shape)
    assert fresh.extra(shape[:, ::-1]) is None
