"""`align_stack`: align every image of a stack with an anchor image, by one of four strategies."""

from __future__ import annotations

import dataclasses
import time
from typing import Callable, Dict, List, Optional, Sequence, cast

import numpy as np

from .. import validation
from ..check_params import DISAGREE_PX
from ..errors import InputError
from ..methods import get_method
from ..progress import as_progress
from ..result import OK, RegistrationResult
from ..second_opinion import check_method_name
from ..transform import Transform, from_row
from . import plan
from .chain import TreeAssembler
from .chunk_means import align_chunked, averaging_helps
from .inputs import load_reference, load_stack, resolve_anchor
from .kinds import method_params
from .params import STACK_PARAMS
from .preprocess import bin_image, unbin_transforms
from .result import StackResult
from .runner import Frames, Pair, PairRegistrar, register_pairs
from .trust import flag_null_result

OnResult = Callable[[int, RegistrationResult], None]


def align_stack(stack, method: str = "tvdm", *, params=None, strategy: str = "anchor", anchor=None,
                chunk_size: int = STACK_PARAMS.get("chunk_size").default, average_chunks: bool = True,
                window: int = 3, mask=None, roi=None,
                reference=None, jobs: int = 1, progress=None, cancel=None,
                on_result: Optional[OnResult] = None, binning: int = 1, check_method: str = "none",
                transform: str = "rigid") -> StackResult:
    """Find, for every image of `stack`, the transform aligning it with the anchor image.

    Parameters
    ----------
    stack : array_like (N, H, W)
        The images; a lazy array-like (h5py dataset, `io.lazy`) is read frame by frame as pairs need them
        (each frame checked when first read), never whole.
    method : str
        The pair method (see `register_pair`); `params` overrides its parameters.
    strategy : {"anchor", "sequential", "chunked", "consistent"}
        How images are paired (see STACK_PARAMS): every image to the anchor, neighbour to neighbour,
        to local targets `chunk_size` apart chained toward the anchor (through the chunks' averages when
        `average_chunks`, see `chunk_means`), or many pairs (`window` neighbours each side) solved together
        with disagreeing pairs flagged.
    anchor : int, optional
        Index of the image the others are aligned with; None or -1 mean the middle image.
    mask, roi
        As for `register_pair`, used for every pair.
    reference : array_like, optional
        A registration target instead of the images themselves: one 2-D image (anchor strategy only) or N
        targets in the images' positions (e.g. contrast-stable versions).
    jobs : int
        Worker processes (0 = one per core); the result is identical to a serial run.
    progress, cancel
        As for `register_pair`.
    on_result : callable ``(index, RegistrationResult)``, optional
        Called in this thread as each image's anchor-relative transform becomes known (live preview).
    binning : int
        Register binned copies (faster, less noisy) and scale the transforms back.
    check_method : str
        A second, independent method run on every pair; images where it differs by more than 0.5 px are
        flagged ("none" skips it).
    transform : {"rigid", "similarity", "affine"}
        The kind estimated (see STACK_PARAMS and `engine.transform`); similarity and affine need a method
        with a `transform` parameter (tvdm, ssd, mi) and a tree strategy (not consistent).

    Returns
    -------
    StackResult
        ``transforms`` (N, 3) rows (dy, dx, angle_deg), or (N, 4) / (N, 6) for similarity / affine (see
        `StackResult`), aligning each image with the anchor (apply them with
        `apply_transforms`), with per-image costs, confidences, statuses and messages explaining every image
        that is not ok.

    Raises
    ------
    InputError
        For bad input; `Cancelled` when cancelled.
    """
    start = time.perf_counter()
    settings = STACK_PARAMS.resolve({"strategy": strategy, "anchor": -1 if anchor is None else anchor,
                                     "chunk_size": chunk_size, "average_chunks": average_chunks,
                                     "window": window, "jobs": jobs,
                                     "check_method": check_method, "transform": transform})
    spec = get_method(method)
    resolved = method_params(spec, params, settings["transform"], settings["strategy"])
    images = load_stack(stack)
    count, full_shape = images.shape[0], images.shape[1:]
    anchor_index = resolve_anchor(settings["anchor"], count)
    targets = load_reference(reference, images.shape)
    if targets is not None and targets.ndim == 2 and settings["strategy"] != "anchor":
        raise InputError("a single reference image works with the anchor strategy only; give one target "
                         "per image (a reference stack) for the other strategies")
    fixed_mask, moving_mask = validation.split_masks(mask, full_shape)
    roi = validation.check_roi(roi, full_shape)
    reporter = as_progress(progress, cancel)
    reporter.update(0.0, f"aligning {count} images ({settings['strategy']}, {spec.label})")

    binning = int(binning)
    if binning < 1:
        raise InputError(f"binning must be 1 or more, got {binning}")
    if binning > 1:
        images, targets, fixed_mask, moving_mask, roi = _binned(images, targets, fixed_mask, moving_mask,
                                                                roi, binning)
    mask_pair = None if fixed_mask is None else (fixed_mask, moving_mask)
    check = check_method_name(settings["check_method"])
    registrar = PairRegistrar(spec.name, resolved, mask_pair, roi, check)
    frames = Frames(images, targets)
    on_image = _full_size_reporter(on_result, binning, full_shape)

    if settings["strategy"] == "consistent":
        outcome = _align_consistent(frames, registrar, count, anchor_index, settings, reporter, on_image)
    else:
        outcome = _align_tree(frames, registrar, count, anchor_index, settings, reporter, on_image,
                              single_target=targets is not None and targets.ndim == 2)
    transforms, costs, confidences, statuses, messages, flagged, pair_count, own_pairs = outcome
    messages = _precision_advice(own_pairs, settings["strategy"]) + messages
    differences = None if check is None else _check_differences(own_pairs, binning)
    if differences is not None:
        messages = messages + [f"image {i}: the second opinion ({check}) differs by {differences[i]:.2f} px"
                               for i in np.flatnonzero(np.nan_to_num(differences) > DISAGREE_PX)]
    reporter.update(1.0, "alignment done")
    result = StackResult(transforms=unbin_transforms(transforms, binning, full_shape), costs=costs,
                         confidences=confidences, statuses=statuses, strategy=settings["strategy"],
                         anchor=anchor_index, method=spec.name, params=resolved,
                         seconds=time.perf_counter() - start, messages=messages, flagged_pairs=flagged,
                         pair_count=pair_count, check_method=check or "none", check_differences=differences)
    flag_null_result(result, images)  # all exactly 0 at full confidence on differing images is not ok
    return result


