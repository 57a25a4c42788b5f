"""Small fields (64 px): every stack strategy recovers subpixel jitter and says which pyramid levels it used.

A 64 px field cannot be halved without dropping under the 64 px the coarse search needs, so TVDM searches
one level and widens that search towards the reach a full pyramid would have had.
"""

import numpy as np
import pytest
from synthetic_pairs import make_pair

from txmalign_gui.engine import register_pair
from txmalign_gui.engine.stack import align_stack
from txmalign_gui.engine.synthetic import alignment_errors, synthetic_xanes


@pytest.fixture(scope="module")
def small_stack():
    return synthetic_xanes(12, 64, jitter=6.0, noise=0.02, background=0.1, seed=3)


@pytest.mark.parametrize("strategy", ["anchor", "sequential", "chunked", "consistent"])
def test_every_strategy_recovers_jitter_on_a_64_px_field(small_stack, strategy):
    result = align_stack(small_stack.images, "tvdm", strategy=strategy)
    errors = alignment_errors(result.transforms, small_stack.transforms, small_stack.images.shape[1:])
    assert np.sqrt(np.mean(errors ** 2)) < 0.1


def test_a_64_px_pair_reaches_twice_the_single_level_range_and_says_so():
    fixed, moving = make_pair(64, 11.3, -12.6, seed=2)
    result = register_pair(fixed, moving, "tvdm")
    assert result.dy == pytest.approx(11.3, abs=0.1) and result.dx == pytest.approx(-12.6, abs=0.1)
    assert result.details["level_shapes"] == [[64, 64]]
    assert result.details["coarse_search_range"] == 16
