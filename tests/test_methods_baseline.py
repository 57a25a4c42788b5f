"""Baseline pair methods (masked_ncc, ssd, mi, features): sign convention, masks, failure reports, ROI.

Images are the analytic particle scenes of synthetic_pairs, so the true transform is exact; `Transform(dy, dx,
angle)` from make_pair aligns moving with fixed and must come back with the same signs.
"""

import math

import numpy as np
import pytest
from scipy import ndimage
from skimage.transform import EuclideanTransform, SimilarityTransform
from synthetic_pairs import make_pair

from txmalign_gui.engine import Cancelled, Progress, register_pair
from txmalign_gui.engine.methods import get_method
from txmalign_gui.engine.methods.features import skimage_to_transform
from txmalign_gui.engine.result import FAILED, LOW_CONFIDENCE, OK
from txmalign_gui.engine.transform import image_centre

SIZE = 128


def noisy_pair(dy, dx, angle=0.0, seed=1, sigma=0.01):
    fixed, moving = make_pair(SIZE, dy, dx, angle, seed=seed)
    rng = np.random.default_rng(seed + 100)
    return fixed + sigma * rng.standard_normal(fixed.shape), moving + sigma * rng.standard_normal(moving.shape)


def assert_close(result, dy, dx, angle, shift_tol, angle_tol=None):
    assert result.status == OK, result.message
    assert abs(result.dy - dy) < shift_tol and abs(result.dx - dx) < shift_tol, (result.transform, dy, dx)
    if angle_tol is not None:
        assert abs(result.angle_deg - angle) < angle_tol, (result.angle_deg, angle)


def pure_noise(seed=7):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((SIZE, SIZE)), rng.standard_normal((SIZE, SIZE))


# -- masked NCC -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dy, dx", [(3.3, -7.6), (-10.45, 0.25)])
def test_masked_ncc_sign_and_subpixel_within_0_1_px(dy, dx):
    fixed, moving = noisy_pair(dy, dx)
    assert_close(register_pair(fixed, moving, "masked_ncc"), dy, dx, 0.0, shift_tol=0.1)


def test_masked_ncc_ignores_a_beam_block_in_one_image():
    dy, dx = 5.4, -3.7
    fixed, moving = noisy_pair(dy, dx)
    block = np.ones(moving.shape, bool)
    block[:, 50:66] = False
    moving[~block] = 3.0  # a bright, sharp-edged block that would dominate an unmasked correlation
    unmasked = register_pair(fixed, moving, "masked_ncc")
    assert abs(unmasked.dx - dx) > 0.5 or unmasked.status != OK  # the block fools the plain correlation
    masked = register_pair(fixed, moving, "masked_ncc", mask=(None, block))
    assert_close(masked, dy, dx, 0.0, shift_tol=0.1)


def test_masked_ncc_reports_failure_on_noise():
    result = register_pair(*pure_noise(), "masked_ncc")
    assert result.status == FAILED and result.message and result.confidence < 0.2


# -- SSD and mutual information ---------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["ssd", "mi"])
def test_intensity_methods_sign_with_rotation_within_0_2_px_and_deg(method):
    dy, dx, angle = -4.3, 6.8, 3.5
    fixed, moving = noisy_pair(dy, dx, angle)
    result = register_pair(fixed, moving, method, params={"rotation": True})
    assert_close(result, dy, dx, angle, shift_tol=0.2, angle_tol=0.2)


@pytest.mark.parametrize("method", ["ssd", "mi"])
def test_intensity_methods_translation_only(method):
    dy, dx = 9.6, -2.3
    fixed, moving = noisy_pair(dy, dx, seed=2)
    result = register_pair(fixed, moving, method)
    assert_close(result, dy, dx, 0.0, shift_tol=0.2)
    assert result.angle_deg == 0.0


def test_mi_registers_contrast_inverted_images():
    dy, dx, angle = 2.7, -5.2, -4.0
    fixed, moving = noisy_pair(dy, dx, angle, seed=3)
    result = register_pair(fixed, 1.0 - moving, "mi", params={"rotation": True})
    assert_close(result, dy, dx, angle, shift_tol=0.2, angle_tol=0.2)


def test_ssd_honours_a_beam_block_mask():
    dy, dx = -3.2, 4.9
    fixed, moving = noisy_pair(dy, dx, seed=4)
    block = np.ones(moving.shape, bool)
    block[40:58, :] = False
    fixed[~block] = 0.0
    moving[~block] = 0.0
    assert_close(register_pair(fixed, moving, "ssd", mask=block), dy, dx, 0.0, shift_tol=0.2)


