"""Check the readers and writers on the real beamline files of shared/data/real (not shipped with txmalign).

Usage: python scripts/validate_readers_real.py [DATA_FOLDER]
The folder defaults to $TXMALIGN_REAL_DATA, then ../shared/data/real beside the repository, then
/work/shared/data/real.  When none exists the script says so and exits 0 (skipped).  Each check
compares what a reader returns with the facts stated in that folder's README.md.
"""

from __future__ import annotations

import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from txmalign_gui.io import (  # noqa: E402
    build_provenance,
    read_mask,
    read_stack,
    read_transforms,
    write_aligned_hdf5,
    write_tiff_stack,
)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CANDIDATES = [os.environ.get("TXMALIGN_REAL_DATA"), os.path.join(REPO, "..", "shared", "data", "real"),
              "/work/shared/data/real"]


def check(name: str, condition: bool, detail: str, failures: list) -> None:
    print(f"  {'ok  ' if condition else 'FAIL'} {name}: {detail}")
    if not condition:
        failures.append(name)


def validate(root: str) -> list:
    failures = []
    sums = dict(line.split()[::-1] for line in open(os.path.join(root, "SHA256SUMS")) if line.strip())

    print("STXM Fe L-edge TIFF stack + energies file")
    stxm_path = os.path.join(root, "stxm_fe_L3_als_71214098", "71214098_stack_float32.tif")
    stxm = read_stack(stxm_path)
    check("shape", stxm.shape == (123, 150, 150), str(stxm.shape), failures)
    check("energies", stxm.kind == "xanes" and abs(stxm.energies[0] - 700.0) < 1e-6
          and abs(stxm.energies[-1] - 730.353) < 1e-3, f"{stxm.energies[0]} .. {stxm.energies[-1]} eV", failures)
    check("counts", 20 < float(np.median(stxm.frame(0))) < 400, f"median {np.median(stxm.frame(0)):.1f}", failures)

    print("Diamond I13 projections: folder of TIFFs with dark and flat")
    savu = read_stack(os.path.join(root, "tomo_i13_diamond_savu"))
    check("shape", savu.shape == (91, 135, 160), str(savu.shape), failures)
    check("order", savu.metadata["files"][:2] == ["raw_00000.tiff", "raw_00001.tiff"]
          and savu.metadata["files"][-1] == "raw_00090.tiff", f"{savu.metadata['files'][0]} ..", failures)
    check("dark/flat", savu.darks.shape == (1, 135, 160) and savu.flats.shape == (1, 135, 160),
          f"darks {savu.darks.shape}, flats {savu.flats.shape}", failures)
    check("angles.txt (111 values) not forced on 91 images", savu.angles is None,
          "; ".join(savu.metadata.get("warnings", [])), failures)

    print("APS Ni K-edge .xrm folder")
    aps = read_stack(os.path.join(root, "txm_ni_K_aps"))
    check("shape", aps.shape == (2, 1024, 1024), str(aps.shape), failures)
    check("energies", np.allclose(aps.energies, [8249.94, 8353.03], atol=0.01), str(aps.energies), failures)
    check("flats per energy", aps.flats.shape == (2, 1024, 1024) and aps.metadata.get("flats_per_image"),
          str(aps.flats.shape), failures)
    check("pixel size", abs(aps.pixel_size_nm - 38.95) < 0.01, f"{aps.pixel_size_nm:.3f} nm", failures)
    od = -np.log(np.clip(aps.frame(0), 1, None) / np.clip(aps.flats[0], 1, None))
    check("OD shows particles", float(np.percentile(od, 95)) > 0.3, f"95th percentile OD {np.percentile(od, 95):.2f}",
          failures)

    print("SSRL 6-2c .xrm folder (energy stream 0, energy in the file name)")
    ssrl = read_stack(os.path.join(root, "txm_ni_K_ssrl62c"))
    check("energies from names", np.allclose(ssrl.energies, [8324, 8354]), str(ssrl.energies), failures)
    check("flats per energy", ssrl.flats is not None and ssrl.flats.shape == (2, 1024, 1024), "", failures)
    check("pixel size", abs(ssrl.pixel_size_nm - 31.2) < 0.01, f"{ssrl.pixel_size_nm:.3f} nm", failures)

    print("Xradia .txrm tomography (chip)")
    chip = read_stack(os.path.join(root, "txm_tomo_chip_and_tooth_tomopy", "txrm_test_chip_tomo.txrm"))
    check("shape", chip.shape == (7, 256, 256), str(chip.shape), failures)
    check("angles", chip.kind == "tomo" and np.allclose(chip.angles, [-45, -30, -15, 0, 15, 30, 45], atol=0.05),
          np.array2string(chip.angles, precision=2), failures)
    check("energy", abs(chip.metadata.get("energy_eV", 0) - 9200) < 1, f"{chip.metadata.get('energy_eV')}", failures)
    check("pixel size", abs(chip.pixel_size_nm - 155.8) < 0.1, f"{chip.pixel_size_nm:.1f} nm", failures)

    print("Data Exchange HDF5 (tooth)")
    tooth = read_stack(os.path.join(root, "txm_tomo_chip_and_tooth_tomopy", "tooth.h5"))
    check("shape", tooth.shape == (181, 2, 640), str(tooth.shape), failures)
    check("theta", tooth.angles[0] == 0 and abs(tooth.angles[-1] - 179.0) < 0.01, f"{tooth.angles[-1]:.2f}", failures)
    check("white/dark", tooth.flats.shape == (10, 2, 640) and tooth.darks.shape == (10, 2, 640), "", failures)

    print("Mask TIFF (255 = usable)")
    mask = read_mask(os.path.join(root, "diffraction_beamblock_skued", "ewald_walkoff_mask.tif"))
    check("mask", mask.shape == (512, 512) and 0.5 < mask.mean() < 1.0, f"{mask.mean():.3f} usable", failures)

    print("Writers on the real STXM stack (in a temporary folder)")
    with tempfile.TemporaryDirectory() as folder:
        provenance = build_provenance("identity", {}, "anchor", 61, stxm_path)
        out = os.path.join(folder, "aligned.h5")
        transforms = np.zeros((len(stxm), 3))
        write_aligned_hdf5(out, stxm.load(), transforms, energies=stxm.energies, provenance=provenance)
        again = read_stack(out)
        check("aligned HDF5 round trip", np.array_equal(again.load(), stxm.load())
              and np.allclose(again.energies, stxm.energies), again.source, failures)
        check("transforms", np.array_equal(read_transforms(out), transforms), "", failures)
        check("input checksum = SHA256SUMS", provenance["input_sha256"] ==
              sums["./stxm_fe_L3_als_71214098/71214098_stack_float32.tif"], provenance["input_sha256"][:16], failures)
        write_tiff_stack(os.path.join(folder, "aligned.tif"), stxm.images)
        check("TIFF round trip", np.array_equal(read_stack(os.path.join(folder, "aligned.tif")).load(), stxm.load()),
              "", failures)
    return failures


def main(argv) -> int:
    roots = [argv[1]] if len(argv) > 1 else [c for c in CANDIDATES if c]
    root = next((os.path.abspath(r) for r in roots if os.path.isdir(r)), None)
    if root is None:
        print(f"skipped: no real data folder found (looked in {', '.join(roots)})")
        return 0
    print(f"real data: {root}")
    failures = validate(root)
    print(f"{'all checks passed' if not failures else 'FAILED: ' + ', '.join(failures)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
