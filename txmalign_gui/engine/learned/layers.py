"""The layers of a small CNN in numpy, float32, batch first (N, C, H, W).

Convolutions gather each output's input window with stride tricks (a view, no copy) and contract it with
the kernel in one BLAS product; batch normalisation is expected folded into the convolution's weight and
bias (see `fold_batchnorm`), as is usual for inference.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv2d(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, stride: int = 1, pad: int = 0) -> np.ndarray:
    """Cross-correlation of (N, C, H, W) `x` with (O, C, k, k) `weight` plus `bias`, zero padding `pad`."""
    k = weight.shape[2]
    if pad:
        x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = sliding_window_view(x, (k, k), axis=(2, 3))[:, :, ::stride, ::stride]  # (N, C, Ho, Wo, k, k)
    out = np.tensordot(windows, weight, axes=([1, 4, 5], [1, 2, 3]))  # (N, Ho, Wo, O)
    out += bias
    return np.ascontiguousarray(out.transpose(0, 3, 1, 2))


def relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0, out=x)


def max_pool(x: np.ndarray, size: int) -> np.ndarray:
    """Non-overlapping `size` x `size` maximum (trailing rows/columns that do not fill a window dropped)."""
    n, c, h, w = x.shape
    h, w = h // size * size, w // size * size
    return x[:, :, :h, :w].reshape(n, c, h // size, size, w // size, size).max(axis=(3, 5))


def global_average_pool(x: np.ndarray) -> np.ndarray:
    return x.mean(axis=(2, 3))


def dense(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """(N, in) @ (out, in).T + bias, as a fully connected layer stores its weight."""
    return x @ weight.T + bias


def fold_batchnorm(weight, gamma, beta, mean, var, eps: float = 1e-5) -> tuple:
    """Convolution weight and bias that equal conv (no bias) followed by batch normalisation at inference."""
    scale = gamma / np.sqrt(var + eps)
    return ((weight * scale[:, None, None, None]).astype(np.float32),
            (beta - mean * scale).astype(np.float32))
