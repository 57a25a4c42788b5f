"""The fast translation path of apply_transform gives what ndimage.shift (order 1, constant) gives."""

import numpy as np
import pytest
from scipy import ndimage

from txmalign_gui.engine.transform import Transform, apply_transform


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fast_linear_shift_matches_ndimage_shift_values_and_borders(dtype):
    rng = np.random.default_rng(4)
    image = rng.random((23, 17)).astype(dtype)
    shifts = [(0.0, 0.0), (2.0, -1.0), (0.0, 0.5), (-1e-9, 0.0), (2.9999999, 0.0), (3.3, -2.7), (-5.5, 7.25),
              (22.5, 0.0), (30.0, 1.0), (-16.9, -0.1)] + [tuple(rng.uniform(-12, 12, 2)) for _ in range(40)]
    for dy, dx in shifts:
        expected = ndimage.shift(image, (dy, dx), order=1, mode="constant", cval=np.nan)
        found = apply_transform(image, Transform(dy, dx))
        assert found.dtype == image.dtype
        np.testing.assert_array_equal(np.isnan(found), np.isnan(expected), err_msg=f"border for {(dy, dx)}")
        np.testing.assert_allclose(found, expected, rtol=1e-5, atol=1e-6, equal_nan=True)
    filled = apply_transform(image, Transform(1.5, -2.25), cval=0.0)
    np.testing.assert_allclose(filled, ndimage.shift(image, (1.5, -2.25), order=1, mode="constant", cval=0.0),
                               rtol=1e-5, atol=1e-6)
