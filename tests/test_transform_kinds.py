"""Similarity and affine transforms: the sign convention of scale and shear, composition across kinds, and
images of different shapes, checked against skimage's own warp."""

import numpy as np
import pytest
from scipy import ndimage
from skimage import transform as sktf

from txmalign_gui.engine.transform import (
    Affine,
    Similarity,
    Transform,
    apply_transform,
    coverage,
    from_dict,
    from_row,
    image_centre,
    widen,
)


@pytest.fixture(scope="module")
def smooth_image():
    rng = np.random.default_rng(1)
    return ndimage.gaussian_filter(rng.random((96, 110)), 4)


def _inner(a, margin=30):
    return a[margin:-margin, margin:-margin]


def _peak(image):
    """Sub-pixel position of a single smooth blob (intensity centroid)."""
    weights = np.nan_to_num(image)
    rows, cols = np.indices(image.shape)
    return np.array([(weights * rows).sum(), (weights * cols).sum()]) / weights.sum()


def _blob(shape, at, sigma=1.5):
    rows, cols = np.indices(shape)
    return np.exp(-((rows - at[0]) ** 2 + (cols - at[1]) ** 2) / (2 * sigma ** 2))


def _skimage_warp(image, transform, output_shape=None):
    """Independent resampling: skimage's AffineTransform in (x, y) = (col, row) from the pixel matrix."""
    m = transform.pixel_matrix(image.shape, output_shape)
    swap = np.array([[0, 1], [1, 0]])
    xy = np.eye(3)
    xy[:2, :2] = swap @ m[:, :2] @ swap
    xy[:2, 2] = swap @ m[:, 2]
    return sktf.warp(image, sktf.AffineTransform(matrix=xy).inverse, order=3, cval=0.0,
                     output_shape=output_shape or image.shape)


def test_scale_above_one_magnifies_moving_points_away_from_the_centre():
    shape = (61, 61)
    c = image_centre(shape)
    image = _blob(shape, c + (6.0, 10.0))
    out = apply_transform(image, Similarity(scale=1.5), order=3, cval=0.0)
    np.testing.assert_allclose(_peak(out), c + (9.0, 15.0), atol=0.05)  # further down and right
    # a magnified copy of known centre: size grows by the scale
    ring = (np.hypot(*(np.indices(shape) - c[:, None, None])) < 8).astype(float)
    assert apply_transform(ring, Similarity(scale=1.25), order=1, cval=0.0).sum() == pytest.approx(
        ring.sum() * 1.25 ** 2, rel=0.03)


def test_positive_shear_a12_moves_points_right_of_centre_down():
    shape = (61, 61)
    c = image_centre(shape)
    image = _blob(shape, c + (0.0, 10.0))
    out = apply_transform(image, Affine(a12=0.2), order=3, cval=0.0)
    np.testing.assert_allclose(_peak(out), c + (2.0, 10.0), atol=0.05)
    stretched = apply_transform(_blob(shape, c + (5.0, 5.0)), Affine(a11=1.2, a22=0.8), order=3, cval=0.0)
    np.testing.assert_allclose(_peak(stretched), c + (6.0, 4.0), atol=0.05)


@pytest.mark.parametrize("transform", [Transform(4.2, -7.1, 23.0), Similarity(3.0, -2.5, -17.0, 1.12),
                                       Affine(-2.0, 1.5, 1.05, 0.1, -0.07, 0.93)])
def test_apply_transform_matches_skimage_warp(smooth_image, transform):
    got = apply_transform(smooth_image, transform, order=3, cval=0.0)
    assert np.abs(_inner(got - _skimage_warp(smooth_image, transform))).max() < 1e-3


def test_similarity_without_scale_is_the_rigid_transform(smooth_image):
    rigid, similar = Transform(4.2, -7.1, 23.0), Similarity(4.2, -7.1, 23.0, 1.0)
    np.testing.assert_allclose(similar.linear(), rigid.linear())
    np.testing.assert_allclose(apply_transform(smooth_image, similar), apply_transform(smooth_image, rigid))


PAIRS = [(Transform(4.2, -7.1, 23.0), Similarity(-2.0, 3.0, -11.0, 0.9)),
         (Similarity(1.0, 2.0, 5.0, 1.1), Transform(-2.0, 3.0, -11.0)),
         (Similarity(1.0, 2.0, 5.0, 1.1), Similarity(0.5, -1.0, 8.0, 0.95)),
         (Affine(1.0, -2.0, 1.05, 0.08, -0.05, 0.97), Transform(2.0, 1.0, 9.0)),
         (Transform(2.0, 1.0, 9.0), Affine(1.0, -2.0, 1.05, 0.08, -0.05, 0.97))]


@pytest.mark.parametrize("first, second", PAIRS)
def test_then_composes_across_kinds(smooth_image, first, second):
    both = first.then(second)
    expected_kind = max(first.kind, second.kind, key=["rigid", "similarity", "affine"].index)
    assert both.kind == expected_kind
    twice = apply_transform(apply_transform(smooth_image, first, order=3, cval=0), second, order=3, cval=0)
    once = apply_transform(smooth_image, both, order=3, cval=0)
    assert np.abs(_inner(twice - once, 35)).max() < 2e-3


