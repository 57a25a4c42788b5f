"""txmalign: registration of transmission X-ray microscopy image stacks.

The version below is the single source of truth: pyproject.toml, the CLI,
the GUI, saved provenance and the installers all read it from here.
"""

__version__ = "0.1.0"
