"""File-to-file jobs (read, prepare, align, write) shared by the command line and batch scripts.

Each job takes plain values, reports through an engine `Progress` and returns a summary; it is the
only place where io and engine meet for whole runs, so the CLI stays argument parsing only.
"""

from ..io.output_paths import check_output, check_outputs, source_file
from .align_job import AlignOptions, run_align
from .apply_job import run_apply
from .prepare import PrepareOptions, check_stack_memory, prepare_stack
from .tomo_job import run_tomo, tomo_extras, tomo_record

__all__ = ["AlignOptions", "check_output", "check_outputs", "source_file", "run_align", "run_apply", "PrepareOptions",
           "prepare_stack", "check_stack_memory", "run_tomo", "tomo_record", "tomo_extras"]
