"""The PyTorch twin of `txmalign_gui.engine.learned.network.ResNet`, and its export to the shipped .npz.

The architecture is the paper's shape (a stride-2 stem convolution, a max pool, three stages of two basic
residual blocks, i.e. twelve 3 x 3 convolutions, global average pooling and a dense layer) with far fewer
channels (8, 16, 32), a 5 x 5 stem and a 64 x 64 input grid (projections are resampled to it), so that it
trains on a shared CPU in minutes and runs in numpy in well under a second.  `target_scale` is the
jitter (px on the input grid) that an output of 1 stands for.
"""

from __future__ import annotations

import json

import numpy as np
import torch
from torch import nn

from txmalign_gui.engine.learned.layers import fold_batchnorm

SPEC = {"input": [2, 64, 64], "stem": {"kernel": 5, "stride": 2, "channels": 8}, "pool": 2,
        "stages": [[8, 1], [16, 2], [32, 2]], "blocks": 2, "outputs": 2, "target_scale": 5.0}


def conv_bn(cin, cout, kernel, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, kernel, stride, kernel // 2, bias=False), nn.BatchNorm2d(cout))


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = conv_bn(cin, cout, 3, stride)
        self.conv2 = conv_bn(cout, cout, 3, 1)
        self.short = conv_bn(cin, cout, 1, stride) if (cin != cout or stride != 1) else None

    def forward(self, x):
        y = self.conv2(torch.relu(self.conv1(x)))
        return torch.relu(y + (x if self.short is None else self.short(x)))


class JitterNet(nn.Module):
    def __init__(self, spec=SPEC):
        super().__init__()
        self.spec = spec
        stem = spec["stem"]
        self.stem = conv_bn(spec["input"][0], stem["channels"], stem["kernel"], stem["stride"])
        blocks, cin = [], stem["channels"]
        for channels, stride in spec["stages"]:
            for j in range(spec["blocks"]):
                blocks.append(Block(cin, channels, stride if j == 0 else 1))
                cin = channels
        self.blocks = nn.ModuleList(blocks)
        self.head = nn.Linear(cin, spec["outputs"])

    def forward(self, x):
        x = torch.relu(self.stem(x))
        x = nn.functional.max_pool2d(x, self.spec["pool"])
        for block in self.blocks:
            x = block(x)
        return self.head(x.mean(dim=(2, 3)))


def _folded(seq):
    conv, bn = seq[0], seq[1]
    return fold_batchnorm(conv.weight.detach().numpy(), bn.weight.detach().numpy(), bn.bias.detach().numpy(),
                          bn.running_mean.numpy(), bn.running_var.numpy(), bn.eps)


def export(model: JitterNet, path) -> None:
    """Write the folded float32 weights and the JSON spec that `engine.learned.load_network` reads."""
    arrays = {}
    arrays["stem.w"], arrays["stem.b"] = _folded(model.stem)
    per_stage = model.spec["blocks"]
    for k, block in enumerate(model.blocks):
        name = f"s{k // per_stage}b{k % per_stage}"
        for part in ("conv1", "conv2", "short"):
            seq = getattr(block, part)
            if seq is not None:
                arrays[f"{name}.{part}.w"], arrays[f"{name}.{part}.b"] = _folded(seq)
    arrays["head.w"] = model.head.weight.detach().numpy().astype(np.float32)
    arrays["head.b"] = model.head.bias.detach().numpy().astype(np.float32)
    np.savez_compressed(path, spec=np.array(json.dumps(model.spec)), **arrays)
