"""X-ray / EM test pairs with a known map: one natural image rendered in two modalities.

X-ray: an absorption image exp(-mu t) of the scene, blurred (coarser optics), drawn on a smaller grid with
larger pixels by the true map, plus noise.  EM: the scene sharper, gamma-mapped and edge-enhanced (a
secondary-electron look), cropped to a part of the field and stored as 8-bit.  The truth maps EM (row, col)
to X-ray (row, col).
"""

import numpy as np
from scipy import ndimage
from skimage import data

from txmalign_gui.engine.correlative import PointMap, resample_em


def scene(name):
    image = getattr(data, name)()
    image = image.mean(axis=2) if image.ndim == 3 else image
    return image.astype(float) / image.max()


def pair(name="camera", scale=0.45, angle=12.0, shift=(5.0, -7.0), xshape=(160, 176), seed=0, crop=60,
         linear=None):
    """(xray, em, truth); `linear` (2 x 2) replaces s R(angle) for an affine truth."""
    image = scene(name)
    rng = np.random.default_rng(seed)
    em = image ** 0.6 + 0.8 * ndimage.gaussian_gradient_magnitude(image, 1.5)
    em = em[crop:-crop, crop:-crop]
    em = np.clip(em / em.max() * 255 + rng.normal(0, 6, em.shape), 0, 255).astype(np.uint8)
    truth = PointMap.about_centres(scale, angle, (np.array(em.shape) - 1) / 2, (np.array(xshape) - 1) / 2, shift)
    if linear is not None:
        centre_em, centre_x = (np.array(em.shape) - 1) / 2, (np.array(xshape) - 1) / 2 + np.asarray(shift)
        truth = PointMap.from_matrix(np.column_stack([linear, centre_x - np.asarray(linear) @ centre_em]))
    from_scene = PointMap.from_matrix(np.column_stack([np.eye(2), [-crop, -crop]])).then(truth)
    absorption = np.exp(-1.5 * ndimage.gaussian_filter(image, 1.5 / truth.scale))
    xray = resample_em(absorption, from_scene, xshape, order=1)
    xray = ndimage.gaussian_filter(np.nan_to_num(xray, nan=1.0), 1.0) + rng.normal(0, 0.01, xshape)
    return xray, em, truth


def errors(found, truth, xshape):
    """(scale error %, angle error deg, error at the X-ray image centre in X-ray px)."""
    centre = (np.array(xshape, float) - 1) / 2
    where = found.inverse().apply(centre) - truth.inverse().apply(centre)
    return (100 * (found.scale / truth.scale - 1), found.angle_deg - truth.angle_deg,
            float(np.hypot(*where[0])) * truth.scale)


def landmarks_of(truth, xray_points, noise=0.0, seed=1):
    """(X-ray points, EM points) for `xray_points` under `truth`, the X-ray clicks off by `noise` px rms."""
    xray_points = np.asarray(xray_points, float)
    clicked = xray_points + np.random.default_rng(seed).normal(0, noise, xray_points.shape)
    return clicked, truth.inverse().apply(xray_points)
