"""Session handling of the main window: save, reopen and autosave everything as a .txmas file.

A mixin of MainWindow: the session is the document (data, ROI/mask, probes, profile line, excluded
frames, alignment with its manual corrections, tomography result) plus the panel settings and the view.
"""

from __future__ import annotations

import os

from .. import io as txio
from ..engine.errors import TxmAlignError
from .alignment import Alignment
from .document import Probe, ProfileLine
from .session import SESSION_EXTENSION, SESSION_FILTER, read_session, write_session
from .worker import AlignJob


class SessionActions:
    """Session file operations mixed into MainWindow."""

    def session_state(self) -> dict:
        """Everything needed to reopen this window exactly as it is (JSON-friendly)."""
        stack = self.stack
        return {"data": {"path": os.path.abspath(stack.path), "dataset": stack.dataset,
                         "energies": None if stack.energies is None else stack.energies.tolist(),
                         "angles": None if stack.angles is None else stack.angles.tolist()},
                "panel": self.panel.state(), "roi_mask": self.roi_model.to_dict(),
                "alignment": None if self.alignment is None else self.alignment.to_dict(),
                "probes": [probe.to_dict() for probe in self.model.probes],
                "line": None if self.model.line is None else self.model.line.to_dict(),
                "excluded": sorted(int(f) for f in self.model.excluded),
                "tomography": self.tomo.session_state(),
                "correlative": self.correlative.session_state(),
                "view": self.view.view_state()}

    def save_session(self) -> None:
        if self.session_path is None:
            self.save_session_as()
        else:
            self.write_session(self.session_path)

    def save_session_as(self) -> None:
        path = self._save_path("Save the session", SESSION_FILTER, SESSION_EXTENSION)
        if path:
            if not path.lower().endswith(SESSION_EXTENSION):
                path += SESSION_EXTENSION
            self.write_session(path)

    def write_session(self, path: str) -> bool:
        if self.stack is None:
            return False
        state = self.session_state()
        state["data"]["relative_path"] = os.path.relpath(state["data"]["path"], os.path.dirname(
            os.path.abspath(path)))
        if self._write(path, lambda: write_session(path, state)):
            self.session_path = path
            return True
        return False

    def open_session(self, path: str) -> bool:
        """Reopen a .txmas session: data, parameters, ROI/mask, results; the aligned view is recomputed."""
        try:
            record = read_session(path)
            stack = self._read_session_stack(record["data"], path)
            alignment = Alignment.from_dict(record["alignment"]) if record.get("alignment") else None
            if alignment is not None and len(alignment) != len(stack):
                raise TxmAlignError(f"the saved results cover {len(alignment)} frames but the data now has "
                                    f"{len(stack)}")
            drawings = dict(probes=tuple(Probe.from_dict(p) for p in record.get("probes", ())),
                            line=ProfileLine.from_dict(record["line"]) if record.get("line") else None,
                            excluded=frozenset(int(f) for f in record.get("excluded", ()) if 0 <= int(f) < len(stack)))
        except TxmAlignError as error:
            self.show_error(f"Could not open the session {os.path.basename(path)}: {error}")
            return False
        except (OSError, KeyError, TypeError, ValueError) as error:
            self.show_error(f"Could not open the session {os.path.basename(path)}: damaged file ({error})")
            return False
        self.set_stack(stack)
        self.panel.load_state(record.get("panel", {}))
        self.roi_model.load_dict(record.get("roi_mask", {}))
        self.model.set(session_path=path, **drawings)
        view = record.get("view", {})
        self.view.load_view_state({k: v for k, v in view.items() if k != "mode"})
        self.settings.remember_path(path)
        if record.get("correlative"):
            self.correlative.restore(record["correlative"])
        if alignment is not None:
            self._pending_view = view
            self.model.set(alignment=alignment)
            self._start_align_job(AlignJob(stack=stack, method=alignment.method, params=alignment.params,
                                           stack_options=alignment.stack_options, transforms=alignment.transforms,
                                           prepare=alignment.prepare))
        elif record.get("tomography"):
            self.tomo.restore(record["tomography"])
        return True

    def _read_session_stack(self, data: dict, session_path: str):
        source = data["path"]
        relative = data.get("relative_path")
        if not os.path.exists(source) and relative:
            source = os.path.join(os.path.dirname(os.path.abspath(session_path)), relative)
        stack = txio.read_stack(source, data.get("dataset"))
        if data.get("energies") is not None:
            stack = stack.with_energies(data["energies"])
        if data.get("angles") is not None and stack.angles is None:
            stack = stack.with_angles(data["angles"])
        return stack

    def autosave(self) -> None:
        """Write the session to the autosave file (every minute while a stack is open)."""
        if self.stack is None or self.runs.running:
            return
        try:
            write_session(self.autosave_path, self.session_state())
        except (TxmAlignError, OSError) as error:
            self.statusBar().showMessage(f"Autosave failed: {error}", 10000)

    def recover_autosave(self) -> None:
        if not os.path.exists(self.autosave_path):
            self.show_notice("There is no autosaved session yet.", "info")
        elif self.open_session(self.autosave_path):
            self.session_path = None  # Save must not overwrite the autosave file
