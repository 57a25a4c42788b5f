"""The synthetic XANES generator: deterministic, its ground truth obeys the sign convention, contrast flips."""

import numpy as np
import pytest

from txmalign_gui.engine.errors import InputError
from txmalign_gui.engine.synthetic import EDGE_A_EV, EDGE_B_EV, alignment_errors, edge_absorption, synthetic_xanes
from txmalign_gui.engine.transform import Transform, apply_transform


def test_same_seed_same_stack_and_other_seed_differs():
    a = synthetic_xanes(5, 64, seed=4)
    b = synthetic_xanes(5, 64, seed=4)
    c = synthetic_xanes(5, 64, seed=5)
    assert np.array_equal(a.images, b.images) and np.array_equal(a.transforms, b.transforms)
    assert not np.allclose(a.images, c.images)
    assert a.images.dtype == np.float32 and a.images.shape == (5, 64, 64)


def test_truth_aligns_every_image_with_the_anchor():
    # Same energy, no noise, no background: only the motion differs, so applying the truth must match.
    stack = synthetic_xanes(7, 96, max_angle=3.0, noise=0.0, background=0.0, energies=np.full(7, 7700.0),
                            seed=2)
    anchor = stack.images[stack.anchor]
    assert np.allclose(stack.transforms[stack.anchor], 0.0)
    assert np.abs(stack.transforms[:, :2]).max() > 4 and np.abs(stack.transforms[:, 2]).max() > 1
    for image, truth in zip(stack.images, stack.transforms):
        aligned = apply_transform(image, Transform(*truth), order=3)
        inner = np.s_[16:-16, 16:-16]
        assert np.nanmax(np.abs(aligned[inner] - anchor[inner])) < 0.02 * anchor.std()
        moved_back_wrong = apply_transform(image, Transform(*-truth), order=3)
        if np.abs(truth).max() > 1:
            assert np.nanmax(np.abs(moved_back_wrong[inner] - anchor[inner])) > 0.05


def test_jitter_bounds_and_energies():
    stack = synthetic_xanes(31, 64, jitter=8.0, seed=1)
    assert np.abs(stack.transforms[:, :2]).max() <= 16.0 + 1e-9
    assert stack.energies[0] < EDGE_A_EV < EDGE_B_EV < stack.energies[-1]
    assert stack.transforms.shape == (31, 3) and stack.anchor == 15


def test_contrast_between_phases_changes_sign_across_the_edges():
    between = 0.5 * (EDGE_A_EV + EDGE_B_EV)
    far_above = EDGE_B_EV + 40.0
    assert edge_absorption(between, EDGE_A_EV) > edge_absorption(between, EDGE_B_EV) + 0.5
    assert abs(edge_absorption(far_above, EDGE_A_EV) - edge_absorption(far_above, EDGE_B_EV)) < 0.05
    assert edge_absorption(7690.0, EDGE_A_EV) < 0.4 < edge_absorption(far_above, EDGE_A_EV)


def test_alignment_errors_measures_shift_and_rotation():
    truth = np.array([[0.0, 0.0, 0.0], [1.0, 2.0, 0.0]])
    assert np.allclose(alignment_errors(truth + [[0.3, 0.4, 0.0], [0, 0, 0]], truth, (64, 64)), [0.5, 0.0])
    rotated = alignment_errors([[0.0, 0.0, 1.0]], [[0.0, 0.0, 0.0]], (101, 101))[0]
    assert 0.5 < rotated < 1.0  # about 1 deg x RMS radius (~41 px) in radians


def test_bad_requests_raise_input_error():
    with pytest.raises(InputError):
        synthetic_xanes(1, 64)
    with pytest.raises(InputError):
        synthetic_xanes(4, 64, energies=[1.0, 2.0])
    with pytest.raises(InputError):
        alignment_errors(np.zeros((2, 3)), np.zeros((3, 3)), (8, 8))
