"""Similarity and affine registration: a XANES magnification ramp (TXM-Wizard-style correction), natural
images the project did not design, affine matrices, honest statuses, and the saved tables."""

import numpy as np
import pytest
from skimage import color, data

from txmalign_gui.batch import PrepareOptions, run_apply
from txmalign_gui.engine import register_pair
from txmalign_gui.engine.errors import InputError
from txmalign_gui.engine.stack import STACK_PARAMS, align_stack, apply_transforms
from txmalign_gui.engine.stack.params import TRANSFORM_KINDS
from txmalign_gui.engine.synthetic import alignment_errors, synthetic_xanes
from txmalign_gui.engine.transform import KINDS, Affine, Similarity, apply_transform
from txmalign_gui.io import read_transforms, write_aligned_hdf5, write_transforms_csv


def test_xanes_magnification_ramp_is_recovered_to_two_hundredths_of_a_percent():
    # 1 % magnification change across the scan (zone plate refocused at every energy), jitter, noise,
    # a drifting illumination; post-edge energies, where the contrast is stable from image to image
    stack = synthetic_xanes(n_images=5, size=256, jitter=4.0, magnification=0.01, noise=0.01,
                            energies=np.linspace(7745.0, 7800.0, 5), seed=0)
    assert stack.transforms.shape == (5, 4) and np.ptp(stack.transforms[:, 3]) == pytest.approx(0.01, rel=0.02)
    result = align_stack(stack.images, method="tvdm", transform="similarity", anchor=stack.anchor)
    assert result.kind == "similarity" and result.transforms.shape == (5, 4)
    scale_error = np.abs(result.transforms[:, 3] - stack.transforms[:, 3])
    shift_error = np.abs(result.transforms[:, :2] - stack.transforms[:, :2])
    assert scale_error.max() < 2e-4, scale_error
    assert shift_error.max() < 0.05, shift_error
    assert result.statuses == ["ok"] * 5
    # a rigid alignment of the same stack cannot remove the magnification (0.5 % either way of the anchor)
    rigid = align_stack(stack.images, method="tvdm", anchor=stack.anchor)
    assert rigid.kind == "rigid" and rigid.transforms.shape == (5, 3)
    shape = stack.images.shape[1:]
    assert alignment_errors(rigid.transforms, stack.transforms, shape).max() > 0.3
    assert alignment_errors(result.transforms, stack.transforms, shape).max() < 0.05


def _gray(name):
    image = getattr(data, name)()
    return color.rgb2gray(image) * 255 if image.ndim == 3 else image.astype(float)


@pytest.mark.parametrize("name, seed, strategy", [("camera", 0, "anchor"), ("astronaut", 1, "sequential"),
                                                  ("coins", 2, "chunked")])
def test_magnification_ramp_on_natural_images(name, seed, strategy):
    image = _gray(name)
    rng = np.random.default_rng(seed)
    truths = [Similarity(*rng.uniform(-3, 3, 2), 0.0, s) for s in (1.0, 1.005, 1.01)]
    cy, cx = np.array(image.shape) // 2
    crop = (slice(cy - 96, cy + 96), slice(cx - 96, cx + 96))
    # frame k shows the scene moved so that truths[k] maps it back onto the scene (frame 0 the anchor)
    frames = np.stack([apply_transform(image, t.inverse(), order=3)[crop] + rng.normal(0, 3, (192, 192))
                       for t in truths])
    # chained strategies compose similarities (image 2 -> 1 -> anchor 0)
    result = align_stack(frames, method="tvdm", transform="similarity", anchor=0, strategy=strategy, chunk_size=2)
    expected = np.array([t.then(truths[0].inverse()).to_row() for t in truths])
    assert np.abs(result.transforms[:, 3] - expected[:, 3]).max() < 3e-4
    assert np.abs(result.transforms[:, :2] - expected[:, :2]).max() < 0.1
    assert set(result.statuses) == {"ok"}


@pytest.mark.parametrize("method", ["ssd", "mi"])
def test_intensity_methods_estimate_a_similarity(method):
    image = _gray("camera")
    truth = Similarity(1.2, -2.1, 0.0, 1.012)
    moving = apply_transform(image, truth.inverse(), order=3)[160:352, 160:352]
    result = register_pair(image[160:352, 160:352], moving, method=method,
                           params={"transform": "similarity"})
    assert result.transform.kind == "similarity" and result.to_dict()["transform_kind"] == "similarity"
    assert result.transform.scale == pytest.approx(1.012, abs=2e-4)
    assert result.transform.dy == pytest.approx(1.2, abs=0.05) and result.transform.dx == pytest.approx(-2.1, abs=0.05)
    assert result.status == "ok"


