"""The tomography mode of the window: projection alignment settings, sinograms, slices and corrections."""

from .mode import TomoMode, install_tomo_mode, is_tomography

__all__ = ["TomoMode", "install_tomo_mode", "is_tomography"]
