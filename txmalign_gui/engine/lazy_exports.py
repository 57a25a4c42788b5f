"""Package attributes imported on first use, so that `import txmalign_gui.engine.stack.params` (what the
command line needs to build its options) does not load scipy and scikit-image."""

from __future__ import annotations

import importlib
from typing import Any, Callable, Dict, Iterable, List, Tuple


def lazy_exports(package: str,
                 exports: Dict[str, Iterable[str]]) -> Tuple[Callable[[str], Any], Callable[[], List[str]]]:
    """(`__getattr__`, `__dir__`) for a package whose names live in submodules: {".module": (names...)}."""
    where = {name: module for module, names in exports.items() for name in names}

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        globals_of_package = importlib.import_module(package).__dict__
        globals_of_package[name] = value  # later look-ups skip this function
        return value

    def __dir__() -> List[str]:
        return sorted(set(where) | set(importlib.import_module(package).__dict__))

    return __getattr__, __dir__
