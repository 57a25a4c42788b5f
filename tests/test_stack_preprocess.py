"""Preprocessing (flat/dark, -log, gray scaling, binning) and resampling a stack with its transforms."""

import numpy as np
import pytest

from txmalign_gui.engine.errors import InputError
from txmalign_gui.engine.stack import apply_transforms, bin_image, unbin_transforms
from txmalign_gui.engine.stack.preprocess import preprocess
from txmalign_gui.engine.transform import Transform, apply_transform


def test_flat_dark_normalisation_is_safe_against_dead_flat_pixels():
    rng = np.random.default_rng(0)
    transmission = rng.uniform(0.2, 0.9, (3, 16, 16))
    flat = rng.uniform(900, 1100, (16, 16))
    dark = np.full((2, 16, 16), 50.0)
    flat[3, 4] = 50.0  # flat == dark: would divide by zero
    raw = transmission * (flat - 50.0) + 50.0
    out = preprocess(raw, flats=flat[None], darks=dark)
    assert out.dtype == np.float32 and np.isfinite(out).all()
    usable = np.ones((16, 16), bool)
    usable[3, 4] = False
    assert np.allclose(out[:, usable], transmission[:, usable], atol=1e-5)
    assert np.all(out[:, 3, 4] == 1.0)


def _beam(size: int, counts: float = 20000.0) -> np.ndarray:
    rows, cols = np.linspace(-1, 1, size)[:, None], np.linspace(-1, 1, size)[None, :]
    return counts * (1.0 - 0.25 * (rows ** 2 + cols ** 2))


def test_noisy_flats_do_not_pull_the_registration_towards_zero_shift():
    """Every frame is divided by the same flat, so the flat's counting noise is a pattern fixed to the
    detector; left in, it drags a low-contrast sample's shift towards zero (here 0.14 px)."""
    from scipy import ndimage
    from skimage import data

    from txmalign_gui.engine import register_pair

    rng = np.random.default_rng(0)
    sample = 1.0 - 0.1 * ndimage.gaussian_filter(data.camera() / 255.0, 1.0)
    shift = np.array([-1.7, -0.2])  # the moving frame's content moves by this; the answer undoes it
    beam = _beam(sample.shape[0])
    flats = beam + rng.normal(0.0, np.sqrt(beam[0, 0]), (3,) + beam.shape)
    frames = np.stack([image * beam + rng.normal(0.0, 200.0, beam.shape)
                       for image in (sample, ndimage.shift(sample, shift, order=3, mode="nearest"))])

    def error(prepared):
        found = register_pair(prepared[0], prepared[1], "tvdm").transform
        return float(np.hypot(*(np.array([found.dy, found.dx]) + shift)))

    assert error(frames / flats.mean(axis=0)) > 0.1  # the pull this preparation removes
    assert error(preprocess(frames, flats=flats)) < 0.05


def test_denoised_flat_keeps_dust_and_drops_counting_noise():
    rng = np.random.default_rng(1)
    beam = _beam(128)
    beam[60:63, 40:43] *= 0.9  # a dust grain on the scintillator: a real, sharp 10 % dip
    flats = beam + rng.normal(0.0, np.sqrt(beam), (4,) + beam.shape)
    empty = beam + rng.normal(0.0, 20.0, beam.shape)  # a frame without sample (transmission 1)
    prepared = preprocess(empty[None], flats=flats)[0]
    naive = empty / flats.mean(axis=0)
    assert abs(prepared[60:63, 40:43].mean() - 1.0) < 0.01  # the dust is divided out
    assert abs(naive[60:63, 40:43].mean() - 1.0) < 0.01
    region = (slice(10, 50), slice(70, 120))
    assert prepared[region].std() < 0.5 * naive[region].std()  # the flats' noise is not stamped on the frame


def test_minus_log_and_gray_scaling():
    stack = np.stack([np.full((8, 8), 0.5), np.linspace(0, 2, 64).reshape(8, 8)])
    absorbance = preprocess(stack, minus_log=True)
    assert np.allclose(absorbance[0], np.log(2.0)) and np.isfinite(absorbance).all()
    scaled = preprocess(stack[1:] * 7.0 + 3.0, scale_gray=True)
    assert abs(scaled.mean()) < 1e-5 and abs(scaled.std() - 1.0) < 1e-5


def test_binning_averages_blocks_and_unbinning_recovers_full_size_transforms():
    image = np.arange(36, dtype=float).reshape(6, 6)
    assert np.allclose(bin_image(image, 2), [[3.5, 5.5, 7.5], [15.5, 17.5, 19.5], [27.5, 29.5, 31.5]])
    assert preprocess(np.ones((2, 7, 9)), binning=2).shape == (2, 3, 4)
    # A rotation about the binned centre is a rotation about the full centre (when the size divides).
    found = unbin_transforms([[1.0, -2.0, 3.0]], 4, (64, 64))[0]
    assert np.allclose(found, [4.0, -8.0, 3.0])
    # With leftover rows the rotation centre moves: check on actual points.
    full = (66, 66)
    t_full = Transform(*unbin_transforms([[0.5, 0.25, 10.0]], 4, full)[0])
    t_binned = Transform(0.5, 0.25, 10.0)
    q_binned = np.array([3.0, 11.0])
    q_full = 4 * q_binned + 1.5
    p_binned = t_binned.rotation_matrix() @ (q_binned - 7.5) + 7.5 + t_binned.shift
    p_full = t_full.rotation_matrix() @ (q_full - 32.5) + 32.5 + t_full.shift
    assert np.allclose(p_full, 4 * p_binned + 1.5)


def test_apply_transforms_matches_apply_transform_per_image():
    rng = np.random.default_rng(1)
    stack = rng.random((3, 20, 20)).astype(np.float32)
    table = np.array([[0, 0, 0], [1.5, -2.0, 0], [0.5, 0.5, 5.0]])
    seen = []
    out = apply_transforms(stack, table, progress=lambda f, m: seen.append(f))
    assert out.dtype == np.float32 and out.shape == stack.shape and seen[-1] == 1.0
    for image, row, aligned in zip(stack, table, out):
        assert np.allclose(aligned, apply_transform(image, Transform(*row)), equal_nan=True)
    assert np.isnan(out[1, 0, -1]) and not np.isnan(out[1, -1, 0])


@pytest.mark.parametrize("call", [
    lambda: preprocess(np.ones((4, 4))),
    lambda: preprocess(np.ones((2, 4, 4)), binning=0),
    lambda: preprocess(np.ones((2, 4, 4)), flats=np.ones((5, 5))),
    lambda: apply_transforms(np.ones((2, 4, 4)), np.zeros((3, 3))),
    lambda: apply_transforms(np.ones((2, 4, 4)), np.full((2, 3), np.nan)),
])
def test_bad_input_raises_input_error(call):
    with pytest.raises(InputError):
        call()
