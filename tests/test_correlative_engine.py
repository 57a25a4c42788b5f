"""Correlative engine: the EM -> X-ray point map, landmark fits and the mutual-information refinement,
checked against known maps (sign conventions included) on natural images rendered in two modalities."""

import math

import numpy as np
import pytest
from correlative_pairs import errors, landmarks_of, pair

from txmalign_gui.engine.correlative import PointMap, correlate, fit_landmarks, learned_available, resample_em
from txmalign_gui.engine.errors import InputError

CLICKS = [[20, 30], [130, 40], [100, 150], [140, 160], [40, 120]]


# -- the point map ------------------------------------------------------------------------------
def test_similarity_reads_back_and_rotates_counter_clockwise():
    m = PointMap.similarity(2.0, 30.0, (5.0, -3.0))
    assert m.scale == pytest.approx(2.0) and m.angle_deg == pytest.approx(30.0) and m.anisotropy == pytest.approx(0)
    # (row, col): a point to the right of the origin (col +1) turns upward on screen (row decreases) for +angle
    moved = m.apply([[0.0, 1.0]])[0] - m.apply([[0.0, 0.0]])[0]
    assert moved[0] < 0 and moved[1] > 0
    assert np.allclose(m.then(m.inverse()).matrix, np.eye(2, 3), atol=1e-12)
    points = np.random.default_rng(0).uniform(0, 100, (6, 2))
    assert np.allclose(m.inverse().apply(m.apply(points)), points)
    other = PointMap.similarity(0.5, -10.0, (1.0, 2.0))
    assert np.allclose(m.then(other).apply(points), other.apply(m.apply(points)))


def test_resample_em_puts_an_em_spot_where_the_map_says():
    em = np.zeros((120, 100))
    em[30, 70] = 1.0
    em = np.asarray(__import__("scipy").ndimage.gaussian_filter(em, 3.0))
    m = PointMap.similarity(0.8, 25.0, (40.0, 10.0))
    out = resample_em(em, m, (150, 140))
    peak = np.unravel_index(np.nanargmax(out), out.shape)
    assert np.hypot(*(np.array(peak) - m.apply([[30, 70]])[0])) < 1.0
    assert np.isnan(out[0, -1]) and np.isfinite(out[peak])  # outside the EM image: NaN


# -- landmarks ----------------------------------------------------------------------------------
@pytest.mark.parametrize("model", ["similarity", "affine"])
def test_landmark_fit_is_exact_on_noiseless_points(model):
    rng = np.random.default_rng(3)
    truth = PointMap.similarity(0.37, -21.0, (12.0, 80.0)) if model == "similarity" else \
        PointMap.from_matrix(np.array([[0.41, 0.05, 12.0], [-0.12, 0.33, 80.0]]))
    em_points = rng.uniform(0, 900, (7, 2))
    fit = fit_landmarks(truth.apply(em_points), em_points, model)
    assert np.allclose(fit.point_map.matrix, truth.matrix, atol=1e-9)
    assert fit.rms < 1e-9 and fit.distances.shape == (7,)


def test_landmark_residuals_point_at_the_misclicked_pair():
    truth = PointMap.similarity(0.5, 10.0, (3.0, 4.0))
    em_points = np.array([[10, 10], [400, 30], [300, 380], [50, 350], [220, 200.0]])
    xray_points = truth.apply(em_points)
    xray_points[2] += (0.0, 6.0)
    fit = fit_landmarks(xray_points, em_points)
    assert int(np.argmax(fit.distances)) == 2
    assert np.allclose(fit.residuals, fit.point_map.apply(em_points) - xray_points)
    assert fit.rms == pytest.approx(math.sqrt(np.mean(fit.distances ** 2)))


@pytest.mark.parametrize("xray, em, words", [
    ([[0, 0], [10, 10]], [[0, 0], [5, 5]], "at least 3"),
    ([[0, 0], [10, 10], [20, 20]], [[0, 0], [5, 1], [9, 7]], "one line"),
    ([[5, 5], [5, 5], [5, 5.2]], [[0, 0], [5, 1], [9, 7]], "same spot"),
    ([[0, 0], [10, 10], [20, 0]], [[0, 0], [5, 5]], "pairs"),
    ([[0, 0], [10, np.nan], [20, 0]], [[0, 0], [5, 5], [1, 9]], "NaN"),
])
def test_degenerate_landmarks_are_refused(xray, em, words):
    with pytest.raises(InputError, match=words):
        fit_landmarks(xray, em)


def test_unknown_model_is_refused():
    with pytest.raises(InputError, match="model"):
        fit_landmarks([[0, 0], [10, 0], [0, 10]], [[0, 0], [10, 0], [0, 10]], "projective")


# -- refinement ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name, seed", [("camera", 0), ("astronaut", 1), ("coins", 2)])
def test_refinement_from_rough_landmarks_recovers_the_similarity(name, seed):
    xray, em, truth = pair(name, scale=0.45, angle=12.0, seed=seed)
    result = correlate(xray, em, landmarks=landmarks_of(truth, CLICKS, noise=2.0, seed=seed))
    scale_error, angle_error, shift_error = errors(result.point_map, truth, xray.shape)
    assert result.start == "landmarks" and result.status == "ok", result.message
    assert abs(scale_error) < 0.2 and abs(angle_error) < 0.2 and shift_error < 0.5


