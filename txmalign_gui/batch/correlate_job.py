"""`run_correlate`: register an electron-microscopy image onto an X-ray image and write the EM image resampled
into the X-ray frame with the map, the landmarks and the provenance (the command line and the app share it).

Landmarks file: CSV (comma, semicolon or whitespace separated), one pair per line,

    xray_row, xray_col, em_row, em_col

in pixels of each image (row down, column right, from 0 at the first pixel's centre); lines starting with `#`
and a first line of column names are skipped.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Tuple

import numpy as np

from .. import io
from ..engine.correlative import CORRELATE_PARAMS, CorrelativeResult, correlate, resample_em
from ..engine.errors import InputError
from ..engine.progress import Progress
from ..io.output_paths import check_outputs

LANDMARK_COLUMNS = ("xray_row", "xray_col", "em_row", "em_col")
METHOD = "correlative-mutual-information"


def read_landmarks(path: str) -> Tuple[np.ndarray, np.ndarray]:
    """(X-ray points, EM points), each (N, 2) (row, col), from a landmarks file (see the module docstring)."""
    try:
        with open(path, encoding="utf-8") as handle:
            lines = [line.strip() for line in handle]
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read the landmarks file {path}: {getattr(error, 'strerror', None) or error}") \
            from error
    rows: list = []
    header_allowed = True
    for number, line in enumerate(lines, 1):
        if not line or line.startswith("#"):
            continue
        fields = [f for f in re.split(r"[,;\s]+", line) if f]
        try:
            values = [float(f) for f in fields]
        except ValueError:
            if header_allowed:  # the first line may name the columns
                header_allowed = False
                continue
            raise InputError(f"{path}, line {number}: not four numbers ({line!r})") from None
        header_allowed = False
        if len(values) != 4:
            raise InputError(f"{path}, line {number}: {len(values)} values; a landmark is xray_row, xray_col, "
                             "em_row, em_col")
        rows.append(values)
    if not rows:
        raise InputError(f"{path} holds no landmarks (lines of xray_row, xray_col, em_row, em_col)")
    table = np.array(rows)
    return table[:, :2], table[:, 2:]


def write_landmarks(path: str, xray_points: np.ndarray, em_points: np.ndarray) -> None:
    """Write pairs in the landmarks file format (atomically)."""
    with io.atomic_output(path) as temporary:
        with open(temporary, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(LANDMARK_COLUMNS)
            for xray, em in zip(np.asarray(xray_points, float), np.asarray(em_points, float)):
                writer.writerow([repr(float(v)) for v in (*xray, *em)])


def _pixel_size(source: str) -> Optional[float]:
    """The pixel size (nm) a reader finds in the file, if any."""
    try:
        return io.read_stack(source).pixel_size_nm
    except Exception:  # noqa: BLE001 (a single image some readers refuse as a stack: no size known)
        return None


@dataclass(frozen=True)
class CorrelativeOutput:
    """A finished correlation: the result and the EM image drawn in the X-ray frame."""

    result: CorrelativeResult
    resampled: np.ndarray
    xray_shape: Tuple[int, int]
    em_shape: Tuple[int, int]


def correlate_images(xray: np.ndarray, em: np.ndarray, *, landmarks: Optional[tuple] = None,
                     params: Optional[Mapping] = None, scale_hint: Optional[float] = None,
                     progress: Optional[Progress] = None) -> CorrelativeOutput:
    """`engine.correlative.correlate`, then the EM image resampled (cubic) onto the X-ray grid."""
    progress = progress or Progress()
    result = correlate(xray, em, landmarks=landmarks, params=params, scale_hint=scale_hint,
                       progress=progress.sub(0.0, 0.9))
    progress.update(0.9, "resampling the EM image into the X-ray frame")
    resampled = resample_em(em, result.point_map, np.shape(xray), order=3)
    return CorrelativeOutput(result, resampled, tuple(np.shape(xray)), tuple(np.shape(em)))


def write_correlated(path: str, output: CorrelativeOutput, xray_source: str, em_source: str,
                     params: Mapping, program: str = "txmalign") -> Dict[str, Any]:
    """Write the resampled EM image with `io.write_aligned` (one image; /transforms holds the centre-based
    similarity or affine of the one convention, EM moving and X-ray fixed) plus /correlative: the 2 x 3 pixel
    matrix, the landmarks and their residuals.  Never over either input."""
    result = output.result
    transform = result.point_map.to_transform(output.em_shape, output.xray_shape, kind=result.model)
    extras: Dict[str, Any] = {"correlative/matrix": result.point_map.matrix}
    if result.landmark_fit is not None:
        fit = result.landmark_fit
        extras.update({"correlative/landmarks_xray": fit.xray_points, "correlative/landmarks_em": fit.em_points,
                       "correlative/landmark_residuals_px": fit.distances})
    record = io.RunRecord(method=METHOD, params=dict(params), source=em_source, program=program,
                          details={"xray_source": xray_source, "xray_input_sha256": _checksum(xray_source),
                                   "correlative": result.to_dict(),
                                   "matrix_meaning": "(row, col) of the EM image -> (row, col) of the X-ray image"})
    return io.write_aligned(path, output.resampled[None], [transform], record, input_path=em_source,
                            statuses=[result.status], confidences=[result.confidence], extras=extras)


def _checksum(source: str) -> Optional[str]:
    path = io.source_file(source)
    return io.sha256_of_path(path) if os.path.exists(path) else None


def run_correlate(xray_source: str, em_source: str, out: str, *, landmarks_path: Optional[str] = None,
                  params: Optional[Mapping] = None, xray_pixel_nm: Optional[float] = None,
                  em_pixel_nm: Optional[float] = None, force: bool = False,
                  progress: Optional[Progress] = None) -> Dict[str, Any]:
    """Read both images (any reader; stacks as `file[index]`), correlate, write `out`; return the summary
    (`matrix`, `scale`, `angle_deg`, `status`, ...)."""
    progress = progress or Progress()
    check_outputs([out], [xray_source, em_source, landmarks_path], force)
    params = CORRELATE_PARAMS.resolve(params, owner="correlate")
    landmarks = read_landmarks(landmarks_path) if landmarks_path else None
    progress.update(0.0, "reading the images")
    xray, em = io.read_image(xray_source), io.read_image(em_source)
    xray_pixel_nm = xray_pixel_nm or _pixel_size(xray_source)
    em_pixel_nm = em_pixel_nm or _pixel_size(em_source)
    scale_hint = em_pixel_nm / xray_pixel_nm if xray_pixel_nm and em_pixel_nm else None
    output = correlate_images(xray, em, landmarks=landmarks, params=params, scale_hint=scale_hint,
                              progress=progress.sub(0.02, 0.95))
    progress.update(0.95, f"writing {out}")
    write_correlated(out, output, xray_source, em_source, params)
    progress.update(1.0, "done")
    result = output.result
    summary = {**result.point_map.to_dict(), "status": result.status, "confidence": result.confidence,
               "message": result.message, "start": result.start, "model": result.model,
               "seconds": result.details.get("seconds"), "output": out,
               "xray_shape": list(output.xray_shape), "em_shape": list(output.em_shape)}
    if result.landmark_fit is not None:
        summary["landmark_residuals_px"] = result.landmark_fit.distances.tolist()
        summary["landmark_rms_px"] = result.landmark_fit.rms
    return summary
