"""Teaching exercises from files: write an exercise stack, and check a student's answer (a frame index,
a mask file, transforms from an aligned HDF5 or CSV) against the regenerated truth."""

from __future__ import annotations

from typing import Optional

from .. import io
from ..engine.errors import InputError
from ..engine.teaching import check_frame, check_mask, check_transforms, make_exercise
from ..io.exercise_files import read_exercise_info, write_exercise
from ..io.output_paths import check_output


def run_make_exercise(name: str, out: str, seed: Optional[int] = None, force: bool = False) -> dict:
    check_output(out, [], force)
    stack = make_exercise(name, seed)
    write_exercise(out, stack)
    return {"name": stack.name, "seed": stack.seed, "images": len(stack.images), "output": out}


def run_check_exercise(path: str, frame: Optional[int] = None, mask: Optional[str] = None,
                       transforms: Optional[str] = None) -> list:
    """[(what, Verdict)] for each answer given; the bad frame is left out of the transforms check."""
    name, seed = read_exercise_info(path)
    stack = make_exercise(name, seed)
    verdicts = []
    if frame is not None:
        verdicts.append(("frame", check_frame(stack, frame)))
    if mask is not None:
        verdicts.append(("mask", check_mask(stack, io.read_mask(mask))))
    if transforms is not None:
        skip = [stack.answer["frame"]] if "frame" in stack.answer else []
        verdicts.append(("transforms", check_transforms(stack, io.read_transforms(transforms), skip)))
    if not verdicts:
        raise InputError("nothing to check: give --frame N, --mask FILE and/or --transforms FILE")
    return verdicts