@pytest.mark.parametrize("method", ["ssd", "mi"])
def test_intensity_methods_report_failure_on_noise(method):
    result = register_pair(*pure_noise(), method)
    assert result.status == FAILED and result.message


def test_angle_outside_the_range_is_reported():
    fixed, moving = noisy_pair(2.0, 3.0, 14.0, seed=2)
    result = register_pair(fixed, moving, "ssd", params={"rotation": True, "angle_range": 10.0})
    assert result.status == LOW_CONFIDENCE and "range" in result.message


# -- keypoints --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("model", [EuclideanTransform, SimilarityTransform])
def test_skimage_xy_model_converts_to_our_point_map(model):
    kwargs = {"scale": 1.0} if model is SimilarityTransform else {}
    xy_model = model(rotation=math.radians(25.0), translation=(7.0, -3.0), **kwargs)
    shape = (100, 140)
    ours, scale = skimage_to_transform(xy_model, shape)
    assert scale == pytest.approx(1.0)
    q = np.array([[0.0, 0.0], [10.0, 90.0], [73.5, 12.25]])  # (row, col) in the moving image
    c = image_centre(shape)
    expected = (ours.rotation_matrix() @ (q - c).T).T + c + ours.shift
    assert np.allclose(xy_model(q[:, ::-1])[:, ::-1], expected)
    assert ours.angle_deg == pytest.approx(-25.0)


@pytest.mark.parametrize("detector", ["orb", "sift"])
def test_features_sign_within_0_5_px_and_deg(detector):
    dy, dx, angle = -6.2, 11.4, -30.0
    fixed, moving = make_pair(160, dy, dx, angle, seed=1)
    result = register_pair(fixed, moving, "features",
                           params={"detector": detector, "rotation": True, "angle_range": 45})
    assert_close(result, dy, dx, angle, shift_tol=0.5, angle_tol=0.5)


def test_features_without_rotation_fit_a_pure_shift_and_flag_an_angle_outside_the_range():
    fixed, moving = make_pair(160, 5.5, -3.25, 0.0, seed=2)
    shifted = register_pair(fixed, moving, "features")
    assert shifted.angle_deg == 0.0
    assert_close(shifted, 5.5, -3.25, 0.0, shift_tol=0.5)
    fixed, moving = make_pair(160, 0.0, 0.0, 20.0, seed=1)
    turned = register_pair(fixed, moving, "features", params={"rotation": True, "angle_range": 10})
    assert turned.status == LOW_CONFIDENCE and "angle range" in turned.message


def test_features_report_a_scale_change():
    fixed, _ = make_pair(160, 0.0, 0.0, 0.0, seed=1)
    c = image_centre(fixed.shape)
    zoom = 1.05  # the moving image is magnified 5 %: moving(q) = fixed(c + (q - c) / zoom)
    moving = ndimage.affine_transform(fixed, np.eye(2) / zoom, offset=c - c / zoom, order=3, mode="nearest")
    result = register_pair(fixed, moving, "features", params={"model": "similarity"})
    assert result.status == LOW_CONFIDENCE and "scale" in result.message
    assert result.details["scale"] == pytest.approx(1 / zoom, abs=0.01)


def test_features_report_failure_on_noise():
    result = register_pair(*pure_noise(), "features")
    assert result.status == FAILED and result.message


# -- shared behaviour -------------------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["masked_ncc", "ssd", "mi", "features"])
def test_register_pair_with_roi(method):
    dy, dx = 4.6, -7.3
    fixed, moving = make_pair(160, dy, dx, seed=5)
    result = register_pair(fixed, moving, method, roi=(20, 140, 10, 150))
    tolerance = 0.5 if method == "features" else 0.2
    assert_close(result, dy, dx, 0.0, shift_tol=tolerance)
    assert result.roi == (20, 140, 10, 150)


def test_rotation_found_in_an_off_centre_roi_is_re_centred():
    dy, dx, angle = 3.1, -2.4, 4.0
    fixed, moving = noisy_pair(dy, dx, angle, seed=6)
    result = register_pair(fixed, moving, "ssd", params={"rotation": True}, roi=(0, 100, 10, 128))
    assert_close(result, dy, dx, angle, shift_tol=0.25, angle_tol=0.2)


@pytest.mark.parametrize("method", ["masked_ncc", "ssd", "mi", "features"])
def test_methods_stop_when_cancelled(method):
    fixed, moving = make_pair(64, 1.0, 2.0)
    spec = get_method(method)
    progress = Progress()
    progress.cancel()
    with pytest.raises(Cancelled):
        spec.run(fixed, moving, spec.resolve(), None, None, progress)
