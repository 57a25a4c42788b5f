"""Teaching exercises: generated stacks with a known answer, and checks that tell a student whether
their result is right.  Deterministic for a (name, seed), so the answer is never stored in the file the
student gets: the check regenerates it.

- bad_frame: one frame is ruined (a beam dump); find its index.
- beam_block: an opaque block fixed to the detector pulls registration to zero shift; mask it and align.
- contrast_inversion: two phases swap contrast across the edge; phase correlation against one anchor
  goes wrong, a contrast-robust method (TVDM, mutual information) gets it right.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, Optional

import numpy as np
import numpy.typing as npt

from .errors import InputError
from .synthetic import EDGE_A_EV, EDGE_B_EV, alignment_errors, synthetic_xanes

# A transform is right when it puts the image within this RMS distance (px) of where the truth does.
TOLERANCE_PX = 1.0
_SIZE = 96


@dataclass(frozen=True)
class ExerciseStack:
    """What the student gets (images as transmission, energies in eV) and what the check knows."""

    name: str
    seed: int
    images: np.ndarray
    energies: np.ndarray
    anchor: int
    truth: np.ndarray
    answer: Dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    """The outcome of one check: right or not, and a sentence saying why (and what to try)."""

    correct: bool
    message: str


@dataclass(frozen=True)
class Exercise:
    name: str
    title: str
    task: str
    make: Callable[[int], ExerciseStack]
    default_seed: int


def _bad_frame(seed: int) -> ExerciseStack:
    energies = np.linspace(EDGE_A_EV - 15, EDGE_B_EV + 20, 31)
    stack = synthetic_xanes(n_images=31, size=_SIZE, jitter=5.0, energies=energies, seed=seed)
    rng = np.random.default_rng(seed + 1000)
    candidates = [i for i in range(3, 28) if abs(i - stack.anchor) > 1]
    bad = int(rng.choice(candidates))
    images = stack.images.copy()
    # A beam dump: a few percent of the flux, dominated by noise; the sample is barely visible.
    images[bad] = 0.04 * images[bad] + 0.03 * np.abs(rng.standard_normal(images[bad].shape))
    return ExerciseStack("bad_frame", seed, images, energies, stack.anchor, stack.transforms, {"frame": bad})


def _beam_block(seed: int) -> ExerciseStack:
    energies = np.linspace(EDGE_A_EV - 10, EDGE_B_EV + 15, 16)
    stack = synthetic_xanes(n_images=16, size=_SIZE, jitter=6.0, energies=energies, seed=seed)
    rng = np.random.default_rng(seed + 2000)
    height, width = int(rng.integers(18, 26)), int(rng.integers(26, 36))
    y0, x0 = int(rng.integers(8, _SIZE - height - 8)), int(rng.integers(8, _SIZE - width - 8))
    block = np.zeros((_SIZE, _SIZE), dtype=bool)
    block[y0:y0 + height, x0:x0 + width] = True
    images = stack.images.copy()
    images[:, block] *= 0.03  # nearly opaque, and fixed to the detector
    return ExerciseStack("beam_block", seed, images, energies, stack.anchor, stack.transforms, {"block": block})


def _contrast_inversion(seed: int) -> ExerciseStack:
    # Half the frames just above phase A's edge (A absorbs more), half above B's (B's white line
    # absorbs more): the particle pattern changes sign between the two halves.
    energies = np.concatenate([np.linspace(EDGE_A_EV + 3, EDGE_A_EV + 5, 8), np.linspace(EDGE_B_EV + 3,
                                                                                          EDGE_B_EV + 5, 8)])
    stack = synthetic_xanes(n_images=16, size=_SIZE, jitter=6.0, energies=energies, background=0.3, anchor=3,
                            seed=seed)
    return ExerciseStack("contrast_inversion", seed, stack.images, energies, stack.anchor, stack.transforms)


EXERCISES = {
    "bad_frame": Exercise("bad_frame", "Find the bad frame",
                          "One frame of this series is ruined (a beam dump). Align the stack, find the frame "
                          "from the results (a shift spike, a low confidence) or by browsing, and give its "
                          "index (counting from 0).", _bad_frame, 0),
    "beam_block": Exercise("beam_block", "Mask the beam block",
                           "An opaque block fixed to the detector hides part of every frame and pulls the "
                           "registration to zero shift. Paint a mask over it, align with the mask, and check "
                           "both the mask and the transforms.", _beam_block, 0),
    "contrast_inversion": Exercise("contrast_inversion", "Contrast that inverts across the edge",
                                   "Two phases swap contrast between the first and the second half of this "
                                   "series. Align it with phase correlation, see where it goes wrong, then find "
                                   "a method that gets every frame right.", _contrast_inversion, 2),
}


def exercise(name: str) -> Exercise:
    if name not in EXERCISES:
        raise InputError(f"unknown exercise {name!r}; choose one of {', '.join(EXERCISES)}")
    return EXERCISES[name]


def make_exercise(name: str, seed: Optional[int] = None) -> ExerciseStack:
    """The stack of exercise `name` (default seed: the one its claims were verified on)."""
    spec = exercise(name)
    return spec.make(spec.default_seed if seed is None else int(seed))


def check_frame(stack: ExerciseStack, frame: int) -> Verdict:
    """Is `frame` the ruined one?"""
    bad = stack.answer.get("frame")
    if bad is None:
        raise InputError(f"the {stack.name} exercise has no bad frame to find")
    if int(frame) == bad:
        return Verdict(True, f"Right: frame {bad} is the beam dump. Exclude it and interpolate its shift.")
    if int(frame) == bad + 1:
        return Verdict(False, f"Frame {frame} is not it, but close: frames are counted from 0 here.")
    return Verdict(False, f"Frame {frame} is fine. Look for the frame whose shift jumps away from its "
                          "neighbours, or whose confidence is lowest, and look at it.")


def check_mask(stack: ExerciseStack, usable: npt.ArrayLike) -> Verdict:
    """Does the mask (True = usable) hide the beam block without hiding much else?"""
    block = stack.answer.get("block")
    if block is None:
        raise InputError(f"the {stack.name} exercise has no beam block to mask")
    usable = np.asarray(usable, dtype=bool)
    if usable.shape != block.shape:
        raise InputError(f"the mask is {usable.shape[1]} x {usable.shape[0]} but the images are "
                         f"{block.shape[1]} x {block.shape[0]}")
    covered = float(np.mean(~usable[block]))
    extra = float((~usable & ~block).sum()) / block.sum()
    if covered < 0.95:
        return Verdict(False, f"The mask hides only {covered:.0%} of the block; paint all of it (the dark "
                              "rectangle that does not move).")
    if extra > 3.0:
        return Verdict(False, f"The mask hides {extra:.1f} times the block's area besides the block; keep the "
                              "sample usable.")
    return Verdict(True, f"Right: the mask hides {covered:.0%} of the block and little else.")


def transform_errors(stack: ExerciseStack, transforms: npt.ArrayLike) -> np.ndarray:
    """Per-frame RMS error (px) of `transforms` against the truth, after removing the offset common to
    all frames (choosing another anchor moves every transform by the same amount)."""
    est = np.asarray(transforms, dtype=float)
    if est.shape != stack.truth.shape:
        raise InputError(f"{len(est)} transforms given for {len(stack.truth)} frames")
    offset = np.median(est - stack.truth, axis=0)
    return alignment_errors(est - offset, stack.truth, stack.images.shape[1:])


def check_transforms(stack: ExerciseStack, transforms: npt.ArrayLike, skip: Iterable[int] = ()) -> Verdict:
    """Are all frames (but those in `skip`, e.g. the bad frame) aligned within TOLERANCE_PX?"""
    errors = transform_errors(stack, transforms)
    keep = np.ones(len(errors), dtype=bool)
    keep[list(skip)] = False
    wrong = np.flatnonzero(keep & (errors > TOLERANCE_PX))
    if len(wrong):
        shown = ", ".join(str(i) for i in wrong[:8]) + (" ..." if len(wrong) > 8 else "")
        return Verdict(False, f"{len(wrong)} frame(s) are off by more than {TOLERANCE_PX:g} px (worst "
                              f"{errors[keep].max():.1f} px): frames {shown}.")
    return Verdict(True, f"Right: every frame is within {TOLERANCE_PX:g} px (worst {errors[keep].max():.2f} px, "
                         f"median {np.median(errors[keep]):.2f} px).")
