"""The learned jitter estimator: numpy inference equals the PyTorch model it was exported from, the
shipped weights are small and packaged, and they recover known jitter on generated series."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import tomllib
from learned_support import numpy_and_torch_outputs

from txmalign_gui.engine.learned import weights_path
from txmalign_gui.engine.learned.layers import conv2d
from txmalign_gui.engine.tomo import align_tomo
from txmalign_gui.engine.tomo.jitter_data import jittered_series
from txmalign_gui.engine.tomo.learned_coarse import WEIGHTS, learned_shifts
from txmalign_gui.engine.tomo.sinusoid import fit_sinusoid, sinusoid

ROOT = Path(__file__).resolve().parents[1]


def gauge_free_error(found, truth, angles):
    """(N,) error lengths with the common dy and the dx sinusoid (unmeasurable sample motion) removed."""
    error = np.asarray(found, dtype=float) - truth
    error[:, 0] -= error[:, 0].mean()
    error[:, 1] -= sinusoid(fit_sinusoid(error[:, 1], angles), angles)
    return np.hypot(error[:, 0], error[:, 1])


def test_conv2d_matches_a_direct_sum():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 9, 8)).astype(np.float32)
    w = rng.normal(size=(4, 3, 3, 3)).astype(np.float32)
    b = rng.normal(size=4).astype(np.float32)
    out = conv2d(x, w, b, stride=2, pad=1)
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    direct = np.empty_like(out)
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            patch = padded[:, :, 2 * i:2 * i + 3, 2 * j:2 * j + 3]
            direct[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3])) + b
    np.testing.assert_allclose(out, direct, rtol=1e-5, atol=1e-5)


def test_numpy_inference_equals_torch(tmp_path):
    pytest.importorskip("torch")
    _, got, expected = numpy_and_torch_outputs("tomo_jitter_model", "JitterNet", tmp_path)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


def test_shipped_weights_are_small_and_packaged():
    path = weights_path(WEIGHTS)
    assert path.exists() and path.stat().st_size <= 2_000_000
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "weights/*.npz" in config["tool"]["setuptools"]["package-data"]["txmalign_gui.engine.learned"]
    assert "torch" in " ".join(config["project"]["optional-dependencies"]["train"])


@pytest.mark.parametrize("seed, salt_pepper", [(101, 0.0), (102, 0.2)])
def test_shipped_weights_recover_known_jitter(seed, salt_pepper):
    data = jittered_series(np.random.default_rng(seed), size=128, count=60, amplitude=8.0, gaussian=0.02,
                           salt_pepper=salt_pepper)
    dy, dx = learned_shifts(data.projections, data.angles_deg)
    before = gauge_free_error(np.zeros_like(data.jitter), -data.jitter, data.angles_deg)
    after = gauge_free_error(np.stack([dy, dx], axis=1), -data.jitter, data.angles_deg)
    assert np.sqrt(np.mean(after ** 2)) < 0.25 * np.sqrt(np.mean(before ** 2))
    assert np.sqrt(np.mean(after ** 2)) < 1.5


def test_align_tomo_with_the_learned_coarse_step():
    data = jittered_series(np.random.default_rng(7), size=96, count=60, amplitude=6.0, gaussian=0.01)
    result = align_tomo(data.projections, data.angles_deg,
                        params={"coarse_method": "learned", "binning": 2, "iterations": 4, "preview": False})
    assert result.params["coarse_method"] == "learned"
    found = gauge_free_error(result.transforms[:, :2], -data.jitter, data.angles_deg)
    assert np.sqrt(np.mean(found ** 2)) < 0.15


def test_training_is_reproducible(tmp_path):
    """The same seed gives the same weights, bit for bit (one thread, step-based schedule, seeded data)."""
    pytest.importorskip("torch")
    spec = importlib.util.spec_from_file_location(
        "train_tomo_jitter", Path(__file__).resolve().parents[1] / "training" / "train_tomo_jitter.py")
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    outputs = []
    for run in range(2):
        out = tmp_path / f"run{run}.npz"
        train.main(["--series", "8", "--count", "12", "--steps", "3", "--out", str(out)])
        with np.load(out) as weights:
            outputs.append({name: weights[name] for name in weights.files if name != "spec"})
    assert outputs[0].keys() == outputs[1].keys()
    assert all(np.array_equal(outputs[0][name], outputs[1][name]) for name in outputs[0])
