"""Check `txmalign spectra` on the real ALS STXM Fe L-edge stack and its I0 spectrum (not shipped).

Usage: python scripts/validate_spectra_real.py [DATA_FOLDER]
The folder defaults to $TXMALIGN_REAL_DATA, then ../shared/data/real beside the repository, then
/work/shared/data/real; when none holds the stack the script says so and exits 0 (skipped).
Facts checked (README of the data and the Fe L3 edge): optical density with the measured I0 is positive,
the edge (derivative maximum) of an Fe-rich particle lies near 708 eV (Fe L3), and OD against an
empty-beam I0 region is about zero over that region.
"""

from __future__ import annotations

import os
import sys
import tempfile

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from txmalign_gui.cli import main as cli_main  # noqa: E402

CANDIDATES = [os.environ.get("TXMALIGN_REAL_DATA"), os.path.join(REPO, "..", "shared", "data", "real"),
              "/work/shared/data/real"]
FOLDER = "stxm_fe_L3_als_71214098"
PARTICLE = "10:30,30:60"      # Fe-rich particle (OD jump ~0.7 at 708 eV)
EMPTY = "0:30,0:20"           # empty beam, ~308 counts
FE_L3_EV = 708.0


def read_csv(path: str) -> tuple:
    header = [line[2:].strip() for line in open(path) if line.startswith("#")]
    table = np.genfromtxt(path, delimiter=",", skip_header=len(header), names=True)
    return header, table


def check(name: str, condition: bool, detail: str, failures: list) -> None:
    print(f"  {'ok  ' if condition else 'FAIL'} {name}: {detail}")
    if not condition:
        failures.append(name)


def validate(root: str, out: str) -> list:
    failures = []
    stack = os.path.join(root, FOLDER, "71214098_stack_float32.tif")
    i0 = os.path.join(root, FOLDER, "i0.xsp")
    csv = os.path.join(out, "particle.csv")
    print("STXM Fe L3: particle against the measured I0 spectrum (i0.xsp)")
    code = cli_main(["spectra", stack, "--region", PARTICLE, "--i0", i0, "--normalize", "--csv", csv])
    check("exit status", code == 0, str(code), failures)
    header, table = read_csv(csv)
    check("columns", table.dtype.names == ("energy_eV", "od", "normalized"), str(table.dtype.names), failures)
    check("OD positive", bool(np.all(table["od"] > 0)), f"{table['od'].min():.3f} .. {table['od'].max():.3f}",
          failures)
    edge = float(header[-1].split("edge_energy_derivative_eV=")[1].split()[0])
    check("edge near Fe L3", abs(edge - FE_L3_EV) < 1.5, f"{edge:.2f} eV (derivative maximum)", failures)
    peak = float(table["energy_eV"][np.argmax(table["od"])])
    check("white line near Fe L3", abs(peak - FE_L3_EV) < 1.5, f"OD peaks at {peak:.2f} eV", failures)

    print("STXM Fe L3: I0 from an empty-beam region")
    empty_csv = os.path.join(out, "empty.csv")
    code = cli_main(["spectra", stack, "--region", EMPTY, "--i0-region", EMPTY, "--csv", empty_csv])
    _, empty = read_csv(empty_csv)
    check("empty region OD ~ 0", code == 0 and abs(float(np.mean(empty["od"]))) < 0.01,
          f"mean {np.mean(empty['od']):+.4f}", failures)
    region_csv = os.path.join(out, "particle_region_i0.csv")
    code = cli_main(["spectra", stack, "--region", PARTICLE, "--i0-region", EMPTY, "--normalize", "--csv",
                     region_csv])
    header, table = read_csv(region_csv)
    edge = float(header[-1].split("edge_energy_derivative_eV=")[1].split()[0])
    check("particle OD positive", code == 0 and bool(np.all(table["od"] > 0)),
          f"{table['od'].min():.3f} .. {table['od'].max():.3f}", failures)
    check("edge near Fe L3 (I0 region)", abs(edge - FE_L3_EV) < 1.5, f"{edge:.2f} eV", failures)
    return failures


def main(argv: list) -> int:
    roots = [argv[0]] if argv else [c for c in CANDIDATES if c]
    root = next((r for r in roots if os.path.exists(os.path.join(r, FOLDER))), None)
    if root is None:
        print(f"skipped: no {FOLDER} in {', '.join(roots)}")
        return 0
    with tempfile.TemporaryDirectory() as out:
        failures = validate(root, out)
    print("all checks passed" if not failures else f"{len(failures)} check(s) failed: {', '.join(failures)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
