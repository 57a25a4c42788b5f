"""Exercise files: the generated stack in the FXI-like layout the example uses (img_xanes, X_eng in keV)
with the exercise's name, seed and task as attributes, and never its answer (the check regenerates it)."""

from __future__ import annotations

from typing import Tuple

import h5py
import numpy as np

from ..engine.errors import InputError
from ..engine.teaching import ExerciseStack, exercise
from .atomic import atomic_output


def write_exercise(path: str, stack: ExerciseStack) -> str:
    """Write `stack` to `path` atomically; returns the path."""
    with atomic_output(path) as temporary:
        with h5py.File(temporary, "w") as h5:
            h5.create_dataset("img_xanes", data=np.asarray(stack.images, dtype=np.float32),
                              chunks=(1,) + stack.images.shape[1:], compression="gzip", shuffle=True)
            h5.create_dataset("X_eng", data=np.asarray(stack.energies) / 1000.0)
            h5.attrs["txmalign_exercise"] = stack.name
            h5.attrs["seed"] = int(stack.seed)
            h5.attrs["task"] = exercise(stack.name).task
            h5.attrs["description"] = (f"txmalign teaching exercise '{stack.name}' (seed {stack.seed}): "
                                       "normalised transmission, energies in keV")
    return path


def read_exercise_info(path: str) -> Tuple[str, int]:
    """(name, seed) of an exercise file, with a clear message when it is not one."""
    try:
        with h5py.File(path, "r") as h5:
            name = h5.attrs.get("txmalign_exercise")
            seed = h5.attrs.get("seed")
    except OSError as error:
        raise InputError(f"cannot open {path} as an exercise file: {error}") from error
    if name is None or seed is None:
        raise InputError(f"{path} is not a txmalign exercise (make one with `txmalign exercise make`)")
    return (name.decode() if isinstance(name, bytes) else str(name)), int(seed)
