"""Offline help pages shipped inside the package (read with importlib.resources, so an installed wheel
and the frozen bundle find them): one Markdown page per panel and per method.

A page may hold the line `{{parameters}}`: it is replaced by a table generated from the ParamSet that
describes those parameters (the method's, the stack strategy's, the tomography's, or one the caller
passes), so each parameter is described in exactly one place.  Qt-free; the app shows the pages in a
QTextBrowser (gui/help_viewer.py).
"""

from __future__ import annotations

from importlib import resources
from typing import Mapping, Optional

from ..engine.errors import InputError

PARAMETERS_MARK = "{{parameters}}"
# Page -> (title, ParamSet factory or None).  Method pages are added from the method registry.
_PANELS = {
    "index": "Contents",
    "open": "Opening data",
    "prepare": "Preparing images",
    "alignment": "The alignment panel",
    "results": "Reading the results",
    "roi_mask": "ROI and mask",
    "spectra": "Spectra, I0 and normalisation",
    "maps": "Maps: chemistry as an alignment check",
    "profiles": "Line profiles",
    "compare": "Compare views",
    "corrections": "Corrections: fixing bad frames",
    "manual": "Manual correction",
    "tomography": "Tomography mode",
    "batch": "Many stacks: batch and Dask",
    "correlative": "Correlative X-ray / electron microscopy",
    "exercises": "Teaching exercises",
    "tour": "The guided tour",
}


def _pages():
    return resources.files(__name__).joinpath("pages")


def _method_names() -> list:
    from ..engine import available_methods

    return [spec.name for spec in available_methods()]


def page_names() -> list:
    """Every page: panels first, then `methods/<name>` for each registered method that has a page."""
    methods = [f"methods/{name}" for name in _method_names() if _pages().joinpath(f"methods/{name}.md").is_file()]
    return list(_PANELS) + methods


def title(name: str) -> str:
    if name.startswith("methods/"):
        from ..engine import get_method

        return f"Method: {get_method(name.split('/', 1)[1]).label}"
    return _PANELS.get(name, name)


def _param_set(name: str, extra: Mapping):
    if name in extra:
        return extra[name]
    if name.startswith("methods/"):
        from ..engine import get_method

        return get_method(name.split("/", 1)[1]).params
    if name == "alignment":
        from ..engine.stack import STACK_PARAMS

        return STACK_PARAMS
    if name == "tomography":
        from ..engine.tomo import TOMO_PARAMS

        return TOMO_PARAMS
    if name == "correlative":
        from ..engine.correlative import CORRELATE_PARAMS

        return CORRELATE_PARAMS
    return None


def parameter_table(params) -> str:
    """A Markdown table of a ParamSet: name, default, allowed values, meaning."""
    lines = ["| Parameter | Default | Allowed | What it does |", "|---|---|---|---|"]
    for p in params:
        if p.choices:
            allowed = ", ".join(str(c) for c in p.choices)
        elif p.minimum is not None or p.maximum is not None:
            allowed = f"{'' if p.minimum is None else p.minimum} .. {'' if p.maximum is None else p.maximum}"
        else:
            allowed = p.kind.__name__
        label = f"**{p.label}** (`{p.name}`)" + (" *advanced*" if p.advanced else "")
        lines.append(f"| {label} | {p.default} | {allowed} | {p.help.replace('|', '/')} |")
    return "\n".join(lines)


def page(name: str, extra: Optional[Mapping] = None) -> str:
    """The Markdown text of page `name`, with its parameter table filled in; `extra` maps page names to
    ParamSets the caller owns (e.g. the GUI's image preparation)."""
    if name not in page_names():
        raise InputError(f"no help page {name!r}")
    text = _pages().joinpath(f"{name}.md").read_text(encoding="utf-8")
    if PARAMETERS_MARK in text:
        params = _param_set(name, extra or {})
        table = parameter_table(params) if params is not None else "(no parameters)"
        text = text.replace(PARAMETERS_MARK, table)
    return text
