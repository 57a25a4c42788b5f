"""The checking tools' maths against values computed by hand from small arrays."""

import numpy as np
import pytest

from txmalign_gui.engine.checks import (
    absorbance,
    brush_mask,
    brush_stroke,
    checkerboard,
    common_box,
    covered_by_all,
    crop_stack,
    csv_text,
    difference,
    drift_range,
    interpolate_excluded,
    largest_box,
    line_profile,
    normalise,
    overlay_rgb,
    point_spectrum,
    polygon_mask,
    rect_mask,
    region_spectrum,
    smooth_fit,
    split_view,
    stack_profiles,
    symmetric_limit,
    threshold_mask,
    track_feature,
)
from txmalign_gui.engine.errors import InputError


@pytest.fixture
def ramp_stack():
    """Frame k is 100 k + 10 row + col: every value tells where it came from."""
    k, r, c = np.indices((4, 6, 8))
    return (100.0 * k + 10.0 * r + c).astype(np.float32)


def test_point_spectrum_reads_one_pixel_per_frame(ramp_stack):
    np.testing.assert_array_equal(point_spectrum(ramp_stack, 2, 5), [25, 125, 225, 325])
    with pytest.raises(InputError, match="outside"):
        point_spectrum(ramp_stack, 6, 0)


def test_region_spectrum_mean_sum_max_and_nan(ramp_stack):
    mask = rect_mask((6, 8), (1, 3, 2, 4))  # rows 1-2, cols 2-3: 12, 13, 22, 23 in frame 0
    assert mask.sum() == 4
    np.testing.assert_allclose(region_spectrum(ramp_stack, mask, "mean"), [17.5, 117.5, 217.5, 317.5])
    np.testing.assert_allclose(region_spectrum(ramp_stack, mask, "sum"), [70, 470, 870, 1270])
    np.testing.assert_allclose(region_spectrum(ramp_stack, mask, "max"), [23, 123, 223, 323])
    stack = ramp_stack.copy()
    stack[1, 1, 2] = np.nan
    stack[2, 1:3, 2:4] = np.nan
    out = region_spectrum(stack, mask, "mean")
    assert out[1] == pytest.approx((113 + 122 + 123) / 3)
    assert np.isnan(out[2])
    with pytest.raises(InputError, match="no pixel"):
        region_spectrum(ramp_stack, np.zeros((6, 8), bool))


def test_rect_mask_clips_to_the_image():
    assert rect_mask((4, 4), (-2, 2, 3, 9)).sum() == 2


def test_absorbance_is_minus_log_and_nan_for_non_positive():
    out = absorbance([1.0, np.exp(-2.0), 0.0, -1.0])
    np.testing.assert_allclose(out[:2], [0.0, 2.0])
    assert np.isnan(out[2:]).all()


def test_line_profile_on_a_ramp_follows_the_line():
    image = np.add.outer(10.0 * np.arange(20), np.arange(30))  # 10 row + col
    np.testing.assert_allclose(line_profile(image, (5, 2), (5, 12)), 50 + np.arange(2, 13))
    diagonal = line_profile(image, (0, 0), (6, 8))  # length 10: samples at t = 0..10
    np.testing.assert_allclose(diagonal, 10 * 0.6 * np.arange(11) + 0.8 * np.arange(11))


def test_line_profile_width_averages_across_the_line():
    image = np.repeat((np.arange(21.0) ** 2)[:, None], 21, axis=1)  # each row holds row**2
    np.testing.assert_allclose(line_profile(image, (10, 2), (10, 18), width=3), (81 + 100 + 121) / 3)
    np.testing.assert_allclose(line_profile(image, (10, 2), (10, 18), width=2), (90.5 + 110.5) / 2)
    vertical = line_profile(image.T, (2, 10), (18, 10), width=3)  # across a vertical line: columns 9, 10, 11
    np.testing.assert_allclose(vertical, (81 + 100 + 121) / 3)


