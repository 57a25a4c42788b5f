"""A ResNet evaluated in numpy from one .npz file holding its description and its folded weights.

Shape (He et al. 2016, as the learned jitter estimator of Zhang et al. uses it): a k x k stem convolution
with stride, a max pool, stages of basic residual blocks (two 3 x 3 convolutions, plus a 1 x 1 projection
shortcut when the stage changes width or stride), global average pooling and one dense layer.
The file's "spec" entry is JSON: {"stem": {"kernel", "stride", "channels"}, "pool", "stages":
[[channels, stride], ...], "blocks": per stage, "outputs", "input": [C, H, W]}; weights are named
stem, s{i}b{j}.conv1, .conv2, .short (each with .w and .b) and head.w / head.b.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..errors import InputError
from .layers import conv2d, dense, global_average_pool, max_pool, relu

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"


def weights_path(name: str) -> Path:
    """The shipped weights file `name` (e.g. "tomo_jitter.npz")."""
    return WEIGHTS_DIR / name


class ResNet:
    """Forward pass of the network in `path`; `__call__(x)` maps (N, C, H, W) float32 to (N, outputs)."""

    def __init__(self, spec: dict, weights: dict):
        self.spec = spec
        self.weights = {k: np.asarray(v, dtype=np.float32) for k, v in weights.items()}
        self.input_shape = tuple(spec["input"])

    def _conv(self, x, name, stride, relu_after):
        w = self.weights[name + ".w"]
        out = conv2d(x, w, self.weights[name + ".b"], stride=stride, pad=w.shape[2] // 2)
        return relu(out) if relu_after else out

    def features(self, x: np.ndarray) -> np.ndarray:
        """Pooled features (N, channels) before the dense layer."""
        stem = self.spec["stem"]
        x = self._conv(np.asarray(x, dtype=np.float32), "stem", stem["stride"], True)
        if self.spec.get("pool", 1) > 1:
            x = max_pool(x, self.spec["pool"])
        for i, (_, stride) in enumerate(self.spec["stages"]):
            for j in range(self.spec["blocks"]):
                name = f"s{i}b{j}"
                step = stride if j == 0 else 1
                y = self._conv(x, name + ".conv1", step, True)
                y = self._conv(y, name + ".conv2", 1, False)
                shortcut = self._conv(x, name + ".short", step, False) if name + ".short.w" in self.weights \
                    else x
                x = relu(y + shortcut)
        return global_average_pool(x)

    def __call__(self, x: np.ndarray, batch: int = 64) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        if x.shape[1:] != self.input_shape:
            raise InputError(f"the network takes inputs of shape {self.input_shape}, got {x.shape[1:]}")
        parts = [dense(self.features(x[k:k + batch]), self.weights["head.w"], self.weights["head.b"])
                 for k in range(0, len(x), batch)]
        return np.concatenate(parts) if parts else np.zeros((0, self.spec["outputs"]), dtype=np.float32)


def load_network(path) -> ResNet:
    """The network stored in `path` (.npz with a JSON "spec" entry and float32 weights)."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"network weights not found: {path}")
    with np.load(path, allow_pickle=False) as data:
        spec = json.loads(str(data["spec"]))
        weights = {k: data[k] for k in data.files if k != "spec"}
    return ResNet(spec, weights)
