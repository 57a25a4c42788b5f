"""The chunked strategy's averages: images moved onto their local target and averaged, then linked.

Measured (chunked, chunk 5, RMS px against the truth): synthetic XANES 128 px seeds 0/1/2 0.067/0.066/0.109
with target-to-target links, 0.040/0.060/0.087 through the averages; the 1024 px example file 0.104 -> 0.046;
natural images with a contrast ramp and 12 % noise (astronaut, coins) 0.055-0.067 -> 0.041-0.057.  On a
smooth image under heavy noise (skimage's moon, 12 %) single pairs err by 0.3-0.6 px and the averages
carry that: 0.40-0.46 -> 0.52-0.58, which is why `average_chunks` can be turned off.
"""

import os

import numpy as np
import pytest
from scipy import ndimage
from skimage import data
from skimage import transform as sktf

from txmalign_gui.engine.result import FAILED, LOW_CONFIDENCE, OK, RegistrationResult
from txmalign_gui.engine.stack import align_stack
from txmalign_gui.engine.stack.chunk_means import ChunkAverages, averaging_helps, joins
from txmalign_gui.engine.stack.runner import Frames
from txmalign_gui.engine.synthetic import alignment_errors, synthetic_xanes
from txmalign_gui.engine.transform import Transform


def _pair_result(dy, dx, status=OK, details=None):
    return RegistrationResult(Transform(dy, dx), 0.0, "tvdm", {}, 1.0, status=status, details=details or {})


def test_averages_lie_on_the_target_with_less_noise_and_no_borders():
    clean = ndimage.zoom(data.camera().astype(np.float32) / 255.0, 0.25)[:96, :96]
    rng = np.random.default_rng(3)
    shifts = [(0.0, 0.0), (2.5, -1.25), (-3.0, 4.0), (1.75, 2.0), (-0.5, -3.5), (3.0, 3.0)]
    # image k shows the scene moved by shifts[k]; its pair transform moves it back onto image 0
    frames = np.stack([ndimage.shift(clean, s, order=3, mode="nearest") + 0.05 * rng.standard_normal(clean.shape)
                       for s in shifts]).astype(np.float32)
    averages = ChunkAverages(Frames(frames), [0])
    for k in range(1, 5):
        averages.add((0, k), _pair_result(-shifts[k][0], -shifts[k][1]))
    averages.add((0, 5), _pair_result(-shifts[5][0], -shifts[5][1], status=LOW_CONFIDENCE))  # left out
    assert averages.counts.tolist() == [5.0]
    mean = averages.averages()[0]
    assert np.isfinite(mean).all()
    inner = (slice(8, -8), slice(8, -8))  # away from the borders some images do not cover
    single = np.std(frames[0][inner] - clean[inner])
    residual = np.std(mean[inner] - clean[inner])
    assert residual < 0.6 * single  # 5 images: 1/sqrt(5) = 0.45 of one image's noise, plus interpolation
    # a wrong sign would leave the moved images off the target: the average would blur the scene
    assert abs(np.mean(mean[inner] - clean[inner])) < 0.01 and residual < 0.035


def test_only_images_flagged_for_their_measured_precision_alone_join_an_average():
    imprecise = {"precision_limited": True, "precision_px": [0.12, 0.1]}
    assert joins(_pair_result(1.0, 2.0))
    assert joins(_pair_result(1.0, 2.0, status=LOW_CONFIDENCE, details=imprecise))
    # flagged for another reason (edges disagree, coarse answer), or too imprecise, or failed: left out
    assert not joins(_pair_result(1.0, 2.0, status=LOW_CONFIDENCE, details={"precision_px": [0.12, 0.1]}))
    assert not joins(_pair_result(1.0, 2.0, status=LOW_CONFIDENCE,
                                  details={"precision_limited": True, "precision_px": [0.25, 0.25]}))
    assert not joins(_pair_result(1.0, 2.0, status=FAILED, details=imprecise))


