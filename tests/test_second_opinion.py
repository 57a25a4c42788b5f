"""Second opinion: an independent method on the same pair(s), disagreements over 0.5 px flagged everywhere."""

import dataclasses
import json

import h5py
import numpy as np
from synthetic_pairs import make_pair

from txmalign_gui.cli import main
from txmalign_gui.engine import LOW_CONFIDENCE, OK, Transform, register_pair
from txmalign_gui.engine.check_params import DISAGREE_PX
from txmalign_gui.engine.second_opinion import second_opinion, with_second_opinion
from txmalign_gui.engine.stack import STACK_PARAMS, align_stack
from txmalign_gui.gui.alignment import Alignment
from txmalign_gui.gui.results_panel import ResultsPanel


def test_agreeing_methods_keep_ok_and_record_the_check():
    fixed, moving = make_pair(128, 3.2, -4.1, 0.0)
    result = register_pair(fixed, moving, "tvdm", check="phasecorr")
    check = result.details["check"]
    assert result.status == OK and check["agrees"] and check["difference_px"] < DISAGREE_PX
    assert result.to_dict()["check"]["method"] == "phasecorr"


def test_a_confident_disagreement_demotes_an_ok_answer():
    fixed, moving = make_pair(128, 3.2, -4.1, 0.0)
    right = register_pair(fixed, moving, "tvdm")
    wrong = dataclasses.replace(right, transform=Transform(right.dy + 1.5, right.dx, 0.0))
    opinion = second_opinion(fixed, moving, wrong, "masked_ncc")
    assert opinion.status == OK and not opinion.agrees and abs(opinion.difference_px - 1.5) < 0.2
    flagged = with_second_opinion(wrong, opinion)
    assert flagged.status == LOW_CONFIDENCE and "second opinion (masked_ncc:" in flagged.message


def test_translation_only_check_of_a_rotated_answer_compares_shifts():
    fixed, moving = make_pair(160, 2.5, -3.0, 6.0)
    primary = register_pair(fixed, moving, "tvdm", params={"rotation": True})
    opinion = second_opinion(fixed, moving, primary, "masked_ncc")
    assert opinion.transform.angle_deg == primary.angle_deg and opinion.agrees


def test_stack_check_is_a_stack_param_and_flags_images(tmp_path):
    assert any(p.name == "check_method" for p in STACK_PARAMS)  # so the GUI form and the CLI get it
    fixed, moving = make_pair(96, 2.2, -1.7, 0.0)
    stack = np.stack([fixed, moving, fixed])
    result = align_stack(stack, "tvdm", check_method="phasecorr")
    assert np.isnan(result.check_differences[1]) and np.all(result.check_differences[[0, 2]] < DISAGREE_PX)
    assert result.check_disagreements == [] and result.to_dict()["check_method"] == "phasecorr"


def test_cli_register_check_and_align_check_method(tmp_path, capsys):
    fixed, moving = make_pair(96, 2.2, -1.7, 0.0)
    np.save(tmp_path / "f.npy", fixed)
    np.save(tmp_path / "m.npy", moving)
    np.save(tmp_path / "s.npy", np.stack([fixed, moving, fixed]))
    assert main(["register", str(tmp_path / "f.npy"), str(tmp_path / "m.npy"), "--check", "--json"]) == 0
    line = json.loads(capsys.readouterr().out)
    assert line["check"]["method"] == "masked_ncc" and line["check"]["agrees"]
    out = tmp_path / "a.h5"
    code = main(["align", str(tmp_path / "s.npy"), "--out", str(out), "--check-method", "phasecorr",
                 "--jobs", "1", "--transforms-csv", str(tmp_path / "t.csv")])
    assert code == 0 and "agrees on every image" in capsys.readouterr().out
    with h5py.File(out) as handle:
        differences = handle["check_differences_px"][()]
    assert np.isnan(differences[1]) and np.all(differences[[0, 2]] < DISAGREE_PX)
    assert (tmp_path / "t.csv").read_text().splitlines()[0].endswith("check_differences_px")
    bad = main(["align", str(tmp_path / "s.npy"), "--out", str(tmp_path / "b.h5"), "--check-method", "nope"])
    assert bad == 2 and not (tmp_path / "b.h5").exists()  # one line naming the parameter, exit 2


def test_results_table_shows_the_check_column(owned):
    alignment = Alignment(transforms=np.zeros((3, 3)), costs=np.zeros(3), confidences=np.ones(3),
                          statuses=(OK, OK, LOW_CONFIDENCE), method="tvdm", params={}, stack_options={},
                          anchor=0, seconds=1.0, check_differences=np.array([np.nan, 0.1, 1.4]))
    panel = ResultsPanel()
    owned(panel)
    panel.show_alignment(alignment)
    column = panel.table.columnCount() - 1
    assert panel.table.horizontalHeaderItem(column).text() == "Check (px)"
    assert [panel.table.item(row, column).text() for row in range(3)] == ["", "0.10", "1.40 !"]
    restored = Alignment.from_dict(json.loads(json.dumps(alignment.to_dict())))
    np.testing.assert_allclose(restored.check_differences, alignment.check_differences)
