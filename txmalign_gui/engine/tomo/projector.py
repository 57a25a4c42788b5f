"""Parallel-beam projection and filtered back-projection of many slices at once, as one sparse matrix.

The back-projector samples each filtered sinogram with linear interpolation; the forward projector is its
exact transpose, so reconstructing and reprojecting use one geometry and never disagree by a sub-pixel
offset.  All slices share the matrix, which makes a whole band of slices one sparse-dense product.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
from scipy import fft, sparse


class ParallelProjector:
    """Projects (S, n, n) slices to (A, S, n) sinograms at the given angles and back-projects them.

    Geometry: the rotation axis sits on detector column (n - 1) / 2; slice pixel (row, col) is the point
    x = col - (n - 1) / 2, y = row - (n - 1) / 2, which lands on detector position x cos(t) + y sin(t).
    Only pixels inside the circle every projection sees are reconstructed; the rest stay 0.
    """

    def __init__(self, width: int, angles_deg, jobs: int = 1):
        self.width = int(width)
        self.jobs = int(jobs)
        self.angles_deg = np.asarray(angles_deg, dtype=np.float64)
        n, count = self.width, len(self.angles_deg)
        centre = (n - 1) / 2.0
        rows, cols = np.mgrid[0:n, 0:n]
        x, y = (cols - centre).ravel(), (rows - centre).ravel()
        self.inside = np.flatnonzero(x * x + y * y <= centre * centre)
        theta = np.deg2rad(self.angles_deg)
        position = (np.outer(x[self.inside], np.cos(theta)) + np.outer(y[self.inside], np.sin(theta))
                    + centre)
        lower = np.clip(np.floor(position), 0, n - 2).astype(np.int32)
        weight = (position - lower).astype(np.float32)
        lower += (np.arange(count, dtype=np.int32) * n)[None, :]
        indices = np.stack([lower, lower + 1], axis=-1).ravel()
        data = np.stack([1.0 - weight, weight], axis=-1).ravel()
        indptr = np.arange(len(self.inside) + 1, dtype=np.int64) * (2 * count)
        # Rows: reconstructed pixels; columns: (angle, detector column) pairs.
        self._back = sparse.csr_matrix((data, indices, indptr), shape=(len(self.inside), count * n))
        self._back.has_sorted_indices = True
        self._blocks: Optional[list] = None

    def back(self, sinograms: np.ndarray) -> np.ndarray:
        """Unfiltered back-projection of (A, S, n) sinograms into (S, n, n) slices."""
        count, slices, n = sinograms.shape
        columns = np.ascontiguousarray(np.transpose(sinograms, (0, 2, 1)), dtype=np.float32)
        values = self._back @ columns.reshape(count * n, slices)
        volume = np.zeros((slices, n * n), dtype=np.float32)
        volume[:, self.inside] = values.T
        return volume.reshape(slices, n, n)

    def forward(self, volume: np.ndarray) -> np.ndarray:
        """Line integrals of (S, n, n) slices: (A, S, n) projections at this projector's angles."""
        slices, n = volume.shape[0], self.width
        values = np.ascontiguousarray(volume.reshape(slices, n * n)[:, self.inside].T, dtype=np.float32)
        projected = self._back.T @ values
        return np.transpose(projected.reshape(len(self.angles_deg), n, slices), (0, 2, 1))

    def sirt(self, sinograms: np.ndarray, iterations: int = 30) -> np.ndarray:
        """SIRT reconstruction of (A, S, n) sinograms: x += C A^T R (b - A x), R and C the inverse ray
        and pixel weight sums.

        Suits limited-angle and sparse series better than filtered back-projection: it fits only the
        measured rays, so a missing wedge or few angles blur the slice instead of streaking it.
        """
        sinograms = np.asarray(sinograms, dtype=np.float32)
        count, slices, n = sinograms.shape
        rays = self.forward(np.ones((1, n, n), dtype=np.float32))
        ray_weight = np.where(rays > 1e-6, 1.0 / np.maximum(rays, 1e-6), 0.0).astype(np.float32)
        pixels = self.back(np.ones((count, 1, n), dtype=np.float32))
        pixel_weight = np.where(pixels > 1e-6, 1.0 / np.maximum(pixels, 1e-6), 0.0).astype(np.float32)
        volume = np.zeros((slices, n, n), dtype=np.float32)
        for _ in range(iterations):
            volume += pixel_weight * self.back((sinograms - self.forward(volume)) * ray_weight)
        return volume

    def reproject_others(self, sinograms: np.ndarray) -> np.ndarray:
        """Reprojection of the FBP of (A, S, n) sinograms where each angle leaves out its own share.

        A projection's own filtered back-projection adds to its reprojection an image of itself, which
        pulls every registration toward zero and makes consistency converge slowly; that share, B_a^T B_a
        applied to the angle's filtered sinogram (B_a the back-projector's block for angle a), is
        subtracted exactly.
        """
        filtered = ramp_filter(sinograms, self.jobs)
        scale = np.float32(np.pi / (2 * len(self.angles_deg)))
        reprojected = self.forward(self.back(filtered) * scale)
        for a, block in enumerate(self._angle_blocks()):
            reprojected[a] -= scale * (block.T @ (block @ filtered[a].T)).T
        return reprojected

    def _angle_blocks(self) -> list:
        """B_a for every angle a: the back-projector's columns of that angle as a (pixels, n) matrix, built
        once from the matrix's layout (each pixel row holds two weights per angle, in angle order) rather
        than sliced out of it every round."""
        if self._blocks is None:
            n, count, pixels = self.width, len(self.angles_deg), len(self.inside)
            data = self._back.data.reshape(pixels, count, 2)
            columns = self._back.indices.reshape(pixels, count, 2)
            indptr = np.arange(pixels + 1, dtype=np.int64) * 2
            self._blocks = [sparse.csr_matrix((np.ascontiguousarray(data[:, a]).ravel(),
                                               (columns[:, a] - a * n).ravel(), indptr), shape=(pixels, n))
                            for a in range(count)]
        return self._blocks

    def reconstruct(self, sinograms: np.ndarray) -> np.ndarray:
        """Filtered back-projection (Shepp-Logan filtered ramp) of (A, S, n) sinograms."""
        filtered = ramp_filter(sinograms, self.jobs)
        return self.back(filtered) * np.float32(np.pi / (2 * len(self.angles_deg)))