def test_tvdm_estimates_an_affine_matrix():
    image = _gray("camera")
    truth = Affine(1.5, -2.0, 1.006, 0.004, -0.003, 0.996)
    rng = np.random.default_rng(0)
    moving = apply_transform(image, truth.inverse(), order=3)[160:352, 160:352] + rng.normal(0, 3, (192, 192))
    fixed = image[160:352, 160:352] + rng.normal(0, 3, (192, 192))
    result = register_pair(fixed, moving, method="tvdm", params={"transform": "affine"})
    assert result.transform.kind == "affine"
    assert np.abs(result.transform.linear() - truth.linear()).max() < 5e-4
    assert np.abs(result.transform.shift - truth.shift).max() < 0.05


def test_a_scale_beyond_the_range_is_not_ok():
    image = _gray("camera")
    moving = apply_transform(image, Similarity(scale=1.03).inverse(), order=3)[160:352, 160:352]
    result = register_pair(image[160:352, 160:352], moving, method="tvdm",
                           params={"transform": "similarity", "scale_range": 0.01})
    assert result.status != "ok" and "scale range" in result.message


def test_stack_transform_option_is_checked():
    assert TRANSFORM_KINDS == KINDS and STACK_PARAMS.resolve({"transform": "affine"})["transform"] == "affine"
    stack = np.random.default_rng(0).random((3, 64, 64))
    with pytest.raises(InputError, match="rigid transforms only"):
        align_stack(stack, method="phasecorr", transform="similarity")
    with pytest.raises(InputError, match="consistent strategy"):
        align_stack(stack, method="tvdm", strategy="consistent", transform="similarity")
    with pytest.raises(InputError, match="one of"):
        align_stack(stack, transform="projective")


def test_tables_of_every_kind_are_saved_and_read_back(tmp_path):
    similarity = np.array([[1.0, -2.0, 0.5, 1.01], [0.0, 0.0, 0.0, 1.0]])
    affine = np.array([[1.0, -2.0, 1.01, 0.02, -0.01, 0.99], [0.0, 0.0, 1.0, 0.0, 0.0, 1.0]])
    for name, table in (("s", similarity), ("a", affine)):
        csv = tmp_path / f"{name}.csv"
        write_transforms_csv(str(csv), table)
        np.testing.assert_array_equal(read_transforms(str(csv)), table)
        h5 = tmp_path / f"{name}.h5"
        write_aligned_hdf5(str(h5), np.zeros((2, 8, 8)), table)
        np.testing.assert_array_equal(read_transforms(str(h5)), table)
    assert (tmp_path / "s.csv").read_text().splitlines()[0] == "index,dy,dx,angle_deg,scale"
    assert (tmp_path / "a.csv").read_text().splitlines()[0] == "index,dy,dx,a11,a12,a21,a22"
    write_transforms_csv(str(tmp_path / "r.csv"), [[1.0, 2.0, 3.0]])  # rigid files keep their columns
    assert (tmp_path / "r.csv").read_text().splitlines()[0] == "index,dy,dx,angle_deg"
    (tmp_path / "bad.csv").write_text("index,dy,dx,a11,a12\n0,1,2,1,0\n")
    with pytest.raises(InputError, match="a21"):
        read_transforms(str(tmp_path / "bad.csv"))


def test_apply_command_resamples_with_saved_similarities(tmp_path):
    rng = np.random.default_rng(3)
    stack = rng.random((3, 48, 48)).astype(np.float32)
    np.save(tmp_path / "stack.npy", stack)
    table = np.array([[0.5, -1.0, 0.0, 1.02], [0.0, 0.0, 0.0, 1.0], [1.0, 2.0, 3.0, 0.97]])
    write_transforms_csv(str(tmp_path / "t.csv"), table)
    run_apply(str(tmp_path / "t.csv"), str(tmp_path / "stack.npy"), str(tmp_path / "out.h5"),
              PrepareOptions(flat_field=False))
    import h5py
    with h5py.File(tmp_path / "out.h5") as h5:
        np.testing.assert_allclose(h5["aligned"][()], apply_transforms(stack, table), atol=1e-6, equal_nan=True)
        assert list(h5["transforms"].attrs["columns"]) == ["dy", "dx", "angle_deg", "scale"]


@pytest.mark.parametrize("method", ["tvdm", "ssd", "mi"])
def test_similarity_on_unrelated_images_is_never_ok(method):
    rng = np.random.default_rng(5)
    result = register_pair(rng.random((96, 96)), rng.random((96, 96)), method=method,
                           params={"transform": "similarity"})
    assert result.transform.kind == "similarity" and result.status != "ok" and result.message


def test_binned_similarities_are_scaled_back_with_their_scale():
    from txmalign_gui.engine.stack.preprocess import unbin_transforms
    full = unbin_transforms([[1.0, -2.0, 3.0, 1.01], [0.0, 0.0, 0.0, 1.0]], 2, (64, 64))
    np.testing.assert_allclose(full, [[2.0, -4.0, 3.0, 1.01], [0.0, 0.0, 0.0, 1.0]])
    affine = unbin_transforms([[1.0, -2.0, 1.01, 0.02, -0.01, 0.99]], 2, (64, 64))
    np.testing.assert_allclose(affine, [[2.0, -4.0, 1.01, 0.02, -0.01, 0.99]])
