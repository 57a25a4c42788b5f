"""The robust solver of the consistent strategy, on exact pair measurements with planted outliers."""

import numpy as np

from txmalign_gui.engine.result import FAILED, OK, RegistrationResult
from txmalign_gui.engine.stack.consistent import solve_consistent
from txmalign_gui.engine.stack.plan import consistent_pairs
from txmalign_gui.engine.transform import Transform


def _measure(pairs, truth, noise=0.0, seed=0):
    rng = np.random.default_rng(seed)
    results = {}
    for fixed, moving in pairs:
        # Exact pair transform aligning `moving` with `fixed`: T_moving then T_fixed^-1.
        exact = Transform(*truth[moving]).then(Transform(*truth[fixed]).inverse())
        noisy = Transform(exact.dy + rng.normal(0, noise), exact.dx + rng.normal(0, noise), exact.angle_deg)
        results[(fixed, moving)] = RegistrationResult(noisy, 0.1, "test", {}, 0.0, OK, 0.9)
    return results


def _truth(count, anchor, seed=1, max_angle=2.0):
    rng = np.random.default_rng(seed)
    truth = np.column_stack([rng.uniform(-8, 8, (count, 2)), rng.uniform(-max_angle, max_angle, count)])
    truth[anchor] = 0.0
    return truth


def test_exact_measurements_give_the_exact_transforms():
    truth = _truth(25, 12)
    pairs = consistent_pairs(25, 12, 4, 2)
    solution = solve_consistent(25, 12, _measure(pairs, truth))
    assert np.allclose(solution.transforms, truth, atol=1e-6)
    assert solution.flagged == [] and set(solution.statuses) == {OK}


def test_outlier_pairs_are_rejected_and_flagged():
    truth = _truth(25, 12, max_angle=0.0)
    pairs = consistent_pairs(25, 12, 4, 2)
    results = _measure(pairs, truth, noise=0.05)
    bad = [(12, 16), (12, 20)]
    for pair in bad:
        r = results[pair]
        results[pair] = RegistrationResult(Transform(r.dy + 3.0, r.dx - 2.0), 0.1, "test", {}, 0.0, OK, 0.9)
    solution = solve_consistent(25, 12, results)
    assert np.abs(solution.transforms - truth).max() < 0.15
    assert {(f["fixed"], f["moving"]) for f in solution.flagged} == set(bad)


def test_an_image_whose_every_registration_failed_is_failed():
    truth = _truth(9, 4, max_angle=0.0)
    pairs = [(4, 3), (4, 5), (3, 2), (5, 6), (2, 1), (6, 7), (1, 0), (7, 8), (4, 2), (4, 6)]
    results = _measure(pairs, truth)
    results[(1, 0)] = RegistrationResult(Transform(30.0, 0.0), 9.0, "test", {}, 0.0, FAILED, 0.0, "no peak")
    solution = solve_consistent(9, 4, results)
    assert solution.statuses[0] == FAILED and solution.statuses[4] == OK
    assert any(f["status"] == FAILED for f in solution.flagged)
    assert np.allclose(solution.transforms[1:], truth[1:], atol=1e-6)
