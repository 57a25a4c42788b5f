"""The TVDM paper's synthetic experiments (Xiao et al., JSR 2022), rebuilt from its text on TXM-like scenes.

Experiment 1: additive Gaussian noise N(mu, sigma) with mu = sigma, background offsets 0/0 and 0.6/0.3.
Experiment 2: backgrounds b + sin(L / w) N(0.5, 0.5), L along x in the fixed and along y in the moving image.
Moving is shifted by (13.5, 21.3) px (x, y) and rotated by 53.9 deg.  The records of where phase correlation
and SSD fail are assertions too, so a change in their behaviour shows up here.
"""

import numpy as np
import pytest
from synthetic_pairs import gaussian_noise, make_pair, sinusoidal_background

from txmalign_gui.engine import InputError, get_method, register_pair
from txmalign_gui.engine.result import LOW_CONFIDENCE, OK

TRUTH = (21.3, 13.5, 53.9)  # (dy, dx, angle): the paper's x = 13.5, y = 21.3
RIGID = {"rotation": True, "angle_range": 180, "population": 30}


def experiment_1(size, level, offsets, angle=TRUTH[2], seed=1):
    rng = np.random.default_rng(seed)
    fixed, moving = make_pair(size, TRUTH[0], TRUTH[1], angle, seed=seed)
    return (fixed + gaussian_noise(fixed.shape, level, level, rng) + offsets[0],
            moving + gaussian_noise(moving.shape, level, level, rng) + offsets[1])


def experiment_2(size, level=0.5, angle=TRUTH[2], seed=1):
    rng = np.random.default_rng(seed)
    fixed, moving = make_pair(size, TRUTH[0], TRUTH[1], angle, seed=seed)
    return (fixed + sinusoidal_background(fixed.shape, 21, 1, 0.6, level, level, rng),
            moving + sinusoidal_background(moving.shape, 33, 0, 0.3, level, level, rng))


def errors(result, angle=TRUTH[2]):
    return abs(result.dy - TRUTH[0]), abs(result.dx - TRUTH[1]), abs(result.angle_deg - angle)


@pytest.mark.parametrize("offsets", [(0.0, 0.0), (0.6, 0.3)])
@pytest.mark.parametrize("seed", [1, 2])
def test_experiment_1_tvdm_succeeds(offsets, seed):
    result = register_pair(*experiment_1(384, 0.5, offsets, seed=seed), "tvdm", params=RIGID)
    ey, ex, ea = errors(result)
    assert max(ey, ex) < 0.7 and ea < 0.2
    # At mu = sigma = 0.5 the shift keeps a standard error of about 0.14 px per axis (translation only, noise
    # seeds 1-12: RMS errors 0.12 / 0.15 px, TVDM's estimates 0.135 / 0.144 px), so errors of 0.3-0.4 px occur
    # and the answer is not `ok` (it was before TVDM measured its precision); seeds 1 and 2 land within 0.16 px.
    assert result.status == LOW_CONFIDENCE and result.message.startswith("noise limits the precision: about")
    assert 0.05 < max(result.details["precision_px"]) < 0.3


@pytest.mark.parametrize("offsets", [(0.0, 0.0), (0.6, 0.3)])
def test_experiment_1_strongest_noise_is_resolved_at_full_resolution(offsets):
    # The paper reports 0.7 px / 0.2 deg at mu = sigma = 1.0.  Noise makes TVDM smooth the finest level
    # (6 px here) and compare squared gradient differences, so the answer comes from full resolution; the
    # precision is still noise-limited, which the status says.  Measured at 384 px over noise seeds 1-4 and
    # both offsets: 0.15-0.95 px / 0.01-0.22 deg (seed 1: 0.37 px / 0.22 deg).
    result = register_pair(*experiment_1(384, 1.0, offsets), "tvdm", params=RIGID)
    ey, ex, ea = errors(result)
    assert max(ey, ex) < 0.5 and ea < 0.25
    assert result.details["resolved_level"] == 0 and result.details["level_sigmas"][0] >= 4
    assert result.status != OK and "noise limits the precision" in result.message


@pytest.mark.parametrize("seed", [1, 2])
def test_experiment_2_tvdm_succeeds(seed):
    result = register_pair(*experiment_2(384, seed=seed), "tvdm", params=RIGID)
    ey, ex, ea = errors(result)
    assert max(ey, ex) < 0.7 and ea < 0.2


def test_experiment_2_translation_only():
    # Noise seeds 1-12 err by 0.11 / 0.18 px RMS per axis; TVDM measures 0.18 / 0.16 px here (the answer is
    # within 0.08 px), so the status says the precision is noise-limited (it was `ok` before TVDM measured it).
    result = register_pair(*experiment_2(256, angle=0.0), "tvdm")
    ey, ex, _ = errors(result, 0.0)
    assert max(ey, ex) < 0.7 and result.status == LOW_CONFIDENCE
    assert result.message.startswith("noise limits the precision: about")


def test_phase_correlation_fails_with_modulated_backgrounds():
    result = register_pair(*experiment_2(256, angle=0.0), "phasecorr")
    ey, ex, _ = errors(result, 0.0)
    assert max(ey, ex) > 2.0
    assert result.status != "ok" and "backgrounds may dominate" in result.message  # never a silent failure


def test_phase_correlation_fails_at_the_strongest_noise_without_rotation():
    # Shift only, mu = sigma = 1.0: phase correlation is unstable (off by more than 2 px for this noise
    # draw, within 1 px for others), TVDM stays within 0.7 px.
    pair = experiment_1(384, 1.0, (0.6, 0.3), angle=0.0, seed=2)
    assert max(errors(register_pair(*pair, "phasecorr"), 0.0)[:2]) > 2.0
    assert max(errors(register_pair(*pair, "tvdm"), 0.0)[:2]) < 0.7


def test_phase_correlation_cannot_recover_the_rotation():
    result = register_pair(*experiment_1(256, 0.5, (0.0, 0.0)), "phasecorr")
    assert max(errors(result)[:2]) > 2.0


def _ssd():
    try:
        return get_method("ssd")
    except InputError:
        pytest.skip("the ssd method is not available")


# The paper's plain SSD fails on these cases.  Ours does not: its coarsest level is searched with a
# normalised (mean-removed) correlation, which ignores the constant offsets, and Powell only refines
# within 3 px of that start.  Recorded here as measured, so a regression shows.
def test_ssd_survives_different_background_offsets():
    spec = _ssd()
    params = {"rotation": True, "angle_range": 180} if spec.supports_rotation else {}
    result = register_pair(*experiment_1(256, 0.1, (0.6, 0.3)), "ssd", params=params)
    ey, ex, ea = errors(result)
    assert max(ey, ex) < 0.7 and ea < 0.2


def test_ssd_survives_modulated_backgrounds_without_noise():
    _ssd()
    result = register_pair(*experiment_2(256, level=0.0, angle=0.0), "ssd")
    assert max(errors(result, 0.0)[:2]) < 0.7
