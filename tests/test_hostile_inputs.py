"""Hostile and unusual inputs against `txmalign align|apply|tomo|register|example`, run in-process.

Every case builds its own files under tmp_path and asserts: the exit status; that the first line of the
message names the problem (the error line on stderr, or the note for runs that warn and continue);
that no traceback is printed; that every file present before the run is byte-identical afterwards and
that no temporary `.partial` file is left.  Cases are grouped like issue 11: silent wrong results,
tracebacks, data loss, hangs, security, unclear messages.  Signals and a full disk, which need a
separate process, are in test_hostile_processes.py; the app opening bad files in test_hostile_gui.py.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import time
from dataclasses import dataclass
from typing import Callable, Optional

import h5py
import numpy as np
import pytest
from hostile_support import (
    SHIFTS,
    SIZE,
    run_cli,
    shifted_stack,
    snapshot,
    texture,
    write_fxi,
    write_h5,
    write_tiff,
    write_txrm,
)

ALIGN = ["--method", "phasecorr", "--jobs", "1"]


@dataclass
class Case:
    """One command: `argv` with the expected exit status and a regex the message's first line matches."""

    argv: list
    code: int
    first_line: str
    check: Optional[Callable] = None


CASES: dict = {}


def case(group: str, name: str):
    def register(builder):
        CASES[f"{group}:{name}"] = builder
        return builder
    return register


def _first_line(code: int, out: str, err: str) -> str:
    """The line that names the outcome: the first stderr line for a refusal, else the first note."""
    lines = [line for line in err.splitlines() if line.strip()]
    if code != 0:
        return lines[0] if lines else out.splitlines()[0]
    notes = [line for line in (err + "\n" + out).splitlines() if "note" in line]
    return notes[0] if notes else (out.splitlines() or [""])[0]


def stack_npy(tmp, name="stack.npy", count=5):
    path = tmp / name
    np.save(path, shifted_stack(count))
    return str(path)


def transforms_csv(tmp, rows, name="t.csv", header="index,dy,dx,angle_deg"):
    path = tmp / name
    path.write_text(header + "\n" + "\n".join(",".join(str(v) for v in row) for row in rows) + "\n")
    return str(path)


def five_rows():
    return [[i, 0.5, -0.5, 0.0] for i in range(5)]


def read_output(path) -> dict:
    with h5py.File(path, "r") as handle:
        return {"transforms": handle["transforms"][()], "aligned": handle["aligned"][()],
                "statuses": [s.decode() if isinstance(s, bytes) else s for s in handle["statuses"][()]]
                if "statuses" in handle else None,
                "energies": handle["energies"][()] if "energies" in handle else None,
                "provenance": json.loads(handle["provenance"][()])}


def relative_truth(anchor: int, count: int = 5) -> np.ndarray:
    """The (dy, dx) aligning image i with the anchor for shifted_stack: shift(i) undone, shift(anchor) applied."""
    return np.array([SHIFTS[anchor % 5] - SHIFTS[i % 5] for i in range(count)])


# == 1. Silent wrong results ===============================================================================

