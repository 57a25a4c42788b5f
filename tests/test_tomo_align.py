"""End-to-end tomography alignment on an exact ellipsoid phantom with known jitter, noise and axis offset.

Shifts that only translate the whole sample (a common dy; a cos(t) + b sin(t) + c in dx) cannot be told
apart from the sample's own position, so the injected jitter is generated without them and the errors
are measured with the common offset removed, as the result's convention promises.
"""

import json
import threading

import numpy as np
import pytest
from scipy import ndimage

from txmalign_gui.engine import Cancelled, InputError, Transform, apply_transform
from txmalign_gui.engine.tomo import TOMO_PARAMS, align_tomo
from txmalign_gui.engine.tomo.phantom import default_phantom, project, slice_image
from txmalign_gui.engine.tomo.sinusoid import remove_sample_motion

SIZE, COUNT, AXIS_OFFSET = 96, 90, 3.5
ANGLES = np.linspace(0.0, 180.0, COUNT, endpoint=False)


def gauge_free_jitter(seed, amplitude=10.0):
    rng = np.random.default_rng(seed)
    raw = rng.uniform(-amplitude, amplitude, (COUNT, 2))
    dy, dx = remove_sample_motion(raw[:, 0], raw[:, 1], ANGLES)
    return np.stack([dy, dx - dx.mean()], axis=1)


def jitter_errors(transforms, jitter):
    """Per-projection error (px) of corrections that should undo `jitter`, common offset removed."""
    error = transforms[:, :2] + jitter
    error -= error.mean(axis=0)
    return np.hypot(error[:, 0], error[:, 1])


@pytest.fixture(scope="module")
def phantom():
    return default_phantom(SIZE, SIZE)


@pytest.fixture(scope="module")
def noisy_series(phantom):
    jitter = gauge_free_jitter(seed=7)
    clean = project(phantom, ANGLES, SIZE, SIZE, axis_offset=AXIS_OFFSET, shifts=jitter)
    noise = np.random.default_rng(8).normal(0.0, 0.02 * clean.max(), clean.shape)
    return (clean + noise).astype(np.float32), jitter


@pytest.fixture(scope="module")
def aligned(noisy_series):
    projections, _ = noisy_series
    rounds = []
    result = align_tomo(projections, ANGLES, on_iteration=lambda it, t: rounds.append((it, t.copy())))
    return result, rounds


def test_jitter_is_recovered_to_subpixel_accuracy(aligned, noisy_series):
    result, _ = aligned
    errors = jitter_errors(result.transforms, noisy_series[1])
    assert np.sqrt(np.mean(errors ** 2)) < 0.3
    assert errors.max() < 1.0
    assert result.transforms.shape == (COUNT, 3)
    # No tilt was put in: the measured one is near zero and is what the angle column undoes.
    assert abs(result.axis_tilt_deg) < 0.1
    assert np.all(result.transforms[:, 2] == -result.axis_tilt_deg)


def test_rotation_axis_offset_is_found_and_centred(aligned):
    result, _ = aligned
    assert result.centre_offset == pytest.approx(AXIS_OFFSET, abs=0.2)
    # Centring is part of the corrections: their mean dx moves the axis to the central column.
    assert result.transforms[:, 1].mean() == pytest.approx(-AXIS_OFFSET, abs=0.2)


def test_reconstructed_slice_gets_closer_to_the_phantom(aligned, phantom):
    result, _ = aligned
    truth = slice_image(phantom, result.slice_row, SIZE, SIZE)
    centre = (SIZE - 1) / 2.0
    y, x = np.mgrid[0:SIZE, 0:SIZE] - centre
    inside = x ** 2 + y ** 2 <= centre ** 2
    before = np.sqrt(np.mean((result.slice_before - truth)[inside] ** 2))
    after = np.sqrt(np.mean((result.slice_after - truth)[inside] ** 2))
    assert after < 0.5 * before


