"""One batch job per stack (align or tomo), run with its failure kept to itself, and the batch summary.

`execute(job)` never raises for a problem with its stack: it returns an outcome whose `status` is
`done`, `skipped` (a complete, valid output exists), `untrusted` (written, but most images failed to
register) or `failed` (with the one-line `error`), so one bad file never stops the others.  It runs the
same `run_align` / `run_tomo` as `txmalign align` / `tomo`, in whatever process a back end gives it, with
one process per stack (`jobs=1`): the batch's parallelism is across stacks.
"""

from __future__ import annotations

import dataclasses
import os
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from ..engine.errors import Cancelled, TxmAlignError
from ..engine.progress import Progress
from .align_job import AlignOptions, run_align
from .prepare import PrepareOptions
from .resume import earlier_untrusted, incomplete_reason
from .tomo_job import run_tomo

FAILED_STATUSES = ("failed", "untrusted")


@dataclass(frozen=True)
class TomoOptions:
    """The settings of a tomography job besides its paths (as `txmalign tomo` takes them)."""

    params: Dict[str, Any] = field(default_factory=dict)
    prepare: PrepareOptions = PrepareOptions(minus_log=True)
    skip_axis_values: int = 0


@dataclass(frozen=True)
class BatchJob:
    """One stack of a batch: `kind` is "align" (options: AlignOptions) or "tomo" (options: TomoOptions)."""

    kind: str
    source: str
    output: str
    options: Any
    force: bool = False

    def expected_provenance(self) -> Dict[str, Any]:
        """The provenance entries a finished output of this job holds (checked before skipping it)."""
        if self.kind == "align":
            from ..engine.methods import get_method

            return {"method": self.options.method, "params": get_method(self.options.method).resolve(
                self.options.params), "options": batch_align_options(self.options).stack_options(),
                "preprocessing": self.options.prepare.to_dict()}
        from ..engine.tomo.params import TOMO_PARAMS

        return {"method": "tomo", "params": TOMO_PARAMS.resolve(self.options.params, owner="tomo"),
                "preprocessing": self.options.prepare.to_dict()}


def batch_align_options(options: AlignOptions) -> AlignOptions:
    """`options` with one process per stack (a batch runs stacks side by side instead)."""
    return dataclasses.replace(options, jobs=1)


def execute(job: BatchJob, progress: Optional[Progress] = None) -> Dict[str, Any]:
    """Run `job` unless its output is already complete; the outcome (see the module docstring)."""
    started = time.perf_counter()
    outcome: Dict[str, Any] = {"source": job.source, "output": job.output, "status": "failed", "error": None,
                               "seconds": 0.0, "summary": None}
    try:
        if os.path.lexists(job.output) and not job.force:
            reason = incomplete_reason(job.output, job.source, job.expected_provenance()) \
                if os.path.isfile(job.output) and not os.path.islink(job.output) else "it is not a regular file"
            if reason is None and earlier_untrusted(job.output):
                outcome["status"] = "untrusted"
                outcome["error"] = "kept from an earlier run in which most images failed to register"
                return outcome
            if reason is None:
                outcome["status"] = "skipped"
                return outcome
            raise TxmAlignError(f"{job.output} exists and is not a complete result of this job: {reason}; "
                                "remove it or pass --force to redo it")
        if job.kind == "align":
            summary = run_align(job.source, job.output, batch_align_options(job.options), progress=progress,
                                force=job.force)
            outcome["status"] = "done" if summary["trusted"] else "untrusted"
        else:
            summary = run_tomo(job.source, job.output, params=job.options.params, prepare=job.options.prepare,
                               progress=progress, force=job.force, skip_axis_values=job.options.skip_axis_values)
            outcome["status"] = "done"
        outcome["summary"] = summary
    except Cancelled:
        raise
    except (TxmAlignError, OSError, ValueError, RuntimeError, MemoryError) as error:
        outcome["error"] = _one_line(error)
    except Exception as error:  # a bug in one stack must not end the batch; its type is kept for a report
        outcome["error"] = f"unexpected {type(error).__name__}: {_one_line(error)}"
    finally:
        outcome["seconds"] = time.perf_counter() - started
    return outcome


def _one_line(error: BaseException) -> str:
    if isinstance(error, MemoryError):
        return "not enough memory for this stack"
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def exit_failed(outcomes: List[Dict[str, Any]]) -> bool:
    """True when any stack failed or gave an untrusted result (the command exits 1 then)."""
    return any(o["status"] in FAILED_STATUSES for o in outcomes)


def summary_rows(outcomes: List[Dict[str, Any]]) -> List[List[str]]:
    """The summary table: one row (input, status, seconds, output or error) per stack."""
    rows = []
    for o in outcomes:
        note = o["error"] or o["output"]
        rows.append([o["source"], o["status"], f"{o['seconds']:.1f}", note])
    return rows
