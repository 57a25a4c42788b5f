"""align_stack: every strategy against known truth, strategy limits, parallel == serial, cancel, bad input."""

import threading

import numpy as np
import pytest

from txmalign_gui.engine.errors import Cancelled, InputError
from txmalign_gui.engine.result import OK
from txmalign_gui.engine.stack import STACK_PARAMS, StackResult, align_stack, plan
from txmalign_gui.engine.synthetic import alignment_errors, synthetic_xanes


@pytest.fixture(scope="module")
def small():
    return synthetic_xanes(15, 128, jitter=6.0, seed=3)


def _errors(result, stack):
    return alignment_errors(result.transforms, stack.transforms, stack.images.shape[1:])


@pytest.mark.parametrize("strategy", ["anchor", "sequential", "chunked", "consistent"])
def test_every_strategy_recovers_the_known_jitter(small, strategy):
    result = align_stack(small.images, "tvdm", strategy=strategy, chunk_size=3, window=2)
    errors = _errors(result, small)
    assert isinstance(result, StackResult) and result.strategy == strategy and result.anchor == 7
    assert np.sqrt(np.mean(errors ** 2)) < 0.2 and errors.max() < 0.5
    assert np.array_equal(result.transforms[7], [0.0, 0.0, 0.0])
    assert result.costs.shape == result.confidences.shape == (15,) and len(result.statuses) == 15
    assert result.statuses[7] == OK and result.method == "tvdm" and "sigma" in result.params
    assert result.to_dict()["transforms"][0] == list(result.transforms[0])


def test_chunk_size_one_is_sequential_and_the_whole_stack_is_anchor(small):
    chunk_one = align_stack(small.images, "tvdm", strategy="chunked", chunk_size=1)
    sequential = align_stack(small.images, "tvdm", strategy="sequential")
    chunk_all = align_stack(small.images, "tvdm", strategy="chunked", chunk_size=15)
    anchor = align_stack(small.images, "tvdm", strategy="anchor")
    assert np.array_equal(chunk_one.transforms, sequential.transforms)
    assert np.array_equal(chunk_all.transforms, anchor.transforms)
    assert not np.array_equal(sequential.transforms, anchor.transforms)


def test_parallel_run_equals_serial_run(small):
    serial = align_stack(small.images[:9], "tvdm", strategy="consistent", chunk_size=3, window=2, jobs=1)
    parallel = align_stack(small.images[:9], "tvdm", strategy="consistent", chunk_size=3, window=2, jobs=2)
    assert np.array_equal(serial.transforms, parallel.transforms)
    assert np.array_equal(serial.confidences, parallel.confidences)
    assert serial.statuses == parallel.statuses and serial.flagged_pairs == parallel.flagged_pairs


def test_on_result_reports_each_image_once_with_its_final_transform(small):
    seen = {}
    result = align_stack(small.images, "phasecorr", strategy="chunked", chunk_size=4,
                         on_result=lambda i, r: seen.setdefault(i, []).append(r.transform.as_tuple()))
    assert sorted(seen) == list(range(15)) and all(len(v) == 1 for v in seen.values())
    assert np.allclose([seen[i][0] for i in range(15)], result.transforms)


@pytest.mark.parametrize("jobs", [1, 2])
def test_cancel_mid_run_raises_cancelled(small, jobs):
    cancel = threading.Event()
    reported = []

    def stop_after_three(index, result):
        reported.append(index)
        if len(reported) == 3:
            cancel.set()

    with pytest.raises(Cancelled):
        align_stack(small.images, "tvdm", strategy="anchor", jobs=jobs, cancel=cancel,
                    on_result=stop_after_three)
    assert len(reported) < 15


def test_reference_stack_is_used_as_the_registration_target(small):
    # The same sample motions at one energy without noise: a contrast-stable target for every image.
    stable = synthetic_xanes(15, 128, jitter=6.0, seed=3, noise=0.0, background=0.0,
                             energies=np.full(15, 7690.0))
    assert np.array_equal(stable.transforms, small.transforms)
    result = align_stack(small.images, "tvdm", strategy="anchor", reference=stable.images)
    assert _errors(result, small).max() < 0.3
    single = align_stack(small.images, "tvdm", strategy="anchor", reference=stable.images[7])
    assert _errors(single, small).max() < 0.3  # target = the anchor's position
    with pytest.raises(InputError, match="anchor strategy only"):
        align_stack(small.images, "tvdm", strategy="sequential", reference=stable.images[7])


def test_binning_roi_and_mask_still_recover_the_jitter(small):
    binned = align_stack(small.images, "tvdm", strategy="chunked", chunk_size=3, binning=2)
    trusted = np.array(binned.statuses) == OK
    assert trusted.sum() >= 12 and _errors(binned, small)[trusted].max() < 0.5  # 64 px binned images
    mask = np.zeros((128, 128), bool)
    mask[8:120, 8:120] = True
    roi_masked = align_stack(small.images, "tvdm", strategy="chunked", chunk_size=3, roi=(4, 124, 4, 124),
                             mask=mask)
    trusted = np.array(roi_masked.statuses) == OK
    # The weak pre-edge images 0-5 hang on links whose shift TVDM measures to +-0.2-0.3 px only (two standard
    # errors; their true errors 0.05-0.15 px): they are not `ok`, so 9 images are trusted (14 before TVDM
    # measured its precision).
    assert trusted.sum() >= 9 and _errors(roi_masked, small)[trusted].max() < 0.5
    # every untrusted image is explained: its own pair is reported, or it is chained through one that is
    parents = plan.tree_parents("chunked", 15, roi_masked.anchor, 3)
    reported = {int(m.split()[1]) for m in roi_masked.messages if m.startswith("image ")}
    for index in np.flatnonzero(~trusted):
        chain = [index]
        while parents[chain[-1]] != chain[-1]:
            chain.append(parents[chain[-1]])
        assert reported & set(chain), f"image {index} is untrusted without a reason"


def test_rigid_tvdm_recovers_small_rotations():
    stack = synthetic_xanes(5, 96, jitter=4.0, max_angle=1.5, seed=8)
    result = align_stack(stack.images, "tvdm", params={"rotation": True, "angle_range": 5.0}, strategy="anchor")
    assert np.abs(result.transforms[:, 2] - stack.transforms[:, 2]).max() < 0.2
    assert _errors(result, stack).max() < 0.5


def test_stack_params_describe_the_settings():
    assert [p.name for p in STACK_PARAMS] == ["strategy", "anchor", "chunk_size", "average_chunks", "window",
                                              "transform", "jobs", "check_method"]
    assert STACK_PARAMS.resolve({"strategy": "consistent", "jobs": "0"})["jobs"] == 0


@pytest.mark.parametrize("kwargs, words", [
    (dict(stack=np.ones((32, 32))), "single 2-D image"),
    (dict(stack=np.ones((1, 32, 32))), "at least 2"),
    (dict(anchor=40), "outside the stack"),
    (dict(strategy="random"), "one of"),
    (dict(chunk_size=0), ">= 1"),
    (dict(reference=np.ones((3, 32, 32))), "one target per image"),
    (dict(method="nope"), "unknown method"),
])
def test_bad_input_raises_input_error(small, kwargs, words):
    args = dict(stack=small.images, method="phasecorr")
    args.update(kwargs)
    with pytest.raises(InputError, match=words):
        align_stack(args.pop("stack"), **args)


def test_a_nan_frame_is_named_in_the_error(small):
    broken = small.images.copy()
    broken[4, 10, 10] = np.nan
    with pytest.raises(InputError, match="image 4 of the stack"):
        align_stack(broken, "phasecorr")