@pytest.mark.parametrize("transform", [Similarity(5.5, 1.25, -37.0, 1.15), Affine(2.0, -3.0, 0.9, 0.12, 0.05, 1.1)])
def test_inverse_undoes(smooth_image, transform):
    back = apply_transform(apply_transform(smooth_image, transform, order=3, cval=0), transform.inverse(),
                           order=3, cval=0)
    assert np.abs(_inner(back - smooth_image, 35)).max() < 2e-3
    ident = transform.then(transform.inverse())
    assert ident.kind == transform.kind and ident.is_identity(1e-9)


@pytest.mark.parametrize("transform", [Similarity(1.5, -2.0, 15.0, 1.08), Affine(1.5, -2.0, 1.04, -0.06, 0.03, 0.95)])
def test_recentred_matches_a_crop(smooth_image, transform):
    y0, x0 = 20, 30
    crop = smooth_image[y0:y0 + 50, x0:x0 + 60]
    full = transform.recentred(image_centre(crop.shape) + (y0, x0), image_centre(smooth_image.shape))
    assert full.kind == transform.kind
    from_crop = apply_transform(crop, transform, order=3, cval=0)
    from_full = apply_transform(smooth_image, full, order=3, cval=0)[y0:y0 + 50, x0:x0 + 60]
    assert np.abs(_inner(from_crop - from_full, 15)).max() < 1e-3


def test_scaled_is_the_same_motion_on_a_binned_image(smooth_image):
    t = Similarity(4.0, -6.0, 12.0, 1.1)
    image = smooth_image[:96, :108]

    def bin2(a):
        return a.reshape(a.shape[0] // 2, 2, a.shape[1] // 2, 2).mean(axis=(1, 3))

    full_then_bin = bin2(apply_transform(image, t, order=3, cval=0))
    bin_then_half = apply_transform(bin2(image), t.scaled(0.5), order=3, cval=0)
    assert np.abs(_inner(full_then_bin - bin_then_half, 15)).max() < 5e-3
    assert t.scaled(0.5).to_row() == (2.0, -3.0, 12.0, 1.1)


def test_pixel_matrix_of_images_with_different_shapes(smooth_image):
    # B is a crop of A: the absolute map B -> A is a shift by the crop's corner.
    y0, x0 = 10, 20
    b = smooth_image[y0:y0 + 50, x0:x0 + 70]
    m = np.array([[1.0, 0.0, y0], [0.0, 1.0, x0]])
    t = Affine.from_pixel_matrix(m, moving_shape=b.shape, fixed_shape=smooth_image.shape)
    np.testing.assert_allclose(t.pixel_matrix(b.shape, smooth_image.shape), m, atol=1e-12)
    b_in_a = apply_transform(b, t, output_shape=smooth_image.shape)
    assert b_in_a.shape == smooth_image.shape
    np.testing.assert_allclose(b_in_a[y0:y0 + 50, x0:x0 + 70], b, atol=1e-9)
    assert np.isnan(b_in_a[:y0]).all() and np.isnan(b_in_a[:, x0 + 70:]).all()
    # the inverse maps A back onto B's grid
    a_in_b = apply_transform(smooth_image, t.inverse(), output_shape=b.shape)
    np.testing.assert_allclose(a_in_b, b, atol=1e-9)
    # a scaled, rotated map between shapes agrees with skimage's warp
    s = Similarity(3.0, -4.0, 20.0, 1.3)
    got = apply_transform(b, s, order=3, cval=0.0, output_shape=smooth_image.shape)
    assert np.abs(_inner(got - _skimage_warp(b, s, smooth_image.shape))).max() < 1e-3
    assert coverage(b.shape, t, output_shape=smooth_image.shape).sum() == b.size


def test_coverage_follows_the_scale():
    assert coverage((40, 40), Similarity(scale=2.0)).all()
    shrunk = coverage((40, 40), Similarity(scale=0.5))
    assert shrunk[20, 20] and not shrunk[0].any() and shrunk.sum() == pytest.approx(400, rel=0.15)


def test_rows_dicts_and_widening_round_trip():
    for t in (Transform(1, 2, 3), Similarity(1, 2, 3, 1.01), Affine(1, 2, 1.1, 0.1, -0.1, 0.9)):
        assert from_row(t.to_row()) == t and from_dict(t.to_dict()) == t
        np.testing.assert_allclose(Affine.from_matrix(t.matrix()).linear(), t.linear())
    assert Transform(1, 2, 3).to_dict() == {"dy": 1.0, "dx": 2.0, "angle_deg": 3.0}  # rigid output unchanged
    assert widen(Transform(1, 2, 3), "similarity") == Similarity(1, 2, 3, 1.0)
    assert widen(Similarity(1, 2, 30, 2.0), "affine").scale == pytest.approx(2.0)
    assert widen(Similarity(1, 2, 30, 2.0), "affine").angle_deg == pytest.approx(30.0)
    with pytest.raises(ValueError):
        widen(Similarity(scale=1.1), "rigid")
    with pytest.raises(ValueError):
        Similarity(scale=0.0)
    with pytest.raises(ValueError):
        Affine(a11=0.0, a22=0.0)