def _binned(images, targets, fixed_mask, moving_mask, roi, binning):
    """Binned copies of everything registration looks at; masks keep blocks that are mostly usable."""
    def bin_stack(array):
        return np.stack([bin_image(frame, binning) for frame in array])

    def bin_mask(m):
        return None if m is None else bin_image(m.astype(np.float32), binning) > 0.5

    binned_targets = None if targets is None else (
        bin_image(targets, binning) if targets.ndim == 2 else bin_stack(targets))
    binned_roi = None if roi is None else (roi[0] // binning, -(-roi[1] // binning),
                                           roi[2] // binning, -(-roi[3] // binning))
    images = bin_stack(images)
    binned_roi = validation.check_roi(binned_roi, images.shape[1:]) if binned_roi else None
    return images, binned_targets, bin_mask(fixed_mask), bin_mask(moving_mask), binned_roi


def _full_size_reporter(on_result, binning, full_shape):
    """Wrap `on_result` so the transforms it sees are always for the full-size images."""
    if on_result is None or binning == 1:
        return on_result

    def report(index, result):
        row = unbin_transforms([result.transform.to_row()], binning, full_shape)[0]
        on_result(index, dataclasses.replace(result, transform=from_row(row)))
    return report


def _check_differences(own_pairs, binning: int) -> np.ndarray:
    """Per image, how far (full-size px) the second opinion on its own pair lies from the primary answer."""
    return np.array([np.nan if r is None or "check" not in r.details
                     else binning * r.details["check"]["difference_px"] for r in own_pairs])


def _precision_advice(own_pairs, strategy: str) -> List[str]:
    """One message ahead of the per-image ones when noise left several images imprecise, with what helps:
    with the anchor strategy the far images differ most from the anchor in contrast, so registering each
    to a near image does better (on the bundled example 26 images were 0.11-0.30 px off that way, none
    with chunked); otherwise less noise per pixel."""
    count = sum(1 for r in own_pairs if r is not None and r.details.get("precision_limited"))
    if count < 2:
        return []
    remedy = ("registering each image to a nearer one (strategy chunked or sequential), whose contrast is "
              "closer, usually helps" if strategy == "anchor" else
              "binning 2 x 2, or an ROI over the textured part of the field, usually helps")
    return [f"{count} images are flagged only because noise limits their precision: {remedy}"]


def _pair_messages(results):
    messages, flagged = [], []
    for (fixed, moving), r in results.items():
        if r.status != OK:
            target = "the reference" if fixed is None else f"image {fixed}"
            messages.append(f"image {moving} onto {target}: {r.status}" + (f" ({r.message})" if r.message else ""))
            flagged.append({"fixed": fixed, "moving": moving, "status": r.status, "reason": r.message})
    return messages, flagged


def _align_tree(frames, registrar, count, anchor, settings, reporter, on_image, single_target):
    if single_target:
        parents: Sequence[Optional[int]] = [None] * count
        pairs: Sequence[Pair] = [(None, i) for i in sorted(range(count), key=lambda i: (abs(i - anchor), i))]
    elif settings["strategy"] == "chunked" and settings["average_chunks"] and frames.reference is None and \
            averaging_helps(count, anchor, settings["chunk_size"]):
        assembler, results = align_chunked(frames, registrar, count, anchor, settings["chunk_size"],
                                           settings["jobs"], reporter.sub(0.0, 0.99), on_image)
        return _tree_outcome(assembler, results, count)
    else:
        parents = plan.tree_parents(settings["strategy"], count, anchor, settings["chunk_size"])
        pairs = plan.tree_pairs(parents)
    assembler = TreeAssembler(parents, registrar.method, registrar.params, on_image)
    results = register_pairs(pairs, frames, registrar, settings["jobs"], reporter.sub(0.0, 0.99),
                             lambda pair, result: assembler.add(pair[1], result))
    return _tree_outcome(assembler, results, count)


def _tree_outcome(assembler, results, count):
    """The per-image arrays, messages and own pair results of a tree strategy's assembled chains."""
    transforms, costs, confidences, statuses = assembler.arrays()
    messages, flagged = _pair_messages(results)
    own = {moving: result for (_, moving), result in results.items()}
    return (transforms, costs, confidences, statuses, messages, flagged, len(results),
            [own.get(i) for i in range(count)])


def _align_consistent(frames, registrar, count, anchor, settings, reporter, on_image):
    from .consistent import solve_consistent  # scipy.sparse.linalg: loaded only for this strategy

    pairs = plan.consistent_pairs(count, anchor, settings["chunk_size"], settings["window"])
    results = register_pairs(pairs, frames, registrar, settings["jobs"], reporter.sub(0.0, 0.97))
    reporter.update(0.98, "solving for the most consistent transforms")
    solution = solve_consistent(count, anchor, cast(Dict[plan.Pair, RegistrationResult], results))  # no None here
    parents = plan.tree_parents("chunked", count, anchor, settings["chunk_size"])
    primary = [None if p == i else results.get((p, i)) or results[(i, p)] for i, p in enumerate(parents)]
    costs = np.array([0.0 if r is None else r.cost for r in primary])
    messages, _ = _pair_messages(results)
    messages += [f"pair {f['fixed']}-{f['moving']} flagged: {f['reason']}" for f in solution.flagged
                 if f["status"] != "failed"]
    if on_image is not None:
        for index, pair_result in enumerate(primary):
            base = pair_result or RegistrationResult(Transform(), 0.0, registrar.method, registrar.params, 0.0)
            on_image(index, dataclasses.replace(
                base, transform=Transform(*solution.transforms[index]),
                confidence=float(solution.confidences[index]), status=solution.statuses[index]))
    return (solution.transforms, costs, solution.confidences, solution.statuses, messages,
            solution.flagged, len(pairs), primary)
