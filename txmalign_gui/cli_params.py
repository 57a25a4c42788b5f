"""Command-line options generated from a ParamSet, so the CLI and the app's forms share one description
(names, defaults, ranges, help) and cannot drift apart.

`add_param_options` adds `--name-with-dashes` for each Param (`--x/--no-x` for booleans); the values stay
strings until `given_params` hands the ones the user typed to `ParamSet.resolve`, which converts and checks
them with the same messages as everywhere else.
"""

from __future__ import annotations

import argparse
from typing import Iterable, Mapping, Optional

_PREFIX = "param_"


def option_name(name: str) -> str:
    return "--" + name.replace("_", "-")


def add_param_options(parser, params, *, only: Optional[Iterable[str]] = None,
                      defaults: Optional[Mapping[str, object]] = None, title: Optional[str] = None) -> None:
    """Add one option per Param of `params` (or of those named in `only`) to `parser`.

    `defaults` replaces a Param's default where a subcommand differs on purpose (e.g. tomography takes
    -log by default); the help text shows the default that applies.
    """
    target = parser.add_argument_group(title) if title else parser
    chosen = set(only) if only is not None else None
    for param in params:
        if chosen is not None and param.name not in chosen:
            continue
        default = (defaults or {}).get(param.name, param.default)
        help_text = f"{param.help} (default: {_shown(default)})".replace("%", "%%")
        if param.kind is bool:
            target.add_argument(option_name(param.name), dest=_PREFIX + param.name, default=None,
                                action=argparse.BooleanOptionalAction, help=help_text)
            continue
        metavar = param.kind.__name__.upper()
        if param.choices:
            metavar = "{" + ",".join(str(c) for c in param.choices) + "}"
        target.add_argument(option_name(param.name), dest=_PREFIX + param.name, default=None, metavar=metavar,
                            help=help_text)


def given_params(args: argparse.Namespace, params, *,
                 defaults: Optional[Mapping[str, object]] = None) -> dict:
    """{name: value} for the options of `params` the user gave, plus the subcommand's own `defaults`."""
    values = {name: value for name, value in (defaults or {}).items() if name in params}
    for param in params:
        value = getattr(args, _PREFIX + param.name, None)
        if value is not None:
            values[param.name] = value
    return values


def _shown(value) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)
