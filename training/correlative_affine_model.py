"""The correlative similarity predictor's architecture (a two-branch `spec_resnet.SpecNet`).

An X-ray branch and an EM branch with their own weights (5 x 5 stride-2 stem, max pool, stages of 16 and 32
channels, one residual block each) turn each 64 x 64 image into an 8 x 8 feature map; the two maps are
concatenated and pass one joint stage (64 channels, stride 2) that can compare them position by position;
the 4 x 4 result is flattened (global pooling would discard where things are, which a shift needs) and a
hidden layer of 128 feeds the four outputs: standardised (angle_deg, log scale, dy, dx) on the 64 px grid.
`target_std` are the standard deviations of the training distribution (uniform angle +-30 deg, log-scale
uniform over 0.8 - 1.25, shifts +-15 % of 64 px).
"""

from __future__ import annotations

import math

from spec_resnet import SpecNet, export

SPEC = {"input": [2, 64, 64], "branches": 2, "stem": {"kernel": 5, "stride": 2, "channels": 16}, "pool": 2,
        "stages": [[16, 1], [32, 2]], "blocks": 1, "joint": [[64, 2]], "pooling": "flatten", "hidden": [128],
        "outputs": 4, "target_names": ["angle_deg", "log_scale", "dy", "dx"],
        "target_mean": [0.0, 0.0, 0.0, 0.0],
        "target_std": [30.0 / math.sqrt(3), math.log(1.25) / math.sqrt(3), 0.15 * 64 / math.sqrt(3),
                       0.15 * 64 / math.sqrt(3)]}


class SimilarityNet(SpecNet):
    def __init__(self, spec=SPEC):
        super().__init__(spec)


__all__ = ["SPEC", "SimilarityNet", "export"]
