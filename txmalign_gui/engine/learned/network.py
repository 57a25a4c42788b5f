"""A residual CNN evaluated in numpy from one .npz file holding its description and its folded weights.

One class serves both shipped networks:

- the tomography jitter estimator (Zhang et al. 2021, after He et al. 2016): one trunk reads the two
  channels together (a k x k stem convolution with stride, a max pool, stages of basic residual blocks: two
  3 x 3 convolutions plus a 1 x 1 projection shortcut when the stage changes width or stride), global
  average pooling and one dense layer;
- the correlative similarity predictor (two-headed, after Luo et al.): the input channels are split among
  `branches` trunks with their own weights (an X-ray branch and an EM branch), their feature maps are
  concatenated and go through `joint` residual stages, then are flattened (position matters for a shift)
  and pass `hidden` dense layers with ReLU before the output layer.

The file's "spec" entry is JSON: {"input": [C, H, W], "stem": {"kernel", "stride", "channels"}, "pool",
"stages": [[channels, stride], ...], "blocks": per stage, "outputs"} and optionally "branches" (default 1),
"joint" (stages after the merge, default none), "pooling" ("average" or "flatten") and "hidden" (widths).
Weights are named stem, s{i}b{j}.conv1, .conv2, .short (each with .w and .b), prefixed "b{k}." per branch
when there are several, j{i}b{j}.* for joint stages, fc{i}.w / .b for hidden layers and head.w / head.b.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict

import numpy as np

from ..errors import InputError
from .layers import conv2d, dense, global_average_pool, max_pool, relu

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"


def weights_path(name: str) -> Path:
    """The shipped weights file `name` (e.g. "tomo_jitter.npz")."""
    return WEIGHTS_DIR / name


class ResNet:
    """Forward pass of the network in `path`; `__call__(x)` maps (N, C, H, W) float32 to (N, outputs)."""

    def __init__(self, spec: Dict[str, Any], weights: Dict[str, Any]):
        self.spec = spec
        self.weights = {k: np.asarray(v, dtype=np.float32) for k, v in weights.items()}
        self.input_shape = tuple(spec["input"])
        self.branches = int(spec.get("branches", 1))

    def _conv(self, x: np.ndarray, name: str, stride: int, relu_after: bool) -> np.ndarray:
        w = self.weights[name + ".w"]
        out = conv2d(x, w, self.weights[name + ".b"], stride=stride, pad=w.shape[2] // 2)
        return relu(out) if relu_after else out

    def _stages(self, x: np.ndarray, stages: list, prefix: str) -> np.ndarray:
        """Residual stages; block j of stage i is named `{prefix}{i}b{j}`."""
        for i, (_, stride) in enumerate(stages):
            for j in range(self.spec["blocks"]):
                name = f"{prefix}{i}b{j}"
                step = stride if j == 0 else 1
                y = self._conv(x, name + ".conv1", step, True)
                y = self._conv(y, name + ".conv2", 1, False)
                shortcut = self._conv(x, name + ".short", step, False) if name + ".short.w" in self.weights \
                    else x
                x = relu(y + shortcut)
        return x

    def _trunk(self, x: np.ndarray, prefix: str) -> np.ndarray:
        """Stem, pool and stages of one branch: the feature map (N, channels, h, w)."""
        x = self._conv(x, prefix + "stem", self.spec["stem"]["stride"], True)
        if self.spec.get("pool", 1) > 1:
            x = max_pool(x, self.spec["pool"])
        return self._stages(x, self.spec["stages"], prefix + "s")

    def features(self, x: np.ndarray) -> np.ndarray:
        """Features (N, n) that the dense layers read."""
        x = np.asarray(x, dtype=np.float32)
        if self.branches == 1:
            x = self._trunk(x, "")
        else:
            parts = np.split(x, self.branches, axis=1)
            x = np.concatenate([self._trunk(part, f"b{k}.") for k, part in enumerate(parts)], axis=1)
        x = self._stages(x, self.spec.get("joint", []), "j")
        if self.spec.get("pooling", "average") == "flatten":
            return x.reshape(len(x), -1)
        return global_average_pool(x)

    def _head(self, features: np.ndarray) -> np.ndarray:
        for i in range(len(self.spec.get("hidden", []))):
            features = relu(dense(features, self.weights[f"fc{i}.w"], self.weights[f"fc{i}.b"]))
        return dense(features, self.weights["head.w"], self.weights["head.b"])

    def __call__(self, x: np.ndarray, batch: int = 64) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        if x.shape[1:] != self.input_shape:
            raise InputError(f"the network takes inputs of shape {self.input_shape}, got {x.shape[1:]}")
        parts = [self._head(self.features(x[k:k + batch])) for k in range(0, len(x), batch)]
        return np.concatenate(parts) if parts else np.zeros((0, self.spec["outputs"]), dtype=np.float32)


def load_network(path: Path | str) -> ResNet:
    """The network stored in `path` (.npz with a JSON "spec" entry and float32 weights)."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"network weights not found: {path}")
    with np.load(path, allow_pickle=False) as data:
        spec = json.loads(str(data["spec"]))
        weights = {k: data[k] for k in data.files if k != "spec"}
    return ResNet(spec, weights)
