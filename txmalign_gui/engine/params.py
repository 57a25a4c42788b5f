"""Parameters described as data: one description drives the CLI, GUI panels, saved files and docs.

Each method declares a tuple of `Param`.  `resolve_params` turns user input
(strings from the command line, values from widgets or a saved session) into a
complete, validated dict; unknown names and out-of-range values raise
`InputError` with a message naming the parameter.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Dict, Iterable, Iterator, Mapping, Optional, Sequence, Tuple

from .errors import InputError

_TRUE = {"1", "true", "yes", "on", "y", "t"}
_FALSE = {"0", "false", "no", "off", "n", "f"}


@dataclass(frozen=True)
class Param:
    """One tunable parameter: its name, type, default, allowed values and a plain-language help text."""

    name: str
    label: str
    kind: type
    default: Any
    help: str
    minimum: Optional[float] = None
    maximum: Optional[float] = None
    choices: Optional[Sequence[Any]] = None
    advanced: bool = False
    # What the minimum stands for when it is a setting of its own (jobs 0 = "one per core"): forms show it.
    minimum_text: Optional[str] = None

    def coerce(self, value: Any) -> Any:
        """Convert `value` (possibly a string) to this parameter's type and check its range."""
        try:
            converted = self._convert(value)
        except (TypeError, ValueError):
            raise InputError(
                f"parameter '{self.name}' expects {self.kind.__name__}, got {value!r}") from None
        if self.choices is not None and converted not in self.choices:
            allowed = ", ".join(str(c) for c in self.choices)
            raise InputError(f"parameter '{self.name}' must be one of: {allowed} (got {converted!r})")
        if self.minimum is not None and converted < self.minimum:
            raise InputError(f"parameter '{self.name}' must be >= {self.minimum} (got {converted!r})")
        if self.maximum is not None and converted > self.maximum:
            raise InputError(f"parameter '{self.name}' must be <= {self.maximum} (got {converted!r})")
        return converted

    def _convert(self, value: Any) -> Any:
        if self.kind is bool:
            if isinstance(value, str):
                text = value.strip().lower()
                if text in _TRUE:
                    return True
                if text in _FALSE:
                    return False
                raise ValueError(value)
            return bool(value)
        if self.kind is int:
            if isinstance(value, str):
                value = float(value.strip())
            if isinstance(value, float) and not value.is_integer():
                raise ValueError(value)
            return int(value)
        if self.kind is float:
            result = float(value.strip() if isinstance(value, str) else value)
            if result != result:  # NaN
                raise ValueError(value)
            return result
        return self.kind(value)

    def describe(self) -> Dict[str, Any]:
        """A JSON-friendly description (for `txmalign methods --json`, docs and the GUI)."""
        return {
            "name": self.name, "label": self.label, "type": self.kind.__name__,
            "default": self.default, "help": self.help, "minimum": self.minimum,
            "maximum": self.maximum, "choices": list(self.choices) if self.choices else None,
            "advanced": self.advanced,
        }


@dataclass(frozen=True)
class ParamSet:
    """An ordered collection of `Param` with lookup by name."""

    params: Tuple[Param, ...] = field(default_factory=tuple)

    def __iter__(self) -> Iterator[Param]:
        return iter(self.params)

    def __len__(self) -> int:
        return len(self.params)

    def __contains__(self, name: str) -> bool:
        return any(p.name == name for p in self.params)

    def get(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def defaults(self) -> Dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def only(self, *names: str) -> "ParamSet":
        """The Params called `names`, in this set's order (for a use that needs a subset of a description)."""
        return ParamSet(tuple(p for p in self.params if p.name in names))

    def without(self, *names: str) -> "ParamSet":
        """The Params not called `names` (e.g. a batch has its own --jobs); KeyError for a name that is not here."""
        for name in names:
            self.get(name)
        return ParamSet(tuple(p for p in self.params if p.name not in names))

    def with_defaults(self, **defaults: Any) -> "ParamSet":
        """The same Params with other defaults (e.g. tomography takes -log by default, XANES does not)."""
        for name in defaults:
            self.get(name)  # KeyError for a name that is not here
        return ParamSet(tuple(replace(p, default=defaults[p.name]) if p.name in defaults else p
                              for p in self.params))

    def resolve(self, overrides: Optional[Mapping[str, Any]] = None, owner: str = "") -> Dict[str, Any]:
        """Defaults updated with `overrides`, each value converted and range-checked."""
        values = self.defaults()
        for key, value in (overrides or {}).items():
            if key not in self:
                known = ", ".join(p.name for p in self.params) or "none"
                where = f" of method '{owner}'" if owner else ""
                raise InputError(f"unknown parameter '{key}'{where}; known parameters: {known}")
            values[key] = self.get(key).coerce(value)
        return values


def parse_assignments(items: Optional[Iterable[str]]) -> Dict[str, str]:
    """Parse CLI `KEY=VALUE` strings into a dict of strings (typed later by `ParamSet.resolve`)."""
    result = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"expected KEY=VALUE, got {item!r}")
        result[key.strip()] = value.strip()
    return result


# Parameters several methods share, declared once.
ROTATION = Param(
    "rotation", "Correct rotation", bool, False,
    "Also search for a rotation angle (slower); leave off when the sample only shifts.")
ANGLE_RANGE = Param(
    "angle_range", "Angle range (deg)", float, 10.0,
    "Largest rotation, in degrees either way, that the search considers; up to 180 for unknown angles.",
    minimum=0.1, maximum=180.0)
