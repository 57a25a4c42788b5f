"""Correlative registration of an X-ray image with an electron-microscopy image of the same sample."""
