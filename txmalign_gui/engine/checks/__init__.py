"""Qt-free maths behind the checking tools: spectra, line profiles and feature drift, comparison images,
masks, repairs of the transform table and the area every aligned frame covers."""

from .compare import checkerboard, difference, normalise, overlay_rgb, split_view, symmetric_limit
from .coverage import common_box, covered_by_all, crop_stack, largest_box
from .masks import brush_mask, brush_stroke, polygon_mask, threshold_mask
from .profiles import line_profile, stack_profiles
from .repair import interpolate_excluded, smooth_fit
from .spectra import absorbance, point_spectrum, rect_mask, region_spectrum
from .table import csv_text
from .tracking import drift_range, track_feature

__all__ = [
    "absorbance", "brush_mask", "brush_stroke", "checkerboard", "common_box", "covered_by_all", "crop_stack",
    "csv_text",
    "difference", "drift_range", "interpolate_excluded", "largest_box", "line_profile", "normalise",
    "overlay_rgb", "point_spectrum", "polygon_mask", "rect_mask", "region_spectrum", "smooth_fit",
    "split_view", "stack_profiles", "symmetric_limit", "threshold_mask", "track_feature",
]
