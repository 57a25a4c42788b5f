"""The project's sign convention, checked against scipy/skimage directly."""

import numpy as np
import pytest
from scipy import ndimage
from skimage.transform import rotate

from txmalign_gui.engine.transform import Transform, apply_transform, coverage, image_centre, wrap_angle


@pytest.fixture(scope="module")
def smooth_image():
    rng = np.random.default_rng(0)
    return ndimage.gaussian_filter(rng.random((96, 110)), 4)


def _inner(a, margin=25):
    return a[margin:-margin, margin:-margin]


def test_apply_transform_matches_rotate_then_shift(smooth_image):
    t = Transform(4.2, -7.1, 23.0)
    expected = ndimage.shift(rotate(smooth_image, 23.0, order=3), (4.2, -7.1), order=3)
    got = apply_transform(smooth_image, t, order=3, cval=0.0)
    assert np.abs(_inner(expected - got)).max() < 1e-3


def test_positive_angle_is_counter_clockwise_on_screen():
    image = np.zeros((41, 41))
    image[20, 35] = 1.0  # a dot to the right of the centre
    out = apply_transform(image, Transform(angle_deg=90.0), order=1, cval=0.0)
    row, col = np.unravel_index(np.argmax(out), out.shape)
    assert (row, col) == (5, 20)  # counter-clockwise on screen (rows grow downwards): right -> up


def test_positive_shift_moves_content_down_and_right():
    image = np.zeros((21, 21))
    image[10, 10] = 1.0
    out = apply_transform(image, Transform(3.0, 2.0, 0.0), cval=0.0)
    assert np.unravel_index(np.argmax(out), out.shape) == (13, 12)


def test_then_composes_in_order(smooth_image):
    a, b = Transform(4.2, -7.1, 23.0), Transform(-2.0, 3.0, -11.0)
    twice = apply_transform(apply_transform(smooth_image, a, order=3, cval=0), b, order=3, cval=0)
    once = apply_transform(smooth_image, a.then(b), order=3, cval=0)
    assert np.abs(_inner(twice - once, 35)).max() < 1e-3


def test_inverse_undoes(smooth_image):
    t = Transform(5.5, 1.25, -37.0)
    back = apply_transform(apply_transform(smooth_image, t, order=3, cval=0), t.inverse(), order=3, cval=0)
    assert np.abs(_inner(back - smooth_image, 35)).max() < 1e-3
    ident = t.then(t.inverse())
    assert np.allclose(ident.as_tuple(), (0, 0, 0), atol=1e-9)


def test_recentred_matches_rotation_about_a_crop_centre(smooth_image):
    # Rotating the crop about its own centre equals rotating the full image about its centre plus a shift.
    y0, x0 = 20, 30
    crop = smooth_image[y0:y0 + 50, x0:x0 + 60]
    t_crop = Transform(1.5, -2.0, 15.0)
    full = t_crop.recentred(image_centre(crop.shape) + (y0, x0), image_centre(smooth_image.shape))
    from_crop = apply_transform(crop, t_crop, order=3, cval=0)
    from_full = apply_transform(smooth_image, full, order=3, cval=0)[y0:y0 + 50, x0:x0 + 60]
    assert np.abs(_inner(from_crop - from_full, 15)).max() < 1e-3


def test_scaled_and_wrap_angle():
    assert Transform(2, -4, 10).scaled(0.5).as_tuple() == (1, -2, 10)
    assert wrap_angle(190.0) == pytest.approx(-170.0)
    assert wrap_angle(-180.0) == pytest.approx(180.0)


def test_coverage_marks_pixels_from_inside():
    mask = coverage((20, 20), Transform(0, 5, 0))
    assert not mask[:, :5].any() and mask[:, 5:].all()