def test_line_profile_ignores_samples_outside_the_image():
    image = np.ones((5, 5))
    out = line_profile(image, (2, 2), (2, 8))
    np.testing.assert_allclose(out[:3], 1.0)
    assert np.isnan(out[3:]).all()
    with pytest.raises(InputError, match="shorter"):
        line_profile(image, (1, 1), (1, 1.5))


def test_stack_profiles_has_one_row_per_frame(ramp_stack):
    profiles = stack_profiles(ramp_stack, (1, 0), (1, 7))
    assert profiles.shape == (4, 8)
    np.testing.assert_allclose(profiles[3], 310 + np.arange(8))


def test_track_feature_min_max_edge_subpixel():
    x = np.arange(21, dtype=float)
    centres = np.array([7.0, 9.25, 12.5])
    dips = np.stack([(x - c) ** 2 for c in centres])  # parabolas: the fit is exact
    np.testing.assert_allclose(track_feature(dips, "min"), centres)
    np.testing.assert_allclose(track_feature(-dips, "max"), centres)
    steps = np.stack([(x >= e).astype(float) for e in (5, 8, 14)])  # jump between e-1 and e
    np.testing.assert_allclose(track_feature(steps, "edge"), [4.5, 7.5, 13.5])
    np.testing.assert_allclose(track_feature(1 - steps, "edge"), [4.5, 7.5, 13.5])
    two_dips = np.minimum(dips, (x - 17.0) ** 2 - 1.0)  # a deeper dip at 17 everywhere
    np.testing.assert_allclose(track_feature(two_dips, "min"), 17.0)
    np.testing.assert_allclose(track_feature(two_dips, "min", window=(2, 14)), centres)
    with pytest.raises(InputError, match="unknown feature"):
        track_feature(dips, "centre")
    with pytest.raises(InputError, match="window"):
        track_feature(dips, "min", window=(4, 6))


def test_drift_range_ignores_nan():
    assert drift_range([3.0, np.nan, 5.5, 4.0]) == 2.5
    assert np.isnan(drift_range([np.nan]))


def test_difference_checkerboard_split_and_overlay():
    a = np.full((4, 6), 5.0)
    b = np.arange(24.0).reshape(4, 6)
    np.testing.assert_array_equal(difference(a, b), 5.0 - b)
    board = checkerboard(a, b, tile=2)
    assert board[0, 0] == b[0, 0] and board[0, 2] == 5.0 and board[2, 0] == 5.0 and board[3, 3] == b[3, 3]
    split = split_view(a, b, 0.5)
    np.testing.assert_array_equal(split[:, :3], b[:, :3])
    np.testing.assert_array_equal(split[:, 3:], 5.0)
    np.testing.assert_array_equal(split_view(a, b, 0.25, vertical=False)[:1], b[:1])
    rgb = overlay_rgb(b, b)
    assert rgb.shape == (4, 6, 3)
    np.testing.assert_array_equal(rgb[..., 0], rgb[..., 1])
    assert (rgb[..., 2] == 0).all()
    with pytest.raises(InputError, match="shapes"):
        difference(a, b[:3])


def test_symmetric_limit_uses_absolute_values():
    assert symmetric_limit([[-4.0, 1.0], [2.0, np.nan]], 100) == 4.0
    assert symmetric_limit(np.zeros((2, 2))) == 1.0


def test_normalise_maps_percentiles_to_unit_range():
    image = np.array([[0.0, 1.0], [2.0, np.nan]])
    out = normalise(image, 0, 100)
    np.testing.assert_allclose(out[0], [0.0, 0.5])
    assert out[1, 0] == 1.0 and np.isnan(out[1, 1])


