"""Teaching exercises: the generated stacks have the property each exercise teaches, and the checks say
right only to right answers (from the engine and through `txmalign exercise`)."""

import numpy as np
import pytest

from txmalign_gui.cli import main
from txmalign_gui.engine.errors import InputError
from txmalign_gui.engine.stack import align_stack
from txmalign_gui.engine.teaching import (
    EXERCISES,
    check_frame,
    check_mask,
    check_transforms,
    make_exercise,
    transform_errors,
)
from txmalign_gui.io import read_stack


def align(stack, method, mask=None):
    return align_stack(stack.images, method=method, strategy="anchor", anchor=stack.anchor, mask=mask, jobs=1)


def test_exercises_are_deterministic_and_hide_nothing_obvious():
    for name in EXERCISES:
        a, b = make_exercise(name), make_exercise(name)
        np.testing.assert_array_equal(a.images, b.images)
        assert np.all(np.isfinite(a.images)) and a.images.shape[0] == len(a.energies)
    assert not np.array_equal(make_exercise("bad_frame", seed=5).images, make_exercise("bad_frame").images)
    with pytest.raises(InputError, match="unknown exercise"):
        make_exercise("nope")


def test_bad_frame_is_the_lowest_confidence_and_the_check_knows_it():
    stack = make_exercise("bad_frame")
    bad = stack.answer["frame"]
    result = align(stack, "tvdm")
    assert int(np.argmin(result.confidences)) == bad
    assert check_frame(stack, bad).correct
    assert not check_frame(stack, bad + 1).correct and "from 0" in check_frame(stack, bad + 1).message
    assert not check_frame(stack, (bad + 5) % len(stack.images)).correct
    assert check_transforms(stack, result.transforms, skip=[bad]).correct


def test_beam_block_needs_the_mask():
    stack = make_exercise("beam_block")
    block = stack.answer["block"]
    assert check_mask(stack, ~block).correct
    partly = ~block
    partly[np.nonzero(block)[0].min():np.nonzero(block)[0].min() + 5] = True  # top rows of the block unmasked
    assert not check_mask(stack, partly).correct
    assert not check_mask(stack, np.zeros_like(block)).correct                # everything masked
    assert not check_transforms(stack, align(stack, "phasecorr").transforms).correct
    assert check_transforms(stack, align(stack, "tvdm", mask=~block).transforms).correct


def test_contrast_inversion_defeats_phase_correlation_but_not_tvdm():
    stack = make_exercise("contrast_inversion")
    wrong = align(stack, "phasecorr")
    right = align(stack, "tvdm")
    # phase correlation lands 0.5-1.3 px off on every frame (1.1-2.8 px before its window stopped pulling
    # the peak towards zero shift)
    assert np.sum(transform_errors(stack, wrong.transforms) > 0.5) >= 8
    assert not check_transforms(stack, wrong.transforms).correct
    assert check_transforms(stack, right.transforms).correct
    shifted = stack.truth + [3.0, -2.0, 0.0]  # another anchor: every transform moved alike, still right
    assert check_transforms(stack, shifted).correct


def test_cli_make_align_check(tmp_path, capsys):
    ex = str(tmp_path / "ex.h5")
    assert main(["exercise", "make", "beam_block", "--out", ex]) == 0
    data = read_stack(ex)
    assert data.kind == "xanes" and len(data) == 16 and data.energies[0] > 7000
    stack = make_exercise("beam_block")
    import tifffile
    tifffile.imwrite(tmp_path / "mask.tif", (~stack.answer["block"]).astype(np.uint8))
    assert main(["align", ex, "--out", str(tmp_path / "a.h5"), "--mask", str(tmp_path / "mask.tif"),
                 "--jobs", "1"]) == 0
    capsys.readouterr()
    assert main(["exercise", "check", ex, "--mask", str(tmp_path / "mask.tif"), "--transforms",
                 str(tmp_path / "a.h5")]) == 0
    out = capsys.readouterr().out
    assert out.count("RIGHT") == 2
    assert main(["exercise", "check", ex, "--frame", "3"]) == 2     # beam_block has no bad frame
    assert "no bad frame" in capsys.readouterr().err
    assert main(["exercise", "make", "bad_frame"]) == 2
    assert main(["exercise", "check", str(tmp_path / "a.h5"), "--frame", "1"]) == 2
    assert "not a txmalign exercise" in capsys.readouterr().err
