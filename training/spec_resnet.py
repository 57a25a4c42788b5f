"""The PyTorch twin of `txmalign_gui.engine.learned.network.ResNet`, built from the same JSON spec, and its
export (batch normalisation folded) to the .npz that the numpy inference reads.  Both shipped networks
(`tomo_jitter_model`, `correlative_affine_model`) are instances with their own spec.
"""

from __future__ import annotations

import json

import numpy as np
import torch
from torch import nn

from txmalign_gui.engine.learned.layers import fold_batchnorm


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


def stage_blocks(cin, stages, per_stage):
    """Residual blocks of `stages` ([channels, stride] each) and the channel count they end with."""
    blocks = []
    for channels, stride in stages:
        for j in range(per_stage):
            blocks.append(Block(cin, channels, stride if j == 0 else 1))
            cin = channels
    return nn.ModuleList(blocks), cin


class Trunk(nn.Module):
    """Stem convolution, max pool and residual stages of one branch."""

    def __init__(self, spec, cin):
        super().__init__()
        stem = spec["stem"]
        self.pool = spec.get("pool", 1)
        self.stem = conv_bn(cin, stem["channels"], stem["kernel"], stem["stride"])
        self.blocks, self.channels = stage_blocks(stem["channels"], spec["stages"], spec["blocks"])

    def forward(self, x):
        x = torch.relu(self.stem(x))
        if self.pool > 1:
            x = nn.functional.max_pool2d(x, self.pool)
        for block in self.blocks:
            x = block(x)
        return x


class SpecNet(nn.Module):
    def __init__(self, spec):
        super().__init__()
        self.spec = spec
        branches = spec.get("branches", 1)
        channels, rows, cols = spec["input"]
        self.trunks = nn.ModuleList([Trunk(spec, channels // branches) for _ in range(branches)])
        self.joint, cin = stage_blocks(self.trunks[0].channels * branches, spec.get("joint", []), spec["blocks"])
        if spec.get("pooling", "average") == "flatten":
            with torch.no_grad():
                cin = self._merged(torch.zeros(1, channels, rows, cols)).numel()
        widths = [cin, *spec.get("hidden", [])]
        self.hidden = nn.ModuleList([nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:])])
        self.head = nn.Linear(widths[-1], spec["outputs"])

    def _merged(self, x):
        parts = torch.chunk(x, len(self.trunks), dim=1)
        x = torch.cat([trunk(part) for trunk, part in zip(self.trunks, parts)], dim=1)
        for block in self.joint:
            x = block(x)
        return x

    def forward(self, x):
        x = self._merged(x)
        x = x.flatten(1) if self.spec.get("pooling", "average") == "flatten" else x.mean(dim=(2, 3))
        for layer in self.hidden:
            x = torch.relu(layer(x))
        return self.head(x)


def _folded(seq):
    conv, bn = seq[0], seq[1]
    return fold_batchnorm(conv.weight.detach().numpy(), bn.weight.detach().numpy(), bn.bias.detach().numpy(),
                          bn.running_mean.numpy(), bn.running_var.numpy(), bn.eps)


def _linear(layer):
    return layer.weight.detach().numpy().astype(np.float32), layer.bias.detach().numpy().astype(np.float32)


def _export_blocks(arrays, blocks, prefix, per_stage):
    for k, block in enumerate(blocks):
        name = f"{prefix}{k // per_stage}b{k % per_stage}"
        for part in ("conv1", "conv2", "short"):
            seq = getattr(block, part)
            if seq is not None:
                arrays[f"{name}.{part}.w"], arrays[f"{name}.{part}.b"] = _folded(seq)


def export(model: SpecNet, path) -> None:
    """Write the folded float32 weights and the JSON spec that `engine.learned.load_network` reads."""
    arrays = {}
    per_stage = model.spec["blocks"]
    for k, trunk in enumerate(model.trunks):
        prefix = "" if len(model.trunks) == 1 else f"b{k}."
        arrays[prefix + "stem.w"], arrays[prefix + "stem.b"] = _folded(trunk.stem)
        _export_blocks(arrays, trunk.blocks, prefix + "s", per_stage)
    _export_blocks(arrays, model.joint, "j", per_stage)
    for i, layer in enumerate(model.hidden):
        arrays[f"fc{i}.w"], arrays[f"fc{i}.b"] = _linear(layer)
    arrays["head.w"], arrays["head.b"] = _linear(model.head)
    np.savez_compressed(path, spec=np.array(json.dumps(model.spec)), **arrays)
