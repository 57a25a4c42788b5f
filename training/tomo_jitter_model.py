"""The learned jitter estimator's architecture (a `spec_resnet.SpecNet`) and its export to the shipped .npz.

The architecture is the paper's shape (a stride-2 stem convolution, a max pool, three stages of two basic
residual blocks, i.e. twelve 3 x 3 convolutions, global average pooling and a dense layer) with far fewer
channels (8, 16, 32), a 5 x 5 stem and a 64 x 64 input grid (projections are resampled to it), so that it
trains on a shared CPU in minutes and runs in numpy in well under a second.  `target_scale` is the
jitter (px on the input grid) that an output of 1 stands for.
"""

from __future__ import annotations

from spec_resnet import SpecNet, export

SPEC = {"input": [2, 64, 64], "stem": {"kernel": 5, "stride": 2, "channels": 8}, "pool": 2,
        "stages": [[8, 1], [16, 2], [32, 2]], "blocks": 2, "outputs": 2, "target_scale": 5.0}


class JitterNet(SpecNet):
    def __init__(self, spec=SPEC):
        super().__init__(spec)


__all__ = ["SPEC", "JitterNet", "export"]
