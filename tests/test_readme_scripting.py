"""The README's scripting example runs as written (on a small generated stack) and imports no Qt."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_scripting_example_runs_without_qt(tmp_path):
    from txmalign_gui.io.example import write_example

    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### Scripting"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    example = write_example(str(tmp_path / "scan.h5"), n_images=12, size=96)
    code = code.replace('"scan.h5"', repr(example))
    code += ("\nimport sys\nassert not [m for m in sys.modules if m.startswith(('PyQt6', 'pyqtgraph'))]\n"
             "assert aligned.shape == (12, 96, 96) and result.transforms.shape == (12, 3)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "of 12 ok" in done.stdout