def test_search_from_nothing_recovers_rotation_and_scale():
    xray, em, truth = pair("moon", scale=0.5, angle=-20.0, shift=(-4.0, 6.0), seed=4)
    result = correlate(xray, em, params={"start": "identity"}, scale_hint=0.45)  # 10 % off the truth
    scale_error, angle_error, shift_error = errors(result.point_map, truth, xray.shape)
    assert result.status == "ok", result.message
    assert abs(scale_error) < 0.2 and abs(angle_error) < 0.2 and shift_error < 0.5


def test_affine_model_recovers_a_stretch():
    linear = 0.45 * np.array([[1.03, 0.02], [0.02, 0.97]]) @ PointMap.similarity(1.0, 8.0).linear
    xray, em, truth = pair("astronaut", linear=linear, seed=5)
    result = correlate(xray, em, landmarks=landmarks_of(truth, CLICKS, noise=1.0), params={"model": "affine"})
    corners = np.array([[0, 0], [0, 175], [159, 0], [159, 175.0]])
    worst = np.max(np.hypot(*(result.point_map.inverse().apply(corners) - truth.inverse().apply(corners)).T))
    assert result.status == "ok", result.message
    assert worst * 0.45 < 0.5  # in X-ray pixels at the X-ray image's corners


def test_large_8_bit_em_is_searched_downsampled():
    xray, em, truth = pair("camera", scale=0.2, angle=5.0, crop=8, xshape=(96, 100), seed=6)
    big = np.kron(em, np.ones((2, 2), np.uint8))  # an 8-bit EM image with twice finer pixels
    truth_big = PointMap.from_matrix(np.column_stack([truth.linear / 2, truth.apply([[-0.25, -0.25]])[0]]))
    result = correlate(xray, big, landmarks=landmarks_of(truth_big, [[10, 10], [80, 20], [50, 90], [85, 85]], 1.0))
    assert max(em_factor for _, em_factor in result.details["levels"]) >= 4
    scale_error, angle_error, shift_error = errors(result.point_map, truth_big, xray.shape)
    assert abs(scale_error) < 0.3 and abs(angle_error) < 0.3 and shift_error < 0.5


# -- honesty ------------------------------------------------------------------------------------
def test_unrelated_images_are_not_called_ok():
    xray, _, _ = pair("camera", seed=7)
    _, em, _ = pair("moon", seed=8)
    result = correlate(xray, em, params={"start": "identity", "angle_range": 10.0, "scale_range": 10.0},
                       scale_hint=0.45)
    assert result.status != "ok"


def test_learned_start_without_a_predictor_says_so(monkeypatch):
    assert learned_available()  # the package ships the weights
    monkeypatch.setattr("txmalign_gui.engine.learned.correlative.WEIGHTS", "not_installed.npz")
    assert not learned_available()
    xray, em, _ = pair("camera")
    with pytest.raises(InputError, match="learned"):
        correlate(xray, em, params={"start": "learned"})


def test_landmark_start_needs_landmarks():
    xray, em, _ = pair("camera")
    with pytest.raises(InputError, match="3 landmark"):
        correlate(xray, em, params={"start": "landmarks"})


def test_point_map_is_the_centre_based_transform_of_the_one_convention():
    from txmalign_gui.engine.transform import Similarity, apply_transform

    em = pair("camera")[1].astype(float)
    m = PointMap.similarity(0.45, 12.0, (30.0, -20.0))
    t = m.to_transform(em.shape, (160, 176), kind="similarity")
    assert isinstance(t, Similarity) and t.scale == pytest.approx(0.45) and t.angle_deg == pytest.approx(12.0)
    assert np.allclose(PointMap.from_transform(t, em.shape, (160, 176)).matrix, m.matrix)
    assert np.allclose(resample_em(em, m, (160, 176)), apply_transform(em, t, output_shape=(160, 176)),
                       equal_nan=True, atol=1e-3)


def test_a_given_guess_is_one_more_candidate_of_the_search():
    xray, em, truth = pair("coins", scale=0.45, angle=25.0, seed=9)
    # the search range (+-10 deg) does not reach the truth: only the guess can lead there
    result = correlate(xray, em, params={"angle_range": 10.0, "scale_range": 5.0}, scale_hint=0.45,
                       guess=truth.then(PointMap.similarity(1.0, 0.0, (2.0, -2.0))))
    scale_error, angle_error, shift_error = errors(result.point_map, truth, xray.shape)
    assert abs(angle_error) < 0.2 and shift_error < 0.5



def test_a_refinement_that_leaves_the_landmarks_keeps_the_landmark_fit(monkeypatch):
    import sys

    xray, em, truth = pair("camera", seed=12)
    marks = landmarks_of(truth, CLICKS, noise=0.5)
    # a map 12 px away from the clicks: what a refinement lost on images without common structure returns
    lost = truth.then(PointMap.similarity(1.0, 0.0, (12.0, 0.0)))
    module = sys.modules["txmalign_gui.engine.correlative.registration"]
    monkeypatch.setattr(module, "refine", lambda levels, start, bins, affine, progress: (lost, 0.0, False))
    result = correlate(xray, em, landmarks=marks)
    assert result.status != "ok" and "landmark fit is kept" in result.message
    assert np.allclose(result.point_map.matrix, result.landmark_fit.point_map.matrix)
    assert np.allclose(result.details["refined_matrix"], lost.matrix)
