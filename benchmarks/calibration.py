"""Are the statuses honest?  For every method: how many `ok` answers are wrong, how many right answers are `ok`.

Usage: python benchmarks/calibration.py [--methods tvdm phasecorr ...] [--sizes 256] [--angles 0 3.7 53.9]
       [--images camera astronaut] [--draws 0 1] [--families exp1_b0 exp1_b63 exp2] [--no-real | --no-families]
       [--verbose] [--dump cases.jsonl]
Cases: the TVDM paper's noise families rebuilt on natural images (benchmarks/paper_families.py; right =
within 1 px and 0.5 deg) and the two real Ni K-edge TXM pairs when ../shared/data/real is present (right =
inside the tolerance box of scripts/validate_ni_pairs_real.py, wrong = more than 1 px outside it).
Rotating methods search +-180 deg; translation-only methods get the same pairs, where a rotated pair
must not come back `ok`.  Per method it prints
  ok&wrong / ok   (must be 0)   and   ok&right / right   (should be most),
and the whole table of status x verdict (a real pair's answer can be neither right nor wrong: outside the
tolerance box but within 1 px of it), first per family and noise level.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))

from paper_families import FAMILIES, IMAGES, case_errors, family_cases, solved  # noqa: E402
from validate_ni_pairs_real import NI_PAIRS, data_root, load_pair  # noqa: E402

from txmalign_gui.engine import OK, available_methods, register_pair  # noqa: E402

STATUSES = (OK, "low_confidence", "failed")


class Tally:
    """Counts of (status, answer right / wrong / in between) for one group of cases."""

    def __init__(self):
        self.counts = defaultdict(int)

    def add(self, status: str, right: bool, wrong: bool) -> None:
        self.counts[(status, "right" if right else "wrong" if wrong else "between")] += 1

    def count(self, status=None, verdict=None) -> int:
        return sum(n for (s, v), n in self.counts.items() if status in (None, s) and verdict in (None, v))

    @property
    def ok_wrong(self) -> int:
        return self.count(OK, "wrong")

    def text(self) -> str:
        ok, right = self.count(OK), self.count(verdict="right")
        table = "  ".join(f"{status[:6]}&{verdict} {self.count(status, verdict)}" for status in STATUSES
                          for verdict in ("right", "wrong") if self.count(status, verdict))
        return (f"ok&wrong {self.ok_wrong}/{ok}   ok&right {self.count(OK, 'right')}/{right}   "
                f"({self.count()} cases: {table})")


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
    parser.add_argument("--no-families", action="store_true", help="only the real Ni K-edge pairs")
    parser.add_argument("--verbose", action="store_true", help="one line per case and method")
    parser.add_argument("--dump", default=None, help="write one JSON line per case and method (truth, answer, "
                                                     "status, message, details) to this file")
    args = parser.parse_args(argv)
    specs = [s for s in available_methods() if args.methods is None or s.name in args.methods]
    totals = {s.name: Tally() for s in specs}
    groups = defaultdict(Tally)
    cases = [] if args.no_families else family_cases(sizes=args.sizes, angles=args.angles, images=args.images,
                                                      draws=args.draws, families=args.families)
    dump = open(args.dump, "w") if args.dump else None
    for case in cases:
        for spec in specs:
            result = register_pair(case.fixed, case.moving, spec.name, params=method_params(spec))
            right = solved(case, result.transform)
            if dump is not None:
                record = {"method": spec.name, "family": case.family, "level": case.level, "image": case.image,
                          "draw": case.seed, "size": case.size, "truth": list(case.truth.as_tuple()),
                          "answer": list(result.transform.as_tuple()), "status": result.status,
                          "message": result.message, "right": right, "seconds": result.seconds,
                          "details": result.details}
                dump.write(json.dumps(record, default=float) + "\n")
                dump.flush()
            ok = result.status == OK
            for tally in (totals[spec.name], groups[(spec.name, case.family, case.level)]):
                tally.add(result.status, right, not right)
            if args.verbose:
                error, angle_error = case_errors(case, result.transform)
                print(f"  {spec.name:<11}{case.family:<9}{case.level:>4} {case.image:<10}{case.angle:>5} "
                      f"err {error:6.3f} px {angle_error:6.3f} deg {result.status:<15}{result.message[:90]}",
                      flush=True)
            if ok and not right:
                print(f"OK BUT WRONG: {spec.name} {case.family} mu={case.level} {case.image} {case.size}px "
                      f"angle {case.angle}: {result.transform}", flush=True)
    root = None if args.no_real else data_root()
    if root is not None:
        for name, pair in NI_PAIRS.items():
            fixed, moving = load_pair(root, pair)
            for spec in specs:
                result = register_pair(fixed, moving, spec.name)
                for tally in (totals[spec.name], groups[(spec.name, "real", name)]):
                    tally.add(result.status, pair.within(result.transform), pair.wrong(result.transform))
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
