"""File-to-file jobs (read, prepare, align, write) shared by the command line and batch scripts.

Each job takes plain values, reports through an engine `Progress` and returns a summary; it is the
only place where io and engine meet for whole runs, so the CLI stays argument parsing only.
"""

from .align_job import AlignOptions, check_output, run_align, source_file
from .apply_job import run_apply
from .prepare import PrepareOptions, prepare_stack
from .tomo_job import run_tomo

__all__ = ["AlignOptions", "check_output", "source_file", "run_align", "run_apply", "PrepareOptions", "prepare_stack", "run_tomo"]
