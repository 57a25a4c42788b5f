"""Learned initial guess of the correlative mode: a two-headed CNN predicts the similarity between an X-ray
image and an electron-microscopy image in one pass.

After Luo et al. (Microsc. Microanal. 2021): an X-ray branch and an EM branch (own weights), merged and
regressing the standardised (rotation, log-scale, dy, dx).  Both images are resampled isotropically onto the
network's square grid (longer side to the grid, centred, padded with the mean), robustly standardised, and
the answer is scaled back to full-size pixels.  The network runs in numpy (`engine.learned`); it was trained
by `training/train_correlative_affine.py` on `correlative.synthetic` pairs (rotation +-30 deg, scale 0.8 -
1.25, shifts +-15 % of the field); `in_trained_range` says whether a prediction lies inside that range.

Convention: the returned `engine.transform.Similarity` (dy, dx, angle_deg, scale) maps a point q of the EM
image to p = scale R(angle) (q - c_em) + c_xray + (dy, dx) of the X-ray image (c_* the image centres), the
convention of `Similarity` for images of different shapes; `predict_point_map` gives the same map as the
2 x 3 absolute-pixel matrix of the correlative mode.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import numpy as np
from scipy import ndimage

from ..errors import InputError
from ..transform import Similarity
from .network import ResNet, load_network, weights_path

WEIGHTS = "correlative_affine.npz"
# The range of the training pairs: angle +- deg, scale (low, high), shifts +- this share of the field.
TRAINED_ANGLE_DEG, TRAINED_SCALE, TRAINED_SHIFT = 30.0, (0.8, 1.25), 0.15


@lru_cache(maxsize=1)
def similarity_network() -> ResNet:
    """The shipped correlative network (loaded once)."""
    return load_network(weights_path(WEIGHTS))


def grid_factor(shape: Sequence[int], size: int) -> float:
    """Grid px per image px when the image's longer side is resampled to `size`."""
    return size / float(max(shape[:2]))


