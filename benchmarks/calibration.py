"""Are the statuses honest?  For every method: how many `ok` answers are wrong, how many right answers are `ok`.

Usage: python benchmarks/calibration.py [--methods tvdm phasecorr ...] [--sizes 256] [--angles 0 3.7 53.9]
       [--images camera astronaut] [--draws 0 1] [--families exp1_b0 exp1_b63 exp2] [--no-real]
Cases: the TVDM paper's noise families rebuilt on natural images (benchmarks/paper_families.py; right =
within 1 px and 0.5 deg) and the two real Ni K-edge TXM pairs when ../shared/data/real is present (right =
inside the tolerance box of scripts/validate_ni_pairs_real.py, wrong = more than 1 px outside it).
Rotating methods search +-180 deg; translation-only methods get the same pairs, where a rotated pair
must not come back `ok`.  Per method it prints
  ok&wrong / ok   (must be 0)   and   ok&right / right   (should be most),
then per family and noise level.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))

from paper_families import FAMILIES, IMAGES, family_cases, solved  # noqa: E402
from validate_ni_pairs_real import NI_PAIRS, data_root, load_pair  # noqa: E402

from txmalign_gui.engine import OK, available_methods, register_pair  # noqa: E402


class Tally:
    """Counts of (status ok?, answer right?) for one group of cases."""

    def __init__(self):
        self.ok_wrong = self.ok_right = self.right = self.ok = self.total = 0

    def add(self, ok: bool, right: bool, wrong: bool) -> None:
        self.total += 1
        self.ok += ok
        self.right += right
        self.ok_right += ok and right
        self.ok_wrong += ok and wrong

    def text(self) -> str:
        return (f"ok&wrong {self.ok_wrong}/{self.ok}   ok&right {self.ok_right}/{self.right}   "
                f"({self.total} cases)")


def method_params(spec) -> dict:
    return {"rotation": True, "angle_range": 180.0} if spec.supports_rotation else {}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", nargs="+", default=None, help="default: every registered method")
    parser.add_argument("--sizes", type=int, nargs="+", default=[256])
    parser.add_argument("--angles", type=float, nargs="+", default=[0.0, 3.7, 53.9])
    parser.add_argument("--images", nargs="+", default=list(IMAGES[:2]))
    parser.add_argument("--draws", type=int, nargs="+", default=[0])
    parser.add_argument("--families", nargs="+", default=list(FAMILIES))
    parser.add_argument("--no-real", action="store_true", help="skip the real Ni K-edge pairs")
    args = parser.parse_args(argv)
    specs = [s for s in available_methods() if args.methods is None or s.name in args.methods]
    totals = {s.name: Tally() for s in specs}
    groups = defaultdict(Tally)
    for case in family_cases(sizes=args.sizes, angles=args.angles, images=args.images, draws=args.draws,
                             families=args.families):
        for spec in specs:
            result = register_pair(case.fixed, case.moving, spec.name, params=method_params(spec))
            right = solved(case, result.transform)
            ok = result.status == OK
            for tally in (totals[spec.name], groups[(spec.name, case.family, case.level)]):
                tally.add(ok, right, not right)
            if ok and not right:
                print(f"OK BUT WRONG: {spec.name} {case.family} mu={case.level} {case.image} {case.size}px "
                      f"angle {case.angle}: {result.transform}", flush=True)
    root = None if args.no_real else data_root()
    if root is not None:
        for name, pair in NI_PAIRS.items():
            fixed, moving = load_pair(root, pair)
            for spec in specs:
                result = register_pair(fixed, moving, spec.name)
                ok = result.status == OK
                for tally in (totals[spec.name], groups[(spec.name, "real", name)]):
                    tally.add(ok, pair.within(result.transform), pair.wrong(result.transform))
                print(f"real {name}: {spec.name} ({result.dy:+.2f}, {result.dx:+.2f}) {result.status}", flush=True)
    print()
    for (method, family, level), tally in sorted(groups.items(), key=lambda item: tuple(map(str, item[0]))):
        print(f"{method:<11} {family:<9} {str(level):<17} {tally.text()}")
    print()
    honest = True
    for method, tally in totals.items():
        print(f"{method:<11} ALL  {tally.text()}")
        honest &= tally.ok_wrong == 0
    print("no ok answer was wrong" if honest else "SOME ok ANSWERS WERE WRONG")
    return 0 if honest else 1


if __name__ == "__main__":
    sys.exit(main())
