"""The correlative mode: an electron-microscopy image registered onto an X-ray image with landmarks and
mutual information, shown side by side and as an overlay."""

from .mode import CorrelativeMode, install_correlative_mode

__all__ = ["CorrelativeMode", "install_correlative_mode"]
