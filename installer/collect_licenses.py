"""Gather the licence texts of everything a frozen bundle ships, for installer/txmalign.spec.

For each top-level module in the bundle, the distribution that installed it is looked up
(importlib.metadata) and its licence files (dist-info `licenses/`, LICENSE*, COPYING*, NOTICE*, and the
per-library texts some wheels carry, such as imagecodecs/licenses) are copied to
`licenses/<distribution>/`. `licenses/THIRD_PARTY.txt` lists name, version and declared licence of each,
and Python's own licence is added. Runs in the build environment; imports nothing of txmalign.
"""

from __future__ import annotations

import re
import shutil
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement  # scikit-image depends on packaging, so it is always here

_LICENSE_NAME = re.compile(r"(^|/)(licen[cs]e|copying|notice|authors)[^/]*$", re.I)
_LICENSE_FOLDER = re.compile(r"(^|/)licen[cs]es?/", re.I)



def distributions_of(top_level_modules, exclude=("txmalign",)) -> dict:
    """{distribution name: Distribution} for the distributions providing these top-level modules, plus what
    they require (binary-only wheels such as PyQt6-Qt6 provide no Python module of their own)."""
    providers = metadata.packages_distributions()
    pending = [name for module in sorted(set(top_level_modules)) for name in providers.get(module, ())]
    found = {}
    while pending:
        try:
            dist = metadata.distribution(pending.pop())
        except metadata.PackageNotFoundError:
            continue
        name = dist.metadata["Name"]
        if name in found or name in exclude:
            continue
        found[name] = dist
        for text in dist.requires or ():
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(requirement.name)
    return found


def declared_license(dist) -> str:
    """The licence a distribution declares (SPDX expression, License field or classifiers)."""
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return expression
    field = (meta.get("License") or "").strip()
    if field and len(field) < 80:
        return field
    classifiers = [c.split("::")[-1].strip() for c in meta.get_all("Classifier") or []
                   if c.startswith("License ::")]
    return ", ".join(classifiers) or "see the licence files"


def license_files(dist) -> list:
    """Paths of the licence texts a distribution installed."""
    files = []
    for entry in dist.files or ():
        text = str(entry).replace("\\", "/")
        if _LICENSE_NAME.search(text) or _LICENSE_FOLDER.search(text):
            path = Path(dist.locate_file(entry))
            if path.is_file() and path.suffix not in (".py", ".pyc", ".so", ".pyd"):
                files.append((text, path))
    return files


def write_licenses(top_level_modules, target: Path, own_license: Path) -> Path:
    """Copy every licence text into `target` (created afresh) and write THIRD_PARTY.txt; returns target."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    shutil.copy2(own_license, target / "txmalign-LICENSE.txt")
    lines = ["txmalign is distributed under the BSD 3-Clause licence (txmalign-LICENSE.txt).",
             "The bundle also contains the following software, each under its own licence (texts in the",
             "folder of the same name). Because it includes PyQt6 (GPL-3.0-only), the bundle as a whole is",
             "distributed under the terms of the GNU GPL version 3; Qt itself is used under the LGPL version 3.",
             ""]
    for name, dist in sorted(distributions_of(top_level_modules).items(), key=lambda item: item[0].lower()):
        folder = target / name
        folder.mkdir()
        for relative, path in license_files(dist):
            destination = folder / relative.replace("/", "__")
            shutil.copy2(path, destination)
        lines.append(f"{name} {dist.version}: {declared_license(dist)}")
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    python_license = Path(sys.base_prefix) / "lib" / version / "LICENSE.txt"
    if not python_license.is_file():
        python_license = Path(sys.base_prefix) / "LICENSE.txt"  # Windows layout
    if python_license.is_file():
        (target / "Python").mkdir()
        shutil.copy2(python_license, target / "Python" / "LICENSE.txt")
        lines.append(f"Python {sys.version.split()[0]}: PSF-2.0")
    (target / "THIRD_PARTY.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target
