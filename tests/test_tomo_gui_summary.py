"""The tomography result display states the rotation axis' offset and tilt (and the pairwise fallback)."""

import numpy as np

from txmalign_gui.engine.tomo import TomoIteration, TomoResult
from txmalign_gui.gui.tomo.jitter_plot import JitterPlot


def make_result(**changes):
    angles = np.linspace(0.0, 180.0, 10)
    values = dict(transforms=np.zeros((10, 3)), angles_deg=angles, centre_offset=3.25,
                  iterations=[TomoIteration(1, 0, 0.01, 0.02, 0.1)], params={"centre_axis": True},
                  seconds=1.5, converged=True, axis_tilt_deg=-1.234)
    values.update(changes)
    return TomoResult(**values)


def test_summary_shows_axis_offset_and_tilt(qtbot):
    plot = JitterPlot()
    qtbot.addWidget(plot)
    plot.show_result(make_result())
    text = plot.summary.text()
    assert "+3.25 px" in text and "tilted -1.234 deg" in text and "converged" in text


def test_summary_tells_a_pairwise_fallback(qtbot):
    plot = JitterPlot()
    qtbot.addWidget(plot)
    plot.show_result(make_result(centre_offset=float("nan"), iterations=[], converged=False,
                                 pairwise_fallback=True))
    assert "pairwise" in plot.summary.text() and "not located" in plot.summary.text()