def test_masks_polygon_brush_threshold():
    square = polygon_mask((10, 10), [(2, 2), (2, 5), (5, 5), (5, 2)])
    assert square.sum() == 16 and square[2:6, 2:6].all()
    with pytest.raises(InputError):
        polygon_mask((10, 10), [(0, 0), (1, 1)])
    painted = brush_mask(np.zeros((9, 9), bool), (4, 4), 1.5)
    assert painted.sum() == 9 and painted[3:6, 3:6].all()
    erased = brush_mask(painted, (4, 4), 1.0, value=False)
    assert not erased[4, 4] and erased.sum() == 8
    stroke = brush_stroke(np.zeros((9, 20), bool), (4, 2), (4, 17), 1.0)
    np.testing.assert_array_equal(np.flatnonzero(stroke.any(axis=0)), np.arange(2, 18))
    assert stroke.sum() == 16
    image = np.array([[0.0, 1.0, 2.0, np.nan]])
    np.testing.assert_array_equal(threshold_mask(image, low=1.0), [[False, True, True, False]])
    np.testing.assert_array_equal(threshold_mask(image, high=1.0), [[True, True, False, False]])
    np.testing.assert_array_equal(threshold_mask(image, 0.5, 1.5), [[False, True, False, False]])


def test_interpolate_excluded_is_linear_between_kept_frames():
    table = np.array([[0, 0, 0], [9, 9, 9], [2, 4, 1], [9, 9, 9], [9, 9, 9], [8, 10, 4]], dtype=float)
    fixed = interpolate_excluded(table, [1, 3, 4])
    np.testing.assert_allclose(fixed[1], [1, 2, 0.5])
    np.testing.assert_allclose(fixed[3], [4, 6, 2])
    np.testing.assert_allclose(fixed[4], [6, 8, 3])
    np.testing.assert_array_equal(fixed[[0, 2, 5]], table[[0, 2, 5]])
    ends = interpolate_excluded(table, [0, 5])
    np.testing.assert_allclose(ends[[0, 5]], [table[1], table[4]])
    energies = np.array([0.0, 1.0, 4.0, 5.0, 6.0, 8.0])
    np.testing.assert_allclose(interpolate_excluded(table, [1], x=energies)[1], [0.5, 1.0, 0.25])


def test_smooth_fit_recovers_a_quadratic_drift():
    x = np.arange(12, dtype=float)
    truth = np.stack([0.1 * x ** 2 - x, 0.5 * x + 2, np.zeros_like(x)], axis=1)
    noisy = truth.copy()
    noisy[[3, 8]] += 7.0
    fitted = smooth_fit(noisy, excluded=[3, 8], degree=2)
    np.testing.assert_allclose(fitted, truth, atol=1e-9)
    everything = smooth_fit(truth, degree=2, replace=range(12))
    np.testing.assert_allclose(everything, truth, atol=1e-9)
    with pytest.raises(InputError, match="kept frames"):
        smooth_fit(truth[:3], degree=3)


def test_common_box_for_known_shifts():
    shifts = np.array([[0.0, 0.0, 0.0], [2.0, -3.0, 0.0], [-1.5, 1.0, 0.0]])
    # rows: data where 0 <= y - dy <= 19 for all -> y in [2, 17]; cols 0 <= x - dx <= 29 -> x in [1, 26]
    assert common_box((20, 30), shifts) == (2, 18, 1, 27)
    box = common_box((40, 40), [[0, 0, 0], [0, 0, 10.0]])
    assert covered_by_all((40, 40), [[0, 0, 0], [0, 0, 10.0]])[box[0]:box[1], box[2]:box[3]].all()
    assert (box[1] - box[0]) * (box[3] - box[2]) > 0.5 * 40 * 40


def test_largest_box_and_crop():
    mask = np.zeros((8, 8), bool)
    mask[1:7, 2:6] = True
    mask[1, 2] = False
    y0, y1, x0, x1 = largest_box(mask)
    assert mask[y0:y1, x0:x1].all() and (y1 - y0) * (x1 - x0) == 20
    stack = np.arange(2 * 8 * 8).reshape(2, 8, 8)
    np.testing.assert_array_equal(crop_stack(stack, (1, 3, 2, 5)), stack[:, 1:3, 2:5])
    with pytest.raises(InputError, match="no pixel"):
        largest_box(np.zeros((3, 3), bool))


def test_csv_text_writes_header_and_empty_nan():
    text = csv_text(["energy", "a,b"], [[1.0, 2.0], [0.5, np.nan]])
    assert text == "energy,a;b\n1.0,0.5\n2.0,\n"
