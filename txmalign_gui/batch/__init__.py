"""File-to-file jobs (read, prepare, align, write) shared by the command line and batch scripts.

Each job takes plain values, reports through an engine `Progress` and returns a summary; it is the
only place where io and engine meet for whole runs, so the CLI stays argument parsing only.

Names are imported on first use (`lazy_exports`): `txmalign align` then never loads the tomography job.
"""

from ..engine.lazy_exports import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, {
    "..io.output_paths": ("check_output", "check_outputs", "source_file"),
    ".align_job": ("AlignOptions", "run_align"),
    ".apply_job": ("run_apply",),
    ".prepare": ("PrepareOptions", "check_stack_memory", "prepare_stack"),
    ".tomo_job": ("run_tomo", "tomo_extras", "tomo_record"),
})

__all__ = ["AlignOptions", "check_output", "check_outputs", "source_file", "run_align", "run_apply", "PrepareOptions",
           "prepare_stack", "check_stack_memory", "run_tomo", "tomo_record", "tomo_extras"]