def _check_shifts(tmp, out, err):
    result = read_output(tmp / "out.h5")
    truth = relative_truth(len(result["transforms"]) // 2)
    assert np.allclose(result["transforms"][:, :2], truth, atol=0.3), result["transforms"]


@case("silent", "fxi-export-is-not-normalised-twice")
def _(tmp):
    src = write_fxi(tmp / "fxi_export.h5", exported=True)
    return Case(["align", src, "--out", tmp / "out.h5", *ALIGN], 0, "already flat-field normalised",
                check=_check_shifts)


@case("silent", "fxi-raw-uses-its-flats")
def _(tmp):
    src = write_fxi(tmp / "fxi_raw.h5", exported=False)

    def check(tmp, out, err):
        assert "already" not in out + err
        _check_shifts(tmp, out, err)
    return Case(["align", src, "--out", tmp / "out.h5", *ALIGN], 0, r"^aligned 5 images", check=check)


@case("silent", "fxi-export-without-flat-field")
def _(tmp):
    src = write_fxi(tmp / "fxi_export.h5", exported=True)
    return Case(["align", src, "--out", tmp / "out.h5", "--no-flat-field", *ALIGN], 0, "already flat-field",
                check=_check_shifts)


@case("silent", "apply-honours-index-column")
def _(tmp):
    src = stack_npy(tmp)
    rows = [[i, float(i), -float(i), 0.0] for i in range(5)]
    ordered = transforms_csv(tmp, rows, "ordered.csv")
    shuffled = transforms_csv(tmp, [rows[k] for k in (3, 0, 4, 1, 2)], "shuffled.csv")

    def check(tmp, out, err):
        assert run_cli_plain(["apply", ordered, src, "--out", tmp / "ordered.h5"]) == 0
        assert np.allclose(read_output(tmp / "out.h5")["transforms"], read_output(tmp / "ordered.h5")["transforms"])
        assert np.array_equal(read_output(tmp / "out.h5")["aligned"], read_output(tmp / "ordered.h5")["aligned"],
                              equal_nan=True)
    return Case(["apply", shuffled, src, "--out", tmp / "out.h5"], 0, r"^resampled 5 images", check=check)


@case("silent", "apply-duplicate-index")
def _(tmp):
    rows = five_rows()
    rows[4][0] = 3
    return Case(["apply", transforms_csv(tmp, rows), stack_npy(tmp), "--out", tmp / "o.h5"], 2,
                "index column must name each image 0..4 exactly once")


@case("silent", "apply-absurd-shift")
def _(tmp):
    rows = five_rows()
    rows[2][1] = 1e9
    return Case(["apply", transforms_csv(tmp, rows), stack_npy(tmp), "--out", tmp / "o.h5"], 2,
                "moves it entirely out of its 40 x 40 frame")


@case("silent", "apply-shift-as-large-as-the-frame")
def _(tmp):
    rows = five_rows()
    rows[0][2] = -40
    return Case(["apply", transforms_csv(tmp, rows), stack_npy(tmp), "--out", tmp / "o.h5"], 2,
                "entirely out of its")


@case("silent", "apply-nan-shift")
def _(tmp):
    rows = five_rows()
    rows[1][1] = "nan"
    return Case(["apply", transforms_csv(tmp, rows), stack_npy(tmp), "--out", tmp / "o.h5"], 2, "NaN or infinite")


@case("silent", "apply-wrong-count")
def _(tmp):
    return Case(["apply", transforms_csv(tmp, five_rows()[:4]), stack_npy(tmp), "--out", tmp / "o.h5"], 2,
                "holds 4 transforms but .* has 5 images")


@case("silent", "energies-dataset-wrong-count-warned")
def _(tmp):
    src = write_h5(tmp / "s.h5", {"data": shifted_stack(), "energies": np.linspace(7000, 7100, 6)})
    return Case(["align", src, "--out", tmp / "out.h5", *ALIGN], 0, "holds 6 energies for 5 images; not used")


@case("silent", "energies-dataset-skip-first-value")
def _(tmp):
    energies = np.array([1.0, 7000, 7010, 7020, 7030, 7040])  # first entry: the dark frame
    src = write_h5(tmp / "s.h5", {"data": shifted_stack(), "energies": energies})

    def check(tmp, out, err):
        assert np.allclose(read_output(tmp / "out.h5")["energies"], energies[1:])
    return Case(["align", src, "--out", tmp / "out.h5", "--skip-axis-values", "1", *ALIGN], 0, r"^aligned 5",
                check=check)


@case("silent", "energies-sidecar-skip-two-values")
def _(tmp):
    src = stack_npy(tmp, "scan.npy")
    (tmp / "scan_energies.txt").write_text("\n".join(str(v) for v in [0, 0, 8000, 8010, 8020, 8030, 8040]))

    def check(tmp, out, err):
        assert np.allclose(read_output(tmp / "out.h5")["energies"], [8000, 8010, 8020, 8030, 8040])
    return Case(["align", src, "--out", tmp / "out.h5", "--skip-axis-values", "2", *ALIGN], 0, r"^aligned 5",
                check=check)


@case("silent", "skip-more-values-than-there-are")
def _(tmp):
    src = stack_npy(tmp, "scan.npy")
    (tmp / "scan_energies.txt").write_text("8000\n8010\n")
    return Case(["align", src, "--out", tmp / "out.h5", "--skip-axis-values", "9", *ALIGN], 2,
                "holds 2 values; cannot skip the first 9")


@case("silent", "skip-values-without-any-axis-file")
def _(tmp):
    return Case(["align", stack_npy(tmp), "--out", tmp / "out.h5", "--skip-axis-values", "1", *ALIGN], 2,
                "no energies or angles file or dataset was found")


@case("silent", "skip-values-negative")
def _(tmp):
    return Case(["align", stack_npy(tmp), "--out", tmp / "out.h5", "--skip-axis-values", "-1"], 2,
                "usage: ")


@case("silent", "energies-sidecar-with-junk-is-ignored")
def _(tmp):
    src = stack_npy(tmp, "scan.npy")
    (tmp / "scan_energies.txt").write_text("this file is a note\nno numbers here\n")
    return Case(["align", src, "--out", tmp / "out.h5", *ALIGN], 0, "scan_energies.txt not used")


@case("silent", "energies-sidecar-wrong-count-is-ignored")
def _(tmp):
    src = stack_npy(tmp, "scan.npy")
    (tmp / "scan_energies.txt").write_text("8000\n8010\n8020\n")
    return Case(["align", src, "--out", tmp / "out.h5", *ALIGN], 0, "holds 3 energies for 5 images; not used")


@case("silent", "energies-sidecar-absurd-values-ignored")
def _(tmp):
    src = stack_npy(tmp, "scan.npy")
    (tmp / "scan_energies.txt").write_text("\n".join(["1e300"] * 5))
    return Case(["align", src, "--out", tmp / "out.h5", *ALIGN], 0, "not used: .*not photon energies")


@case("silent", "energies-dataset-absurd-refused")
def _(tmp):
    src = write_h5(tmp / "s.h5", {"data": shifted_stack(), "energies": np.full(5, 1e300)})
    return Case(["align", src, "--out", tmp / "out.h5", *ALIGN], 2, "not photon energies")


@case("silent", "angles-times-1e300-refused")
def _(tmp):
    (tmp / "angles.txt").write_text("\n".join(str(a * 1e300) for a in np.linspace(0, 180, 5)))
    return Case(["tomo", stack_npy(tmp), "--angles", tmp / "angles.txt", "--out", tmp / "o.h5"], 2,
                "is not a rotation angle")


@case("silent", "angles-with-nan-refused")
def _(tmp):
    (tmp / "angles.txt").write_text("0\n45\nnan\n135\n180\n")
    return Case(["tomo", stack_npy(tmp), "--angles", tmp / "angles.txt", "--out", tmp / "o.h5"], 2,
                "NaN or infinite")


@case("silent", "angles-wrong-count-refused")
def _(tmp):
    (tmp / "angles.txt").write_text("0\n45\n90\n")
    return Case(["tomo", stack_npy(tmp), "--angles", tmp / "angles.txt", "--out", tmp / "o.h5"], 2,
                "3 angles given for 5 images")


@case("silent", "angles-skip-too-many")
def _(tmp):
    (tmp / "angles.txt").write_text("0\n45\n90\n")
    return Case(["tomo", stack_npy(tmp), "--angles", tmp / "angles.txt", "--skip-axis-values", "3",
                 "--out", tmp / "o.h5"], 2, "cannot skip the first 3")


@case("silent", "complex-npy-refused")
def _(tmp):
    path = tmp / "c.npy"
    np.save(path, shifted_stack().astype(np.complex64) * (1 + 1j))
    return Case(["align", path, "--out", tmp / "o.h5", *ALIGN], 2, "complex numbers")


@case("silent", "rgb-tiff-stack-read-as-gray")
def _(tmp):
    stack = shifted_stack()
    rgb = np.stack([stack, stack * 0.5, stack * 0.25], axis=-1)
    src = write_tiff(tmp / "rgb.tif", (rgb * 255).astype(np.uint8), photometric="rgb")

    def check(tmp, out, err):
        assert read_output(tmp / "out.h5")["aligned"].shape == (5, SIZE, SIZE)
    return Case(["align", src, "--out", tmp / "out.h5", *ALIGN], 0, "colour \\(RGB\\) image; read as gray",
                check=check)


@case("silent", "rgb-tiff-pair-registered-as-gray")
def _(tmp):
    stack = shifted_stack(2)
    for k in range(2):
        write_tiff(tmp / f"rgb{k}.tif", (np.repeat(stack[k][..., None], 3, -1) * 255).astype(np.uint8),
                   photometric="rgb")
    return Case(["register", tmp / "rgb0.tif", tmp / "rgb1.tif", "--method", "phasecorr"], 0, "colour \\(RGB\\)")


@case("silent", "flats-of-wrong-shape-warned")
def _(tmp):
    src = write_h5(tmp / "s.h5", {"data": shifted_stack(), "flats": np.ones((20, 20))})
    return Case(["align", src, "--out", tmp / "out.h5", *ALIGN], 0, "flat-field.*not used")


@case("silent", "fxi-darks-of-wrong-shape-warned")
def _(tmp):
    src = write_h5(tmp / "f.h5", {"img_xanes": (shifted_stack() * 1000).astype(np.uint16),
                                  "img_bkg": np.full((1, SIZE, SIZE), 2000, np.uint16),
                                  "img_dark": np.zeros((1, 8, 8), np.uint16)})
    return Case(["align", src, "--out", tmp / "out.h5", *ALIGN], 0, "img_dark \\(dark\\).*not used")


@case("silent", "explicit-flats-of-wrong-shape-refused")
def _(tmp):
    from txmalign_gui.engine.errors import InputError
    from txmalign_gui.io import StackData

    with pytest.raises(InputError, match="flat .*have shape"):
        StackData(images=shifted_stack(), path="x", flats=np.ones((4, 4)))
    return None


def _fake_align(statuses, transforms=None, confidences=None):
    def fake(images, **kwargs):
        from txmalign_gui.engine.stack.result import StackResult

        count = len(images)
        return StackResult(transforms=np.zeros((count, 3)) if transforms is None else transforms,
                           costs=np.zeros(count), confidences=np.ones(count) if confidences is None else confidences,
                           statuses=list(statuses), strategy="anchor", anchor=count // 2, method="phasecorr",
                           params={}, seconds=0.0)
    return fake


@case("silent", "align-exits-1-when-most-images-failed")
def _(tmp, monkeypatch=None):
    monkeypatch.setattr("txmalign_gui.batch.align_job.align_stack",
                        _fake_align(["failed", "failed", "ok", "failed", "ok"], confidences=np.full(5, 0.1)))
    return Case(["align", stack_npy(tmp), "--out", tmp / "out.h5", *ALIGN], 1,
                "3 of 5 images failed to register")


@case("silent", "align-exits-0-when-few-images-failed")
def _(tmp, monkeypatch=None):
    monkeypatch.setattr("txmalign_gui.batch.align_job.align_stack",
                        _fake_align(["failed", "ok", "ok", "ok", "ok"], transforms=np.ones((5, 3))))
    return Case(["align", stack_npy(tmp), "--out", tmp / "out.h5", *ALIGN], 0, r"^aligned 5 images")


def _zero_registrations(frames, registrar, count, *args, **kwargs):
    """What a method returns on data without usable signal: every pair exactly 0, full confidence."""
    return np.zeros((count, 3)), np.zeros(count), np.ones(count), ["ok"] * count, [], [], count - 1, [None] * count


@case("silent", "all-zero-full-confidence-is-not-ok")
def _(tmp, monkeypatch=None):
    monkeypatch.setattr("txmalign_gui.engine.stack.align._align_tree", _zero_registrations)

    def check(tmp, out, err):
        assert "4 low_confidence" in out
        assert read_output(tmp / "out.h5")["statuses"].count("low_confidence") == 4
    return Case(["align", stack_npy(tmp), "--out", tmp / "out.h5", *ALIGN], 0, "exactly 0 px with full confidence",
                check=check)


@case("silent", "all-zero-on-identical-images-stays-ok")
def _(tmp, monkeypatch=None):
    monkeypatch.setattr("txmalign_gui.engine.stack.align._align_tree", _zero_registrations)
    path = tmp / "same.npy"
    np.save(path, np.repeat(texture()[None], 5, axis=0).astype(np.float32))

    def check(tmp, out, err):
        assert "exactly 0 px" not in out + err and "5 ok" in out
    return Case(["align", path, "--out", tmp / "out.h5", *ALIGN], 0, r"^aligned 5 images", check=check)


# == 2. Tracebacks: unreadable, odd and damaged inputs, against every command that reads a stack ==========

def _bytes(name, data):
    def build(tmp):
        path = tmp / name
        path.write_bytes(data)
        return str(path)
    return build


def _npy(name, array_fn, **options):
    def build(tmp):
        path = tmp / name
        np.save(path, array_fn(), **options)
        return str(path)
    return build


def _h5(name, datasets, spec=""):
    def build(tmp):
        return write_h5(tmp / name, datasets()) + spec
    return build


def _truncated(name, writer, keep=0.5):
    def build(tmp):
        path = tmp / name
        writer(path)
        data = path.read_bytes()
        path.write_bytes(data[:int(len(data) * keep)])
        return str(path)
    return build


def _huge(tmp):
    path = tmp / "huge.h5"
    with h5py.File(path, "w") as handle:
        handle.create_dataset("data", shape=(20000, 4096, 4096), dtype=np.uint16, chunks=(1, 256, 256))
    return str(path)


def _broken_vds(tmp):
    source = tmp / "source.h5"
    write_h5(source, {"data": shifted_stack()})
    layout = h5py.VirtualLayout(shape=(5, SIZE, SIZE), dtype=np.float32)
    layout[:] = h5py.VirtualSource(str(source), "data", shape=(5, SIZE, SIZE))
    path = tmp / "vds.h5"
    with h5py.File(path, "w") as handle:
        handle.create_virtual_dataset("data", layout, fillvalue=0)
    source.unlink()
    return f"{path}:/data"


def _folder(files):
    def build(tmp):
        folder = tmp / "folder"
        folder.mkdir()
        for name, array in files().items():
            write_tiff(folder / name, array)
        return str(folder)
    return build


def _stxm(frames: dict, header: str = None):
    def build(tmp):
        from test_io_stxm import write_stxm

        return write_stxm(tmp, frames, header=header)
    return build


def _txrm_without_header(tmp):
    from hostile_support import write_ole

    return write_ole(tmp / "bad.txrm", {"Other/Stream": b"12345678"})


def _dataset_is_group(tmp):
    path = tmp / "g.h5"
    with h5py.File(path, "w") as handle:
        handle.create_group("data")
        handle.create_dataset("other", data=shifted_stack())
    return f"{path}:/data"


def _string_3d():
    return {"data": np.array([[["ab"] * 4] * 4] * 3, dtype=h5py.string_dtype())}


BAD_INPUTS = {
    "empty-h5": (_bytes("empty.h5", b""), r"empty\.h5 is empty \(0 bytes\)"),
    "empty-tif": (_bytes("empty.tif", b""), r"empty\.tif is empty"),
    "empty-npy": (_bytes("empty.npy", b""), r"empty\.npy is empty"),
    "empty-txrm": (_bytes("empty.txrm", b""), r"empty\.txrm is empty"),
    "empty-hdr": (_bytes("empty.hdr", b""), r"empty\.hdr is empty"),
    "text-as-h5": (_bytes("text.h5", b"hello, not a file format"), r"text\.h5 is not a valid HDF5 file"),
    "text-as-tif": (_bytes("text.tif", b"hello"), r"text\.tif is not a valid TIFF"),
    "text-as-npy": (_bytes("text.npy", b"hello"), r"text\.npy is not a valid numpy"),
    "text-as-txrm": (_bytes("text.txrm", b"hello"), r"text\.txrm is not a valid Xradia"),
    "text-as-hdr": (_bytes("text.hdr", b"hello"), r"text\.hdr is not a valid ALS STXM"),
    "unknown-extension": (_bytes("data.xyz", b"123"), r"unknown file type \.xyz"),
    "no-extension": (_bytes("data", b"123"), r"unknown file type \(no extension\)"),
    "truncated-tif": (_truncated("cut.tif", lambda p: write_tiff(p, shifted_stack())), r"cut\.tif"),
    "tiff-header-only": (_bytes("hdr.tif", b"II*\x00\x08\x00\x00\x00"), r"hdr\.tif"),
    "truncated-h5": (_truncated("cut.h5", lambda p: write_h5(p, {"data": shifted_stack()}), 0.3),
                     r"cut\.h5"),
    "truncated-npy": (_truncated("cut.npy", lambda p: np.save(p, shifted_stack())), r"cannot read .*cut\.npy"),
    "pickled-npy": (_npy("obj.npy", lambda: np.array([{"a": 1}, None], dtype=object), allow_pickle=True),
                    r"cannot read .*obj\.npy"),
    "one-dimensional-npy": (_npy("line.npy", lambda: np.arange(10.0)), r"an array of shape \(10,\)"),
    "single-image-npy": (_npy("one.npy", lambda: texture()), r"a single 2-D image"),
    "four-dimensional-npy": (_npy("four.npy", lambda: np.zeros((2, 2, 8, 8))), r"shape \(2, 2, 8, 8\)"),
    "zero-images-npy": (_npy("none.npy", lambda: np.zeros((0, 8, 8))), r"empty stack"),
    "complex-h5": (_h5("c.h5", lambda: {"data": np.ones((5, 8, 8), np.complex64)}, ":/data"), r"complex numbers"),
    "bytes-3d-h5-named": (_h5("b.h5", lambda: {"data": np.full((3, 4, 4), b"ab", "S2")}, ":/data"),
                          r"holds byte strings, not image pixels"),
    "bytes-3d-h5-auto": (_h5("b.h5", lambda: {"data": np.full((3, 4, 4), b"ab", "S2")}), r"holds no 3-D dataset"),
    "compound-3d-h5-named": (_h5("r.h5", lambda: {"data": np.zeros((3, 4, 4), [("a", "f4"), ("b", "i2")])},
                                 ":/data"), r"holds compound records"),
    "compound-3d-h5-auto": (_h5("r.h5", lambda: {"data": np.zeros((3, 4, 4), [("a", "f4"), ("b", "i2")])}),
                            r"holds no 3-D dataset"),
    "strings-3d-h5-named": (_h5("s.h5", _string_3d, ":/data"), r"holds text or objects"),
    "no-3d-dataset": (_h5("flat.h5", lambda: {"image": texture()}), r"holds no 3-D dataset"),
    "two-3d-datasets": (_h5("two.h5", lambda: {"a": shifted_stack(), "b": shifted_stack()}),
                        r"several 3-D datasets, choose one"),
    "missing-dataset": (_h5("m.h5", lambda: {"data": shifted_stack()}, ":/nothing"), r"has no dataset /nothing"),
    "dataset-is-a-group": (_dataset_is_group, r"has no dataset /data"),
    "broken-virtual-dataset": (_broken_vds, r"virtual dataset whose source file .*source\.h5 is missing"),
    "empty-folder": (lambda tmp: (tmp / "folder").mkdir() or str(tmp / "folder"), r"holds no images"),
    "folder-mixed-sizes": (_folder(lambda: {"a1.tif": texture(40), "a2.tif": texture(32), "a3.tif": texture(40)}),
                           r"differ in size: a2\.tif is 32 x 32, a1\.tif is 40 x 40"),
    "folder-only-darks": (_folder(lambda: {"dark_1.tif": texture(), "flat_1.tif": texture()}),
                          r"holds no TIFF images"),
    "folder-of-stacks": (_folder(lambda: {"a1.tif": shifted_stack(2), "a2.tif": shifted_stack(2)}),
                         r"a folder stack needs one 2-D image per file"),
    "missing-file": (lambda tmp: str(tmp / "absent.h5"), r"file or folder not found: .*absent\.h5"),
    "txrm-without-header": (_txrm_without_header, r"without an Xradia image header"),
    "stxm-without-frames": (_stxm({}), r"no .*_a###\.xim frames"),
    "stxm-frame-wrong-size": (_stxm({0: np.ones((4, 5)), 1: np.ones((6, 6))}), r"is 4 x 5 but its header says"),
    "stxm-frame-not-numbers": (_stxm({0: "abc def\n", 1: np.ones((6, 6))}), r"cannot read .*xim"),
    "stxm-header-without-axis": (_stxm({0: np.ones((6, 6))}, header="ScanDefinition = { Label = \"x\"; };"),
                                 r"the header has no StackAxis points list"),
    # align reads such a stack frame by frame when its working memory fits; then the output cannot fit the disk
    "huge-declared-stack": (_huge, r"not enough (memory for .*20000 x 4096 x 4096.* needs .*available|"
                                   r"disk space to write .* needs about)"),
}
COMMANDS = {
    "align": lambda tmp, src: ["align", src, "--out", tmp / "out.h5", *ALIGN],
    "tomo": lambda tmp, src: ["tomo", src, "--out", tmp / "out.h5"],
    "apply": lambda tmp, src: ["apply", transforms_csv(tmp, five_rows()), src, "--out", tmp / "out.h5"],
}
SKIP = {("apply", "huge-declared-stack")}  # the count check (5 transforms, 20000 images) comes first


def _bad_input_case(command, name):
    builder, pattern = BAD_INPUTS[name]

    def build(tmp):
        return Case(COMMANDS[command](tmp, builder(tmp)), 2, pattern)
    return build


for _command in COMMANDS:
    for _name in BAD_INPUTS:
        if (_command, _name) not in SKIP:
            CASES[f"traceback:{_command}-{_name}"] = _bad_input_case(_command, _name)


@case("traceback", "register-frame-out-of-range")
def _(tmp):
    src = stack_npy(tmp)
    return Case(["register", f"{src}[0]", f"{src}[9]"], 2, r"image 9 does not exist")


@case("traceback", "register-complex-pair")
def _(tmp):
    np.save(tmp / "c.npy", np.ones((8, 8), np.complex64))
    return Case(["register", tmp / "c.npy", tmp / "c.npy"], 2, r"c\.npy")


@case("traceback", "register-empty-file")
def _(tmp):
    (tmp / "e.tif").write_bytes(b"")
    return Case(["register", tmp / "e.tif", tmp / "e.tif"], 2, r"e\.tif")


@case("traceback", "mask-of-wrong-shape")
def _(tmp):
    np.save(tmp / "mask.npy", np.ones((8, 8), bool))
    return Case(["align", stack_npy(tmp), "--out", tmp / "o.h5", "--mask", tmp / "mask.npy", *ALIGN], 2, r"mask")


@case("traceback", "missing-reference")
def _(tmp):
    return Case(["align", stack_npy(tmp), "--out", tmp / "o.h5", "--reference", tmp / "ref.tif", *ALIGN], 2,
                r"not found: .*ref\.tif")


@case("traceback", "transforms-csv-empty")
def _(tmp):
    (tmp / "t.csv").write_text("")
    return Case(["apply", tmp / "t.csv", stack_npy(tmp), "--out", tmp / "o.h5"], 2, r"t\.csv is not a transforms")


@case("traceback", "transforms-csv-text")
def _(tmp):
    return Case(["apply", transforms_csv(tmp, [["a", "b", "c", "d"]]), stack_npy(tmp), "--out", tmp / "o.h5"], 2,
                r"not numeric")


@case("traceback", "transforms-csv-binary")
def _(tmp):
    (tmp / "t.csv").write_bytes(bytes(range(256)) * 4)
    return Case(["apply", tmp / "t.csv", stack_npy(tmp), "--out", tmp / "o.h5"], 2, r"t\.csv")


@case("traceback", "transforms-h5-without-table")
def _(tmp):
    path = write_h5(tmp / "t.h5", {"data": shifted_stack()})
    return Case(["apply", path, stack_npy(tmp), "--out", tmp / "o.h5"], 2, r"holds no /transforms table")


@case("traceback", "bad-roi")
def _(tmp):
    return Case(["align", stack_npy(tmp), "--out", tmp / "o.h5", "--roi", "1:2:3"], 2, r"usage: ")


@case("traceback", "unknown-method")
def _(tmp):
    return Case(["align", stack_npy(tmp), "--out", tmp / "o.h5", "--method", "magic"], 2, r"magic")


@case("traceback", "bad-param")
def _(tmp):
    return Case(["align", stack_npy(tmp), "--out", tmp / "o.h5", "--param", "nonsense"], 2, r"nonsense")


@case("traceback", "anchor-out-of-range")
def _(tmp):
    return Case(["align", stack_npy(tmp), "--out", tmp / "o.h5", "--anchor", "99", *ALIGN], 2, r"anchor")


def _raising(error):
    def fake(*args, **kwargs):
        raise error
    return fake


@case("traceback", "killed-pool-worker")
def _(tmp, monkeypatch=None):
    from concurrent.futures.process import BrokenProcessPool

    monkeypatch.setattr("txmalign_gui.batch.align_job.align_stack", _raising(BrokenProcessPool("a child died")))
    return Case(["align", stack_npy(tmp), "--out", tmp / "o.h5", "--jobs", "2"], 2,
                r"^txmalign: error: a worker process died")


@case("traceback", "memory-error-mid-run")
def _(tmp, monkeypatch=None):
    monkeypatch.setattr("txmalign_gui.batch.align_job.align_stack", _raising(MemoryError()))
    return Case(["align", stack_npy(tmp), "--out", tmp / "o.h5", *ALIGN], 2, r"^txmalign: error: not enough memory")


@case("traceback", "hdf5-runtime-error-on-flush")
def _(tmp, monkeypatch=None):
    monkeypatch.setattr("txmalign_gui.io.aligned_hdf5._nexus_links",
                        _raising(RuntimeError("Can't flush cache (file write failed: errno = 28)")))
    return Case(["align", stack_npy(tmp), "--out", tmp / "o.h5", *ALIGN], 2,
                r"^txmalign: error: not enough disk space to write .*o\.h5; nothing was saved")


@case("traceback", "unexpected-bug-is-one-line")
def _(tmp, monkeypatch=None):
    monkeypatch.setattr("txmalign_gui.batch.align_job.align_stack", _raising(ZeroDivisionError("oops")))
    return Case(["align", stack_npy(tmp), "--out", tmp / "o.h5", *ALIGN], 3,
                r"^txmalign: internal error: ZeroDivisionError: oops \(please report it")


# == 3. Data loss ===========================================================================================

def _existing(tmp, name="keep.h5", data=b"precious"):
    path = tmp / name
    path.write_bytes(data)
    return str(path)


@case("data-loss", "out-and-tiff-on-one-path")
def _(tmp):
    return Case(["align", stack_npy(tmp), "--out", tmp / "x.h5", "--tiff", tmp / "x.h5", *ALIGN], 2,
                r"two outputs would both be written to .*x\.h5")


@case("data-loss", "out-and-csv-on-one-path")
def _(tmp):
    return Case(["align", stack_npy(tmp), "--out", tmp / "x.h5", "--transforms-csv", tmp / "x.h5", *ALIGN], 2,
                r"two outputs")


@case("data-loss", "tiff-and-csv-on-one-path")
def _(tmp):
    return Case(["align", stack_npy(tmp), "--out", tmp / "x.h5", "--tiff", tmp / "y", "--transforms-csv",
                 tmp / "y", *ALIGN], 2, r"two outputs")


@case("data-loss", "out-and-tiff-same-file-by-another-name")
def _(tmp):
    (tmp / "sub").mkdir()
    return Case(["align", stack_npy(tmp), "--out", tmp / "x.h5", "--tiff", tmp / "sub" / ".." / "x.h5", *ALIGN],
                2, r"two outputs")


@case("data-loss", "align-out-is-input")
def _(tmp):
    src = stack_npy(tmp)
    return Case(["align", src, "--out", src, "--force", *ALIGN], 2, r"refusing to overwrite the input")


@case("data-loss", "align-out-is-input-h5")
def _(tmp):
    src = write_h5(tmp / "s.h5", {"data": shifted_stack()})
    return Case(["align", f"{src}:/data", "--out", src, "--force", *ALIGN], 2, r"refusing to overwrite the input")


@case("data-loss", "align-tiff-is-mask")
def _(tmp):
    np.save(tmp / "mask.npy", np.ones((SIZE, SIZE), bool))
    return Case(["align", stack_npy(tmp), "--out", tmp / "o.h5", "--mask", tmp / "mask.npy", "--tiff",
                 tmp / "mask.npy", "--force", *ALIGN], 2, r"refusing to overwrite the input")


@case("data-loss", "apply-out-is-input")
def _(tmp):
    src = stack_npy(tmp)
    return Case(["apply", transforms_csv(tmp, five_rows()), src, "--out", src, "--force"], 2, r"refusing")


@case("data-loss", "apply-out-is-transforms")
def _(tmp):
    table = transforms_csv(tmp, five_rows())
    return Case(["apply", table, stack_npy(tmp), "--out", table, "--force"], 2, r"refusing to overwrite the input")


@case("data-loss", "tomo-out-is-angles")
def _(tmp):
    (tmp / "angles.txt").write_text("0\n45\n90\n135\n180\n")
    return Case(["tomo", stack_npy(tmp), "--angles", tmp / "angles.txt", "--out", tmp / "angles.txt", "--force"],
                2, r"refusing to overwrite the input")


@case("data-loss", "existing-output-without-force")
def _(tmp):
    return Case(["align", stack_npy(tmp), "--out", _existing(tmp), *ALIGN], 2, r"keep\.h5 already exists")


@case("data-loss", "example-existing-output")
def _(tmp):
    return Case(["example", "--out", _existing(tmp)], 2, r"already exists")


@case("data-loss", "symlink-output-with-force")
def _(tmp):
    target = _existing(tmp, "target.h5")
    os.symlink(target, tmp / "link.h5")
    return Case(["align", stack_npy(tmp), "--out", tmp / "link.h5", "--force", *ALIGN], 2,
                r"is a symbolic link to .*target\.h5")


@case("data-loss", "dangling-symlink-output")
def _(tmp):
    os.symlink(tmp / "nowhere.h5", tmp / "link.h5")
    return Case(["align", stack_npy(tmp), "--out", tmp / "link.h5", *ALIGN], 2, r"symbolic link \(dangling\)")


@case("data-loss", "dangling-symlink-output-with-force")
def _(tmp):
    os.symlink(tmp / "nowhere.h5", tmp / "link.h5")
    return Case(["example", "--out", tmp / "link.h5", "--force"], 2, r"symbolic link \(dangling\)")


@case("data-loss", "dangling-symlink-csv")
def _(tmp):
    os.symlink(tmp / "nowhere.csv", tmp / "link.csv")
    return Case(["align", stack_npy(tmp), "--out", tmp / "o.h5", "--transforms-csv", tmp / "link.csv", *ALIGN], 2,
                r"link\.csv: it is a symbolic link")


@case("data-loss", "symlink-tiff-with-force")
def _(tmp):
    os.symlink(_existing(tmp, "keep.tif"), tmp / "link.tif")
    return Case(["align", stack_npy(tmp), "--out", tmp / "o.h5", "--tiff", tmp / "link.tif", "--force", *ALIGN],
                2, r"symbolic link")


@case("data-loss", "fifo-output-with-force")
def _(tmp):
    os.mkfifo(tmp / "pipe.h5")
    return Case(["align", stack_npy(tmp), "--out", tmp / "pipe.h5", "--force", *ALIGN], 2, r"special file")


@case("data-loss", "device-output-with-force")
def _(tmp):
    return Case(["example", "--out", "/dev/null", "--force"], 2, r"/dev/null: it is a special file")


@case("data-loss", "folder-output")
def _(tmp):
    (tmp / "dir.h5").mkdir()
    return Case(["align", stack_npy(tmp), "--out", tmp / "dir.h5", "--force", *ALIGN], 2, r"it is a folder")


@case("data-loss", "output-in-missing-folder")
def _(tmp):
    return Case(["example", "--out", tmp / "no" / "such" / "x.h5"], 2, r"the folder .* does not exist")


@case("data-loss", "apply-tiff-output-exists")
def _(tmp):
    return Case(["apply", transforms_csv(tmp, five_rows()), stack_npy(tmp), "--out", _existing(tmp, "o.tif")], 2,
                r"o\.tif already exists")


# == 4. Hangs ===============================================================================================

@case("hang", "txrm-declaring-4-billion-images")
def _(tmp):
    path = write_txrm(tmp / "big.txrm", count=3, declared=0xFFFFFFFF, textured=True)
    started = time.monotonic()

    def check(tmp, out, err):
        assert time.monotonic() - started < 30
    return Case(["align", path, "--out", tmp / "o.h5", *ALIGN], 0, r"^aligned 3 images", check=check)


@case("hang", "txrm-declaring-zero-images")
def _(tmp):
    path = write_txrm(tmp / "zero.txrm", count=3, declared=0, textured=True)
    return Case(["align", path, "--out", tmp / "o.h5", *ALIGN], 0, r"^aligned 3 images")


@case("hang", "huge-declared-stack-refused-at-once")
def _(tmp):
    started = time.monotonic()

    def check(tmp, out, err):
        assert time.monotonic() - started < 10
    return Case(["tomo", _huge(tmp), "--out", tmp / "o.h5"], 2, r"not enough memory", check=check)


# == 5. Security ============================================================================================

def _linked_file(tmp, kind):
    other = write_h5(tmp / "other.h5", {"data": shifted_stack()})
    path = tmp / "main.h5"
    with h5py.File(path, "w") as handle:
        handle.create_dataset("note", data=np.arange(3))
        if kind == "external":
            handle["data"] = h5py.ExternalLink(other, "/data")
        else:
            layout = h5py.VirtualLayout(shape=(5, SIZE, SIZE), dtype=np.float32)
            layout[:] = h5py.VirtualSource(other, "data", shape=(5, SIZE, SIZE))
            handle.create_virtual_dataset("data", layout)
    return str(path), other


@case("security", "external-link-not-followed-unless-named")
def _(tmp):
    path, _ = _linked_file(tmp, "external")
    return Case(["align", path, "--out", tmp / "o.h5", *ALIGN], 2, r"holds no 3-D dataset")


@case("security", "virtual-dataset-not-followed-unless-named")
def _(tmp):
    path, _ = _linked_file(tmp, "virtual")
    return Case(["align", path, "--out", tmp / "o.h5", *ALIGN], 2, r"holds no 3-D dataset")


@case("security", "named-virtual-dataset-is-followed-and-hashed")
def _(tmp):
    path, other = _linked_file(tmp, "virtual")

    def check(tmp, out, err):
        linked = read_output(tmp / "o.h5")["provenance"]["linked_inputs"]
        assert list(linked) == [other] and len(linked[other]) == 64
    return Case(["align", f"{path}:/data", "--out", tmp / "o.h5", *ALIGN], 0, r"^aligned 5", check=check)


@case("security", "named-external-link-is-followed-and-hashed")
def _(tmp):
    path, other = _linked_file(tmp, "external")

    def check(tmp, out, err):
        assert other in read_output(tmp / "o.h5")["provenance"]["linked_inputs"]
    return Case(["align", f"{path}:/data", "--out", tmp / "o.h5", *ALIGN], 0, r"^aligned 5", check=check)


@case("security", "fxi-images-in-another-file-need-naming")
def _(tmp):
    other = write_h5(tmp / "other.h5", {"img": shifted_stack()})
    path = tmp / "fxi.h5"
    with h5py.File(path, "w") as handle:
        handle["img_xanes"] = h5py.ExternalLink(other, "/img")
        handle.create_dataset("X_eng", data=np.linspace(7.7, 7.74, 5))
    return Case(["align", path, "--out", tmp / "o.h5", *ALIGN], 2, r"stored in another file .*name it")


@case("security", "flats-in-another-file-are-not-read")
def _(tmp):
    other = write_h5(tmp / "other.h5", {"flat": np.full((1, SIZE, SIZE), 5.0)})
    path = tmp / "s.h5"
    with h5py.File(path, "w") as handle:
        handle.create_dataset("data", data=shifted_stack())
        handle["flats"] = h5py.ExternalLink(other, "/flat")

    def check(tmp, out, err):
        from txmalign_gui.io import read_stack

        assert read_stack(str(path)).flats is None
    return Case(["align", path, "--out", tmp / "o.h5", *ALIGN], 0, r"^aligned 5", check=check)


@case("security", "broken-links-beside-the-stack-are-ignored")
def _(tmp):
    path = tmp / "links.h5"
    with h5py.File(path, "w") as handle:
        handle["broken"] = h5py.SoftLink("/nothing")
        handle["outside"] = h5py.ExternalLink("/etc/passwd", "/x")
        handle["energies"] = h5py.ExternalLink(str(tmp / "absent.h5"), "/e")
        handle.create_dataset("data", data=shifted_stack())
    return Case(["align", path, "--out", tmp / "o.h5", *ALIGN], 0, r"^aligned 5 images")


# == 6. Unclear messages ====================================================================================

@case("message", "empty-file-message-is-short")
def _(tmp):
    (tmp / "e.h5").write_bytes(b"")

    def check(tmp, out, err):
        assert len(err.splitlines()[0]) < 60 + len(str(tmp))
    return Case(["align", tmp / "e.h5", "--out", tmp / "o.h5"], 2, r"^txmalign: error: .*e\.h5 is empty", check=check)


@case("message", "truncated-tiff-no-library-noise-first")
def _(tmp):
    path = tmp / "cut.tif"
    write_tiff(path, shifted_stack(), compression="zlib")
    path.write_bytes(path.read_bytes()[:-3000])
    return Case(["align", path, "--out", tmp / "o.h5", *ALIGN], 2, r"^txmalign: error: ")


@case("message", "legal-255-byte-output-name")
def _(tmp):
    name = "a" * 252 + ".h5"

    def check(tmp, out, err):
        assert (tmp / name).is_file()
    return Case(["example", "--out", tmp / name], 0, r"^wrote the synthetic", check=check)


@case("message", "256-byte-output-name-refused")
def _(tmp):
    return Case(["example", "--out", tmp / ("a" * 253 + ".h5")], 2, r"file name is 256 bytes long, the limit is 255")


@case("message", "guessed-energies-file-does-not-abort")
def _(tmp):
    src = stack_npy(tmp, "scan.npy")
    (tmp / "scan_energies.csv").write_bytes(b"\xff\xfe\x00junk")
    return Case(["align", src, "--out", tmp / "o.h5", *ALIGN], 0, r"not used")


@case("message", "no-subcommand")
def _(tmp):
    return Case([], 2, r"^usage: ")


# == the harness ============================================================================================

def run_cli_plain(argv) -> int:
    from txmalign_gui.cli import main

    return main([str(a) for a in argv])


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_input(name, tmp_path, capsys, monkeypatch):
    builder = CASES[name]
    wants_monkeypatch = "monkeypatch" in inspect.signature(builder).parameters
    spec = builder(tmp_path, monkeypatch=monkeypatch) if wants_monkeypatch else builder(tmp_path)
    if spec is None:  # a case checked directly at the API
        return
    before = snapshot(tmp_path)
    code, out, err = run_cli(capsys, spec.argv)
    assert "Traceback" not in out + err, err
    assert code == spec.code, (code, out, err)
    first = _first_line(code, out, err)
    assert re.search(spec.first_line, first), (first, out, err)
    after = snapshot(tmp_path)
    for path, digest in before.items():
        assert after.get(path) == digest, f"{path} changed"
    assert not [p for p in after if p.endswith(".partial")], after
    if spec.check is not None:
        spec.check(tmp_path, out, err)


def test_there_are_at_least_150_cases():
    assert len(CASES) >= 150, len(CASES)


def test_null_result_guard_is_in_the_engine_so_the_app_gets_it_too(monkeypatch):
    from txmalign_gui.engine.stack import align_stack

    monkeypatch.setattr("txmalign_gui.engine.stack.align._align_tree", _zero_registrations)
    result = align_stack(shifted_stack(), method="phasecorr")
    assert result.statuses.count("low_confidence") == 4 and "exactly 0 px" in result.messages[-1]
    assert sorted(result.confidences)[:4] == [0.2] * 4
