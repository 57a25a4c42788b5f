"""The pieces behind faster TVDM and the methods' evidence: each checked against a plain reference.

- `filters.gaussian` / `edge_strength` give scipy's numbers;
- TVDM's line cost gives the same costs whether whole-pixel neighbours share one interpolation or not;
- phasecorr's window overlap is the window's autocorrelation, and dividing it out leaves no pull towards
  zero shift;
- masked_ncc tells a separate rival peak (behind a valley) from a noise bump on the best peak's shoulder;
- ssd / mi report how far their match stands above the misaligned similarities.
"""

import numpy as np
import pytest
from scipy import ndimage
from synthetic_pairs import make_pair

from txmalign_gui.engine import register_pair
from txmalign_gui.engine.filters import edge_strength, gaussian
from txmalign_gui.engine.methods.masked_ncc import surface_roughness, valley_depth
from txmalign_gui.engine.methods.phase_correlation import _taper, window_overlap
from txmalign_gui.engine.methods.tvdm_cost import Gradients, LineCost
from txmalign_gui.engine.result import OK


@pytest.mark.parametrize("mode", ["reflect", "nearest"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("sigma", [0.7, 1.0, 3.0])
def test_gaussian_matches_scipy(dtype, sigma, mode):
    image = np.random.default_rng(0).random((40, 33)).astype(dtype)
    image[:, 0] += 5.0  # edges on the borders (first column, last row), where the modes differ most
    image[-1] += 3.0
    expected = ndimage.gaussian_filter(image, sigma, mode=mode)
    assert np.allclose(gaussian(image, sigma, mode), expected, atol=1e-5 if dtype == np.float32 else 1e-12)
    # an image shorter than the kernel radius falls back to scipy itself
    short = image[:5]
    assert np.allclose(gaussian(short, 2.0, mode), ndimage.gaussian_filter(short, 2.0, mode=mode))
    with pytest.raises(ValueError, match="mode"):
        gaussian(image, sigma, "wrap")


def test_edge_strength_follows_the_gradient_magnitude():
    image = make_pair(96, 0.0, 0.0)[0]
    ours, scipy_edges = edge_strength(image, 2.0), ndimage.gaussian_gradient_magnitude(image, 2.0)
    assert np.corrcoef(ours[8:-8, 8:-8].ravel(), scipy_edges[8:-8, 8:-8].ravel())[0, 1] > 0.99


@pytest.mark.parametrize("axis", [0, 1])
def test_line_cost_shares_one_interpolation_between_whole_pixel_steps(axis):
    fixed, moving = make_pair(64, 2.3, -1.6)
    a, b = Gradients.of(fixed.astype(np.float32)), Gradients.of(moving.astype(np.float32))
    costs = LineCost(a, b, 0.4, axis)
    for shift in (-1.7, 0.25, 2.9):
        together = costs(shift, (-1.0, 0.0, 1.0))
        apart = [costs(shift + step)[0] for step in (-1.0, 0.0, 1.0)]
        assert np.allclose(together, apart, rtol=1e-6)


def test_window_overlap_is_the_window_autocorrelation():
    length = 50
    window = _taper(np.arange(length), length)
    lags = np.arange(-length + 1, length)
    assert np.allclose(window_overlap(length, lags), np.correlate(window, window, "full"))
    # fractional lags fall between their whole neighbours
    assert window_overlap(length, np.array([3.0]))[0] > window_overlap(length, np.array([3.5]))[0] > \
        window_overlap(length, np.array([4.0]))[0]


def test_phasecorr_has_no_pull_towards_zero_shift():
    """A window that does not follow the content pulled the peak about 0.06 px towards zero shift at
    256 px (0.1-0.2 px at 128 px); with the overlap divided out the errors scatter around zero."""
    errors = []
    for seed in range(1, 6):
        fixed, moving = make_pair(256, 9.37, -12.81, seed=seed)
        result = register_pair(fixed, moving, "phasecorr")
        assert result.status == OK
        errors.append((result.dy - 9.37, result.dx + 12.81))
    errors = np.array(errors)
    assert np.abs(errors).max() < 0.1, errors
    assert np.all(np.abs(errors.mean(axis=0)) < 0.04), errors


def test_valley_separates_rival_peaks_from_shoulder_bumps():
    rows, cols = np.mgrid[0:41, 0:41]

    def bump(cy, cx, height, width):
        return height * np.exp(-((rows - cy) ** 2 + (cols - cx) ** 2) / (2 * width ** 2))

    noise = 0.002 * np.random.default_rng(1).standard_normal(rows.shape)
    two_peaks = bump(12, 12, 1.0, 2.0) + bump(28, 30, 0.95, 2.0) + noise
    assert valley_depth(two_peaks, (12, 12), (28, 30)) > 4 * surface_roughness(two_peaks)
    # one broad peak whose shoulder carries a small bump: no valley worth the name
    shoulder = bump(20, 20, 1.0, 10.0) + bump(20, 26, 0.01, 0.8) + noise
    assert valley_depth(shoulder, (20, 20), (20, 26)) < 4 * surface_roughness(shoulder)


@pytest.mark.parametrize("method", ["ssd", "mi"])
def test_intensity_methods_report_the_significance_of_their_match(method):
    fixed, moving = make_pair(96, 3.2, -2.4, seed=2)
    result = register_pair(fixed, moving, method)
    assert result.status == OK
    details = result.details
    assert details["significance"] > 8
    assert details["significance"] == pytest.approx(
        (details["similarity"] - details["misaligned_similarity"]) / details["misaligned_spread"])
