"""The document: everything the user opened, ran and made, as plain Python state with undo and redo.

No Qt here.  Panels and checking tools read the document and change it only through
`set` (results of runs, file bookkeeping: not undoable) and `edit` (what the user makes:
ROI, mask, spectrum probes, the profile line, excluded frames, transform corrections:
undoable).  Listeners hear which fields changed (and, for a transform edit, which frames),
so each view redraws only what it shows.  `reset(stack)` is the one place where opening a
file forgets everything about the previous one.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

STACK, PREPARE, ALIGNMENT, ALIGNED, ROI, MASK = "stack", "prepare", "alignment", "aligned", "roi", "mask"
PROBES, LINE, EXCLUDED, TOMO, SESSION_PATH = "probes", "line", "excluded", "tomo", "session_path"

_DEFAULTS = {STACK: None, PREPARE: {}, ALIGNMENT: None, ALIGNED: None, ROI: None, MASK: None, PROBES: (),
             LINE: None, EXCLUDED: frozenset(), TOMO: None, SESSION_PATH: None}
FIELDS = frozenset(_DEFAULTS)
UNDOABLE = frozenset({ALIGNMENT, ROI, MASK, PROBES, LINE, EXCLUDED})

Listener = Callable[[frozenset, Optional[tuple]], None]
_PROBE_KEYS = itertools.count(1)


@dataclass(frozen=True)
class Probe:
    """A named place whose spectrum is plotted: a pixel or rectangle `rect` = (y0, y1, x0, x1), or a mask.
    `key` names the probe for as long as the session runs: `dataclasses.replace` (a rename, a move, a new
    colour) keeps it, so a choice that refers to a probe (the I0 rectangle) follows it through edits and undo."""

    name: str
    kind: str
    rect: tuple
    colour: str
    visible: bool = True
    mask: Optional[np.ndarray] = None
    key: int = field(default_factory=lambda: next(_PROBE_KEYS), compare=False, repr=False)

    def to_dict(self) -> dict:
        from .roi_model import pack_mask

        return {"name": self.name, "kind": self.kind, "rect": [int(v) for v in self.rect], "colour": self.colour,
                "visible": self.visible, "mask": pack_mask(self.mask)}

    @classmethod
    def from_dict(cls, state: dict) -> "Probe":
        from .roi_model import unpack_mask

        return cls(str(state["name"]), str(state["kind"]), tuple(int(v) for v in state["rect"]),
                   str(state["colour"]), bool(state.get("visible", True)), unpack_mask(state.get("mask")))


@dataclass(frozen=True)
class ProfileLine:
    """A line from p0 to p1 in (row, col) pixel coordinates, `width` pixels wide; `window` (start, stop) is
    where along it the tracked feature is searched (None: chosen automatically)."""

    p0: tuple
    p1: tuple
    width: int = 5
    window: Optional[tuple] = None

    @property
    def length(self) -> float:
        return float(np.hypot(self.p1[0] - self.p0[0], self.p1[1] - self.p0[1]))

    def to_dict(self) -> dict:
        return {"p0": [float(v) for v in self.p0], "p1": [float(v) for v in self.p1], "width": int(self.width),
                "window": None if self.window is None else [float(v) for v in self.window]}

    @classmethod
    def from_dict(cls, state: dict) -> "ProfileLine":
        window = state.get("window")
        return cls(tuple(float(v) for v in state["p0"]), tuple(float(v) for v in state["p1"]),
                   int(state.get("width", 5)), None if window is None else tuple(float(v) for v in window))


@dataclass(frozen=True)
class _Edit:
    label: str
    before: dict
    after: dict
    frames: Optional[tuple]


class Document:
    """The state of one opened stack.  Read fields as attributes (`document.alignment`)."""

    def __init__(self):
        self._state = dict(_DEFAULTS)
        self._undo: list = []
        self._redo: list = []
        self._listeners: list = []

    def __getattr__(self, name: str):
        state = self.__dict__.get("_state")
        if state is not None and name in state:
            return state[name]
        raise AttributeError(name)

    def subscribe(self, listener: Listener) -> None:
        """Call `listener(fields, frames)` after every change."""
        self._listeners.append(listener)

    # -- changing -------------------------------------------------------------
    def reset(self, stack=None, **fields) -> None:
        """Forget everything (results, drawings, history) and hold `stack` (and `fields`, such as its
        preparation): the one place a file opens."""
        self._check(fields)
        self._state = dict(_DEFAULTS, **fields, **{STACK: stack})
        self._undo.clear()
        self._redo.clear()
        self._notify(FIELDS, None)

    def set(self, **fields) -> None:
        """Change fields without an undo entry (a run's result, the session path).  Undo entries that touch
        the same fields are dropped: they describe a state that no longer exists."""
        self._check(fields)
        for history in (self._undo, self._redo):
            history[:] = [edit for edit in history if not set(edit.after) & set(fields)]
        self._state.update(fields)
        self._notify(frozenset(fields), None)

    def edit(self, label: str, frames: Optional[tuple] = None, **fields) -> None:
        """Change undoable fields as one step `label` of the history; `frames` names the frames whose
        transforms changed (a hint for views)."""
        self._check(fields)
        if not set(fields) <= UNDOABLE:
            raise ValueError(f"not undoable: {sorted(set(fields) - UNDOABLE)}")
        before = {name: self._state[name] for name in fields}
        if all(_same(before[name], fields[name]) for name in fields):
            return
        self._undo.append(_Edit(label, before, dict(fields), frames))
        self._redo.clear()
        self._state.update(fields)
        self._notify(frozenset(fields), frames)

    def undo(self) -> bool:
        return self._step(self._undo, self._redo, "before")

    def redo(self) -> bool:
        return self._step(self._redo, self._undo, "after")

    def undo_text(self) -> Optional[str]:
        return self._undo[-1].label if self._undo else None

    def redo_text(self) -> Optional[str]:
        return self._redo[-1].label if self._redo else None

    # -- internals ------------------------------------------------------------
    def _step(self, source: list, target: list, side: str) -> bool:
        if not source:
            return False
        edit = source.pop()
        target.append(edit)
        values = getattr(edit, side)
        self._state.update(values)
        self._notify(frozenset(values), edit.frames)
        return True

    @staticmethod
    def _check(fields: dict) -> None:
        unknown = set(fields) - FIELDS
        if unknown:
            raise ValueError(f"unknown document fields: {sorted(unknown)}")

    def _notify(self, fields: frozenset, frames: Optional[tuple]) -> None:
        for listener in list(self._listeners):
            listener(fields, frames)


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape and \
            bool(np.array_equal(a, b))
    try:
        return bool(a == b)
    except (ValueError, TypeError):  # objects holding arrays (an Alignment) compare by identity
        return a is b
