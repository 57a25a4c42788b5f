"""The parameter form is generated from the engine's own ParamSet and round-trips typed values."""

from txmalign_gui.engine.params import Param, ParamSet
from txmalign_gui.gui.param_form import ParamForm

PARAMS = ParamSet((
    Param("upsample", "Upsampling", int, 100, "Subpixel precision.", minimum=1, maximum=1000),
    Param("sigma", "Sigma", float, 0.5, "Blur before matching.", minimum=0.0, maximum=50.0),
    Param("tol", "Tolerance", float, 1e-6, "Stop when the cost changes less.", minimum=1e-9,
          advanced=True),
    Param("window", "Hann window", bool, True, "Taper the edges."),
    Param("strategy", "Strategy", str, "anchor", "How frames are chained.",
          choices=("anchor", "sequential", "chunked")),
    Param("anchor", "Anchor frame", int, None, "Reference frame; auto = middle.", minimum=0),
))


def test_form_shows_defaults_and_help(qtbot):
    form = ParamForm(PARAMS)
    qtbot.addWidget(form)
    assert form.values() == PARAMS.defaults()
    assert form.editor("sigma").toolTip() == "Blur before matching."
    assert form.editor("tol").value() == 1e-6


def test_edits_are_typed_and_resolve(qtbot):
    form = ParamForm(PARAMS)
    qtbot.addWidget(form)
    with qtbot.waitSignal(form.changed):
        form.editor("upsample").setValue(20)
    form.editor("window").setChecked(False)
    form.editor("strategy").setCurrentText("sequential")
    form.editor("anchor").setValue(7)
    values = form.values()
    assert values["upsample"] == 20 and values["window"] is False
    assert values["strategy"] == "sequential" and values["anchor"] == 7
    assert PARAMS.resolve(values) == values


def test_reset_and_advanced_section(qtbot):
    form = ParamForm(PARAMS)
    qtbot.addWidget(form)
    form.show()
    assert not form.editor("tol").isVisible()
    form.advanced_toggle.setChecked(True)
    assert form.editor("tol").isVisible()
    form.set_values({"sigma": 3.0, "anchor": 4, "not_a_param": 1})
    assert form.values()["sigma"] == 3.0
    form.reset_defaults()
    assert form.values() == PARAMS.defaults()


def test_a_minimum_with_a_meaning_of_its_own_shows_it(qtbot):
    from txmalign_gui.engine.stack.params import STACK_PARAMS

    form = ParamForm(STACK_PARAMS)
    qtbot.addWidget(form)
    jobs = form.editor("jobs")
    assert jobs.value() == 0 and jobs.text() == "one per core"
    jobs.setValue(2)
    assert jobs.text() == "2" and form.values()["jobs"] == 2
