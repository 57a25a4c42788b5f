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