def matrix_entries(width: int, count: int) -> int:
    """Stored weights of a `ParallelProjector` (8 bytes each): two per reconstructed pixel and angle."""
    return int(np.pi / 4.0 * width * width) * 2 * count


def ramp_filter(sinograms: np.ndarray, jobs: int = 1) -> np.ndarray:
    """Filter along the last (detector) axis with a Shepp-Logan windowed ramp, zero-padded (no wrap-around).

    `jobs` threads share the FFTs.
    """
    n = sinograms.shape[-1]
    size = max(64, int(2 ** np.ceil(np.log2(2 * n))))
    k = np.concatenate([np.arange(0, size // 2 + 1), np.arange(size // 2 - 1, 0, -1)])
    kernel = np.zeros(size)
    kernel[0] = 0.25
    odd = k % 2 == 1
    kernel[odd] = -1.0 / (np.pi * k[odd]) ** 2
    response = 2.0 * np.real(np.fft.rfft(kernel))
    response *= np.sinc(np.fft.rfftfreq(size))  # Shepp-Logan: tempers the noise the bare ramp would amplify
    spectrum = fft.rfft(np.asarray(sinograms, dtype=np.float32), n=size, axis=-1, workers=jobs)
    spectrum *= response.astype(np.float32)
    return fft.irfft(spectrum, n=size, axis=-1, workers=jobs)[..., :n].astype(np.float32, copy=False)
