"""Checks on a finished stack alignment that no single method can make: results that look perfect but cannot be.

`flag_null_result`: every image aligned by exactly (0, 0, 0) with full confidence while the images are
not identical is what a method reports when its input carried no usable signal (for example data
normalised twice); such a run is marked low confidence with a reason instead of ok.
`too_many_failed`: more than half of the images failed, the run as a whole is not a result.
"""

from __future__ import annotations

import numpy as np

from ..result import FAILED, LOW_CONFIDENCE, OK
from ..transform import from_row

# The confidence such images get: well below the methods' ok threshold, above 0 (nothing failed to run).
NULL_RESULT_CONFIDENCE = 0.2
NULL_RESULT_MESSAGE = ("every image was aligned by exactly 0 px with full confidence although the images "
                       "differ: the registration found no usable signal (check the flat-field and image "
                       "preparation); the shifts are not trustworthy")


def _images_differ(images, anchor: int) -> bool:
    reference = np.asarray(images[anchor], dtype=np.float32)
    for index in range(len(images)):
        if index != anchor and not np.array_equal(np.asarray(images[index], dtype=np.float32), reference,
                                                  equal_nan=True):
            return True
    return False


def flag_null_result(result, images) -> bool:
    """Mark `result` (a StackResult, changed in place) low confidence, with confidence at most 0.2, when it
    is a null result; True if so."""
    others = [i for i in range(len(result.transforms)) if i != result.anchor]
    if not others:
        return False
    transforms = np.asarray(result.transforms, dtype=float)[others]
    confident = np.asarray(result.confidences, dtype=float)[others]
    statuses = [result.statuses[i] for i in others]
    moved = any(not from_row(row).is_identity(0.0) for row in transforms)
    if moved or np.any(confident < 0.999) or any(s != OK for s in statuses):
        return False
    if not _images_differ(images, result.anchor):
        return False
    confidences = np.array(result.confidences, dtype=float)
    for index in others:
        result.statuses[index] = LOW_CONFIDENCE
        confidences[index] = min(confidences[index], NULL_RESULT_CONFIDENCE)
    result.confidences = confidences
    result.messages.append(NULL_RESULT_MESSAGE)
    return True


def too_many_failed(statuses) -> bool:
    """True when more than half of the images (not counting a single-image run) failed."""
    statuses = list(statuses)
    return len(statuses) > 1 and 2 * sum(s == FAILED for s in statuses) > len(statuses)
