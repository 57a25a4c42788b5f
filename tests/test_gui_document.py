"""The Qt-free document (undo/redo, reset, set) and the generic job runner (any job with run(progress))."""

import threading

import numpy as np
import pytest

from txmalign_gui.engine.errors import InputError
from txmalign_gui.gui.document import Document, Probe, ProfileLine


def test_edits_undo_and_redo_in_order_and_listeners_hear_the_fields():
    document = Document()
    heard = []
    document.subscribe(lambda fields, frames: heard.append((set(fields), frames)))
    document.reset("stack")
    document.edit("Draw a point", probes=(Probe("point 1", "point", (1, 2, 3, 4), "#f00"),))
    document.edit("Exclude frame 2", excluded=frozenset({2}))
    document.edit("Nudge", frames=(2,), alignment="moved")
    assert document.undo_text() == "Nudge" and heard[-1] == ({"alignment"}, (2,))
    assert document.undo() and document.alignment is None and heard[-1] == ({"alignment"}, (2,))
    assert document.undo() and document.excluded == frozenset()
    assert document.redo() and document.excluded == {2}
    assert document.redo_text() == "Nudge"
    document.edit("Exclude frame 3", excluded=frozenset({2, 3}))  # a new edit drops what could be redone
    assert document.redo_text() is None
    document.edit("Same again", excluded=frozenset({2, 3}))  # no change, no history entry
    assert document.undo_text() == "Exclude frame 3"


def test_reset_forgets_everything_and_set_drops_stale_history():
    document = Document()
    document.reset("a")
    document.edit("Mask", mask=np.ones((2, 2), bool))
    document.edit("Nudge", alignment="nudged")
    document.set(alignment="new run")  # a run replaces the alignment: its nudges cannot be undone onto it
    assert document.undo_text() == "Mask"
    document.reset("b")
    assert document.stack == "b" and document.mask is None and document.undo_text() is None
    with pytest.raises(ValueError):
        document.edit("Open", stack="c")  # opening a file is not an undoable edit
    with pytest.raises(ValueError):
        document.set(nonsense=1)


def test_probes_and_lines_survive_a_json_round_trip():
    mask = np.zeros((5, 6), bool)
    mask[1:3, 2:5] = True
    probe = Probe("mask 1", "mask", (1, 3, 2, 5), "#00f", visible=False, mask=mask)
    back = Probe.from_dict(probe.to_dict())
    assert back.name == "mask 1" and back.rect == (1, 3, 2, 5) and not back.visible
    np.testing.assert_array_equal(back.mask, mask)
    line = ProfileLine((1.5, 2.0), (10.0, 20.25), 3, (4.0, 9.0))
    assert ProfileLine.from_dict(line.to_dict()) == line


def test_a_probe_keeps_its_key_through_edits_and_new_probes_get_new_ones():
    from dataclasses import replace

    first, second = Probe("a", "region", (0, 2, 0, 2), "#f00"), Probe("a", "region", (0, 2, 0, 2), "#f00")
    assert first.key != second.key and first == second          # the key names a probe, it is not its content
    renamed = replace(replace(first, name="empty beam"), rect=(1, 3, 1, 3))
    assert renamed.key == first.key and renamed != first


class CountingJob:
    """A job the runner has never heard of: counts, tells each step as news, stops when cancelled."""

    def __init__(self, steps, gate=None, fail=False):
        self.steps, self.gate, self.fail, self.news = steps, gate, fail, None

    def run(self, progress):
        for step in range(self.steps):
            if self.gate is not None:
                self.gate.wait(5)
            self.news(step)
            progress.update((step + 1) / self.steps, f"step {step}")
        if self.fail:
            raise InputError("this job fails on purpose")
        return self.steps * 10


def test_runner_runs_any_job_reports_news_and_cancels(qtbot):
    from txmalign_gui.gui.job_runner import JobRunner

    runner = JobRunner()
    news, done = [], []
    runner.news.connect(lambda job, item: news.append(item))
    runner.finished.connect(lambda job, output: done.append((job, output)))
    job = CountingJob(4)
    job.news = runner.post_news
    with qtbot.waitSignal(runner.finished, timeout=5000):
        runner.start(job)
    assert done == [(job, 40)] and news == [0, 1, 2, 3] and not runner.running

    gate = threading.Event()
    slow = CountingJob(1000, gate=gate)
    slow.news = runner.post_news
    with qtbot.waitSignal(runner.cancelled, timeout=5000) as blocker:
        runner.start(slow)
        runner.cancel()
        gate.set()
    assert blocker.args == [slow] and not runner.running

    failing = CountingJob(1, fail=True)
    failing.news = runner.post_news
    with qtbot.waitSignal(runner.failed, timeout=5000) as blocker:
        runner.start(failing)
    assert blocker.args == [failing, "this job fails on purpose"]
    runner.wait()
