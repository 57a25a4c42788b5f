"""Limited-angle and sparse series: SIRT-based consistency from +-60 deg and from 30 projections, and the
pairwise fallback (with a notice) below what consistency can use."""

import math

import numpy as np
import pytest

from txmalign_gui.engine.tomo import align_tomo
from txmalign_gui.engine.tomo.phantom import default_phantom, project, slice_image
from txmalign_gui.engine.tomo.projector import ParallelProjector
from txmalign_gui.engine.tomo.sinusoid import remove_sample_motion

SIZE = 64
FAST = {"preview": False, "binning": 2, "iterations": 4}


def series(angles, seed, amplitude=5.0, sample_motion_free=True):
    rng = np.random.default_rng(seed)
    raw = rng.uniform(-amplitude, amplitude, (len(angles), 2))
    if sample_motion_free:
        dy, dx = remove_sample_motion(raw[:, 0], raw[:, 1], angles)
        raw = np.stack([dy, dx - dx.mean()], axis=1)
    clean = project(default_phantom(SIZE, SIZE), angles, SIZE, SIZE, axis_offset=2.0, shifts=raw)
    return (clean + rng.normal(0.0, 0.01 * clean.max(), clean.shape)).astype(np.float32), raw


def errors(transforms, jitter):
    error = transforms[:, :2] + jitter
    error -= error.mean(axis=0)
    return np.hypot(error[:, 0], error[:, 1])


def test_sirt_fits_a_missing_wedge_far_better_than_fbp():
    angles = np.linspace(-60.0, 60.0, 41)
    phantom = default_phantom(SIZE, SIZE)
    sinogram = project(phantom, angles, SIZE, SIZE)[:, SIZE // 2:SIZE // 2 + 1, :]
    projector = ParallelProjector(SIZE, angles)
    truth = slice_image(phantom, SIZE // 2, SIZE, SIZE).ravel()[projector.inside]

    def scores(volume):
        misfit = np.sqrt(np.mean((projector.forward(volume) - sinogram) ** 2) / np.mean(sinogram ** 2))
        return misfit, np.sqrt(np.mean((volume[0].ravel()[projector.inside] - truth) ** 2))

    fbp_misfit, fbp_error = scores(projector.reconstruct(sinogram))
    sirt_misfit, sirt_error = scores(projector.sirt(sinogram))
    assert sirt_misfit < fbp_misfit / 3
    assert sirt_error < fbp_error


@pytest.mark.parametrize("angles", [np.linspace(-60.0, 60.0, 41), np.linspace(0.0, 180.0, 30, endpoint=False)],
                         ids=["plus-minus-60-deg", "30-projections"])
def test_consistency_works_on_limited_and_sparse_series(angles):
    projections, jitter = series(angles, seed=len(angles))
    result = align_tomo(projections, angles, params=FAST)
    assert not result.pairwise_fallback
    assert result.params["reconstruction"] == "sirt"
    found = errors(result.transforms, jitter)
    assert np.sqrt(np.mean(found ** 2)) < 0.1 and found.max() < 0.3
    assert result.centre_offset == pytest.approx(2.0, abs=0.2)


@pytest.mark.parametrize("angles, reason", [(np.linspace(0.0, 6.0, 7), "too few"),
                                            (np.linspace(0.0, 60.0, 40), "span only")])
def test_too_little_for_consistency_falls_back_to_pairwise_with_a_notice(angles, reason):
    # Over a few degrees the projections barely change, so pairwise registration recovers plain jitter.
    projections, jitter = series(angles, seed=3, amplitude=3.0, sample_motion_free=False)
    result = align_tomo(projections, angles, params=FAST)
    assert result.pairwise_fallback and math.isnan(result.centre_offset)
    assert reason in result.messages[0] and "pairwise" in result.messages[0]
    assert result.transforms.shape == (len(angles), 3)
    if np.ptp(angles) < 10:
        assert np.sqrt(np.mean(errors(result.transforms, jitter) ** 2)) < 0.3