def test_averaging_applies_only_to_chunks_with_links_between_them():
    assert averaging_helps(101, 50, 5)
    assert not averaging_helps(101, 50, 1)      # every image a target: sequential
    assert not averaging_helps(101, 50, 101)    # one target: the anchor strategy


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 2])
def test_averages_keep_errors_from_adding_up_along_a_xanes_series(seed):
    stack = synthetic_xanes(101, 128, jitter=8.0, noise=0.02, background=0.1, seed=seed)

    def rms(average_chunks):
        result = align_stack(stack.images, "tvdm", strategy="chunked", chunk_size=5,
                             average_chunks=average_chunks)
        errors = alignment_errors(result.transforms, stack.transforms, stack.images.shape[1:])
        return float(np.sqrt(np.mean(errors ** 2)))

    averaged, linked = rms(True), rms(False)
    assert averaged < 0.09 and averaged < 0.85 * linked


def _natural_series(name, count=41, size=160, noise=0.12, seed=0):
    """A natural image moved by known jitter, its contrast ramping up along the series, with pixel noise."""
    image = getattr(data, name)()
    image = image[..., :3].mean(axis=-1) if image.ndim == 3 else image
    image = sktf.resize(image.astype(float), (size + 40, size + 40), anti_aliasing=True)
    image = (image - image.min()) / np.ptp(image)
    rng = np.random.default_rng(seed)
    shifts = rng.uniform(-6, 6, size=(count, 2))
    frames = [0.3 + (0.5 + 0.5 * i / (count - 1)) * ndimage.shift(image, shifts[i], order=3, mode="nearest")
              [20:-20, 20:-20] for i in range(count)]
    frames = np.array([f + noise * rng.standard_normal(f.shape) for f in frames], dtype=np.float32)
    truth = np.zeros((count, 3))
    truth[:, :2] = shifts[count // 2] - shifts
    return frames, truth


@pytest.mark.slow
@pytest.mark.parametrize("name", ["astronaut", "coins"])
def test_averages_help_on_noisy_natural_images(name):
    frames, truth = _natural_series(name)
    errors = {flag: alignment_errors(align_stack(frames, "tvdm", strategy="chunked", chunk_size=5,
                                                 average_chunks=flag).transforms, truth, frames.shape[1:])
              for flag in (True, False)}
    rms = {flag: float(np.sqrt(np.mean(e ** 2))) for flag, e in errors.items()}
    assert rms[True] < 0.07 and rms[True] < rms[False]


_STXM = os.path.join(os.environ.get("TXMALIGN_REAL_DATA") or os.path.join(os.path.dirname(__file__), "..", "..",
                                                                          "shared", "data", "real"),
                     "stxm_fe_L3_als_71214098", "71214098_stack_float32.tif")


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists(_STXM), reason="the real STXM stack (../shared/data/real) is not here")
def test_averages_on_a_real_xanes_stack_moved_by_known_shifts():
    """123 measured Fe L3 frames (already registered at the source) moved by known shifts: the chunk averages
    keep the accuracy of target-to-target links (measured 0.037 vs 0.036 px RMS; chunks of 7: 0.037 vs
    0.035).  Clean frames leave little noise for the averages to remove, so they gain nothing here."""
    import tifffile

    frames = tifffile.imread(_STXM).astype(np.float64)
    shifts = np.random.default_rng(0).uniform(-5, 5, size=(len(frames), 2))
    moved = np.array([ndimage.shift(f, s, order=3, mode="nearest") for f, s in zip(frames, shifts)],
                     dtype=np.float32)[:, 10:-10, 10:-10]
    truth = np.zeros((len(frames), 3))
    truth[:, :2] = shifts[len(frames) // 2] - shifts
    rms = {}
    for flag in (True, False):
        result = align_stack(moved, "tvdm", strategy="chunked", average_chunks=flag)
        rms[flag] = float(np.sqrt(np.mean(alignment_errors(result.transforms, truth, moved.shape[1:]) ** 2)))
    assert rms[True] < 0.05 and rms[True] <= rms[False] + 0.01