def to_grid(image: np.ndarray, size: int) -> np.ndarray:
    """`image` resampled isotropically onto a size x size grid, centre on centre (block means first when
    shrinking, then linear), the uncovered part filled with the image mean."""
    data = np.asarray(image, dtype=np.float64)
    if data.ndim == 3:
        data = data[..., :3].mean(axis=2)
    if data.ndim != 2 or min(data.shape) < 2:
        raise InputError(f"the learned guess needs a 2-D image, got shape {np.shape(image)}")
    finite = np.isfinite(data)
    if not finite.any():
        raise InputError("the learned guess needs an image with finite values")
    fill = float(np.mean(data[finite]))
    data = np.where(finite, data, fill)
    f = grid_factor(data.shape, size)
    k = max(int(1.0 / f), 1)
    if k > 1:
        rows, cols = data.shape[0] // k * k, data.shape[1] // k * k
        data = data[:rows, :cols].reshape(rows // k, k, cols // k, k).mean(axis=(1, 3))
    centre_image = (np.asarray(image.shape[:2], dtype=float) - 1.0) / 2.0  # full-size pixels
    centre_grid = (size - 1) / 2.0
    # grid g -> full-size q = (g - cg) / f + ci -> block index (q - (k - 1) / 2) / k
    step = 1.0 / (f * k)
    offset = (-centre_grid / f + centre_image - (k - 1) / 2.0) / k
    return ndimage.affine_transform(data, np.full(2, step), offset=offset, output_shape=(size, size),
                                    order=1, mode="constant", cval=fill)


def standardise(images: np.ndarray) -> np.ndarray:
    """Each (..., H, W) image clipped to its 0.5 - 99.5 percentiles, then zero mean and unit spread."""
    data = np.asarray(images, dtype=np.float32)
    low, high = np.percentile(data, [0.5, 99.5], axis=(-2, -1), keepdims=True)
    data = np.clip(data, low, high)
    mean = data.mean(axis=(-2, -1), keepdims=True)
    spread = data.std(axis=(-2, -1), keepdims=True)
    return ((data - mean) / np.maximum(spread, 1e-6)).astype(np.float32)


def edge_strength(images: np.ndarray) -> np.ndarray:
    """Gradient magnitude of each (..., H, W) image after a 1 px Gaussian, standardised: what the two
    modalities share best (it ignores the sign and the grey mapping of a boundary)."""
    data = np.asarray(images, dtype=np.float32)
    smooth = ndimage.gaussian_filter(data, sigma=[0.0] * (data.ndim - 2) + [1.0, 1.0])
    axes = (data.ndim - 2, data.ndim - 1)
    return standardise(np.hypot(ndimage.sobel(smooth, axes[0]), ndimage.sobel(smooth, axes[1])))


def with_edges(pairs: np.ndarray) -> np.ndarray:
    """(N, 4, S, S) network input from (N, 2, S, S) standardised (X-ray, EM): each branch gets its image and
    its edge strength, X-ray channels first (the network splits the channels in two)."""
    edges = edge_strength(pairs)
    return np.stack([pairs[:, 0], edges[:, 0], pairs[:, 1], edges[:, 1]], axis=1).astype(np.float32)


def network_input(xray_grid: np.ndarray, em_grid: np.ndarray) -> np.ndarray:
    """(N, 4, S, S) input from (N, S, S) X-ray and EM grids (see `with_edges`)."""
    return with_edges(standardised_pairs(xray_grid, em_grid))


def standardised_pairs(xray_grid: np.ndarray, em_grid: np.ndarray) -> np.ndarray:
    """(N, 2, S, S): the standardised X-ray and EM grids, channel 0 X-ray, 1 EM."""
    return np.stack([standardise(xray_grid), standardise(em_grid)], axis=1)


def decode(outputs: np.ndarray, spec: dict) -> np.ndarray:
    """(N, 4) network outputs -> (N, 4) grid (dy, dx, angle_deg, scale)."""
    raw = np.asarray(outputs, dtype=np.float64) * np.asarray(spec["target_std"]) + np.asarray(spec["target_mean"])
    angle, log_scale, dy, dx = raw.T
    return np.stack([dy, dx, angle, np.exp(log_scale)], axis=1)


def encode(transforms: np.ndarray, spec: dict) -> np.ndarray:
    """(N, 4) grid (dy, dx, angle_deg, scale) -> the (N, 4) standardised targets the network regresses."""
    t = np.asarray(transforms, dtype=np.float64)
    raw = np.stack([t[:, 2], np.log(t[:, 3]), t[:, 0], t[:, 1]], axis=1)
    return ((raw - np.asarray(spec["target_mean"])) / np.asarray(spec["target_std"])).astype(np.float32)


def predict_similarity(xray: np.ndarray, em: np.ndarray, network: ResNet | None = None) -> Similarity:
    """The similarity mapping `em` onto `xray` (module docstring), predicted by the network."""
    network = network or similarity_network()
    size = network.input_shape[-1]
    xray, em = np.asarray(xray), np.asarray(em)
    inputs = network_input(to_grid(xray, size)[None], to_grid(em, size)[None])
    dy, dx, angle, scale = decode(network(inputs), network.spec)[0]
    f_xray, f_em = grid_factor(xray.shape, size), grid_factor(em.shape, size)
    return Similarity(float(dy / f_xray), float(dx / f_xray), float(angle), float(scale * f_em / f_xray))


def predict_point_map(xray: np.ndarray, em: np.ndarray) -> np.ndarray:
    """The predicted similarity as the 2 x 3 matrix taking (row, col) of `em` to (row, col) of `xray`."""
    return predict_similarity(xray, em).pixel_matrix(np.shape(em)[:2], np.shape(xray)[:2])


def in_trained_range(guess: Similarity, xray_shape: Sequence[int], em_shape: Sequence[int]) -> bool:
    """Whether `guess` lies inside the range the network was trained on (outside it, it extrapolated)."""
    size = similarity_network().input_shape[-1]
    f_xray, f_em = grid_factor(xray_shape, size), grid_factor(em_shape, size)
    grid_scale = guess.scale * f_xray / f_em
    limit = TRAINED_SHIFT * size
    low, high = TRAINED_SCALE
    return bool(abs(guess.angle_deg) <= TRAINED_ANGLE_DEG and low <= grid_scale <= high
                and abs(guess.dy * f_xray) <= limit and abs(guess.dx * f_xray) <= limit)