def test_iterations_are_reported_and_shrink(aligned):
    result, rounds = aligned
    assert len(rounds) == len(result.iterations) >= 3
    assert [b for b in (it.binning for it in result.iterations)][-1] == 1
    assert {it.binning for it in result.iterations} == {4, 2, 1}
    assert result.iterations[-1].max_change_px < result.iterations[0].max_change_px
    assert result.converged
    assert result.residuals.shape == (len(result.iterations), 3)
    np.testing.assert_allclose(rounds[-1][1], result.transforms)
    json.dumps(result.to_dict())


def test_consistency_alone_corrects_large_jitter(noisy_series):
    projections, jitter = noisy_series
    result = align_tomo(projections, ANGLES, params={"coarse": False, "iterations": 10, "preview": False})
    errors = jitter_errors(result.transforms, jitter)
    assert np.sqrt(np.mean(errors ** 2)) < 0.3
    assert errors.max() < 1.0


def test_sign_convention_matches_ndimage_shift(phantom):
    """Shifts put in with ndimage.shift come back as the corrections that undo them (our convention)."""
    clean = project(phantom, ANGLES, SIZE, SIZE)
    shifts = gauge_free_jitter(seed=3, amplitude=4.0)
    moved = np.stack([ndimage.shift(p, s, order=3, mode="nearest") for p, s in zip(clean, shifts)])
    result = align_tomo(moved, ANGLES, params={"binning": 2, "preview": False})
    np.testing.assert_allclose(result.transforms[:, :2], -shifts, atol=0.3)
    for i in (0, COUNT // 3, COUNT - 1):
        restored = apply_transform(moved[i], Transform(*result.transforms[i]), cval=0.0)
        core = (slice(10, -10), slice(10, -10))
        assert np.abs(restored[core] - clean[i][core]).max() < 0.1 * clean[i].max()


def test_corrections_without_axis_centring_have_zero_mean(noisy_series):
    projections, jitter = noisy_series
    result = align_tomo(projections, ANGLES, params={"centre_axis": False, "binning": 2, "iterations": 3,
                                                      "preview": False})
    assert result.transforms[:, 1].mean() == pytest.approx(0.0, abs=1e-9)
    assert result.centre_offset == pytest.approx(AXIS_OFFSET, abs=0.3)
    assert np.sqrt(np.mean(jitter_errors(result.transforms, jitter) ** 2)) < 0.3


def test_cancel_stops_alignment(noisy_series):
    event = threading.Event()
    seen = []

    def progress(fraction, message):
        seen.append(fraction)
        if fraction > 0.3:
            event.set()

    with pytest.raises(Cancelled):
        align_tomo(noisy_series[0], ANGLES, progress=progress, cancel=event)
    assert seen == sorted(seen)


@pytest.mark.parametrize("projections, angles, params, text", [
    (np.ones((COUNT, SIZE)), ANGLES, None, "3-D"),
    (np.ones((1, SIZE, SIZE)), ANGLES[:1], None, "at least 2"),
    (np.ones((COUNT, SIZE, SIZE)), ANGLES[:-1], None, "one angle per projection"),
    (np.full((COUNT, SIZE, SIZE), np.nan), ANGLES, None, "NaN"),
    (np.ones((COUNT, SIZE, SIZE)), ANGLES, {"method": "nosuch"}, "unknown method"),
    (np.ones((COUNT, SIZE, SIZE)), ANGLES, {"binning": 3}, "binning"),
    (np.zeros((COUNT, SIZE, SIZE)), ANGLES, None, "line integrals"),
])
def test_bad_input_raises_clear_errors(projections, angles, params, text):
    with pytest.raises(InputError, match=text):
        align_tomo(projections, angles, params=params)


def test_parameters_are_described_as_data():
    names = [p.name for p in TOMO_PARAMS]
    assert {"iterations", "binning", "tolerance", "slices", "method"} <= set(names)
    assert all(p.help for p in TOMO_PARAMS)
