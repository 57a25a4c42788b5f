"""The correlative similarity predictor's architecture (a two-branch `spec_resnet.SpecNet`).

Each branch reads its image and the image's edge strength (2 channels, `engine.learned.correlative.
network_input`); an X-ray branch and an EM branch with their own weights (5 x 5 stride-2 stem of 8 channels,
max pool, one residual block of 16 channels with stride 2) turn the 64 x 64 inputs into 8 x 8 feature maps;
the two maps are concatenated and pass one joint residual block (48 channels, stride 2) that can compare them
position by position; the 4 x 4 result is flattened (global pooling would discard where things are, which a
shift needs) and a hidden layer of 96 feeds the four outputs: standardised (angle_deg, log scale, dy, dx) on
the 64 px grid.  It is this small because it has to train in minutes on a shared CPU.  `target_std` are the
standard deviations of the training distribution (uniform angle +-30 deg, log-scale uniform over
0.8 - 1.25, shifts +-15 % of 64 px).
"""

from __future__ import annotations

import math

from spec_resnet import SpecNet, export

SPEC = {"input": [4, 64, 64], "branches": 2, "stem": {"kernel": 5, "stride": 2, "channels": 8}, "pool": 2,
        "stages": [[16, 2]], "blocks": 1, "joint": [[48, 2]], "pooling": "flatten", "hidden": [96],
        "outputs": 4, "target_names": ["angle_deg", "log_scale", "dy", "dx"],
        "target_mean": [0.0, 0.0, 0.0, 0.0],
        "target_std": [30.0 / math.sqrt(3), math.log(1.25) / math.sqrt(3), 0.15 * 64 / math.sqrt(3),
                       0.15 * 64 / math.sqrt(3)]}


class SimilarityNet(SpecNet):
    def __init__(self, spec=SPEC):
        super().__init__(spec)


__all__ = ["SPEC", "SimilarityNet", "export"]
