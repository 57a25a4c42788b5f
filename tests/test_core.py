"""Parameters as data, progress/cancel and input validation of the engine core."""

import threading

import numpy as np
import pytest

from txmalign_gui.engine import register_pair
from txmalign_gui.engine.errors import Cancelled, InputError
from txmalign_gui.engine.params import Param, ParamSet, parse_assignments
from txmalign_gui.engine.progress import Progress, as_progress
from txmalign_gui.engine.validation import check_image, check_roi, parse_roi

PARAMS = ParamSet((
    Param("levels", "Levels", int, 5, "How many.", minimum=1, maximum=8),
    Param("sigma", "Sigma", float, 1.0, "Blur.", minimum=0.0),
    Param("rotation", "Rotation", bool, False, "Rotate."),
    Param("mode", "Mode", str, "a", "Which.", choices=("a", "b")),
))


def test_resolve_converts_strings_and_keeps_defaults():
    values = PARAMS.resolve({"levels": "3", "rotation": "yes", "sigma": "2.5"})
    assert values == {"levels": 3, "sigma": 2.5, "rotation": True, "mode": "a"}


@pytest.mark.parametrize("overrides, words", [
    ({"levels": "0"}, ">= 1"), ({"levels": "2.5"}, "expects int"), ({"mode": "c"}, "one of"),
    ({"nope": 1}, "unknown parameter 'nope'"), ({"rotation": "maybe"}, "expects bool"),
    ({"sigma": "nan"}, "expects float"),
])
def test_resolve_rejects_bad_values_clearly(overrides, words):
    with pytest.raises(InputError, match=words):
        PARAMS.resolve(overrides)


def test_parse_assignments():
    assert parse_assignments(["a=1", " b = x "]) == {"a": "1", "b": "x"}
    with pytest.raises(InputError):
        parse_assignments(["novalue"])


def test_progress_reports_and_cancels_at_next_update():
    seen = []
    progress = Progress(callback=lambda f, m: seen.append((round(f, 3), m)))
    child = progress.sub(0.5, 1.0)
    child.update(0.5, "half of the second half")
    assert seen[-1] == (0.75, "half of the second half")
    progress.cancel()
    with pytest.raises(Cancelled):
        child.update(0.6)


def test_as_progress_accepts_callables_and_events():
    event = threading.Event()
    progress = as_progress(lambda f, m: None, event)
    progress.update(0.1)
    event.set()
    with pytest.raises(Cancelled):
        progress.update(0.2)
    flag = {"stop": False}
    polled = as_progress(None, lambda: flag["stop"])
    polled.update(0.1)
    flag["stop"] = True
    with pytest.raises(Cancelled):
        polled.check()


def test_register_pair_honours_a_cancel_already_set():
    rng = np.random.default_rng(1)
    image = rng.random((32, 32))
    event = threading.Event()
    event.set()
    with pytest.raises(Cancelled):
        register_pair(image, image, method="phasecorr", cancel=event)


@pytest.mark.parametrize("image, words", [
    (np.zeros((0, 10)), "empty"), (np.ones((20, 20)), "constant"), (np.ones((4, 4, 4)), "2-D"),
    (np.array([[np.nan] * 10] * 10), "NaN"), (np.zeros((3, 3)), "too small"),
    (np.array([["a"] * 10] * 10), "numeric"),
])
def test_check_image_rejects_bad_images(image, words):
    with pytest.raises(InputError, match=words):
        check_image(image)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint16])
def test_check_image_finds_nan_and_constant_images_in_their_own_dtype(dtype):
    image = np.arange(100, dtype=dtype).reshape(10, 10)
    kept = check_image(image, keep_float32=True)
    assert kept.dtype == (np.float32 if dtype == np.float32 else np.float64)
    assert check_image(image).dtype == np.float64
    assert (kept is image) == (dtype != np.uint16)  # a float32 or float64 frame is not copied
    with pytest.raises(InputError, match="constant"):
        check_image(np.full((10, 10), 7, dtype=dtype), keep_float32=True)
    if dtype != np.uint16:
        for bad in (np.nan, np.inf):
            spoiled = image.copy()
            spoiled[3, 4] = bad
            with pytest.raises(InputError, match="1 NaN or infinite"):
                check_image(spoiled, keep_float32=True)


def test_register_pair_hands_float32_images_only_to_float32_methods(monkeypatch):
    from dataclasses import replace

    from txmalign_gui.engine import pair
    from txmalign_gui.engine.methods import get_method
    seen = {}

    def watched(name):
        spec = get_method(name)

        def run(fixed, *rest):
            seen[spec.name] = fixed.dtype
            return spec.run(fixed, *rest)
        return replace(spec, run=run)

    monkeypatch.setattr(pair, "get_method", watched)
    rng = np.random.default_rng(5)
    image = rng.random((48, 48)).astype(np.float32)
    for name in ("tvdm", "phasecorr"):
        register_pair(image, np.roll(image, 2, axis=0), method=name)
    assert seen == {"tvdm": np.float32, "phasecorr": np.float64}


def test_register_pair_rejects_mismatched_shapes_and_unknown_method():
    rng = np.random.default_rng(2)
    with pytest.raises(InputError, match="differ in shape"):
        register_pair(rng.random((32, 32)), rng.random((32, 40)), method="phasecorr")
    with pytest.raises(InputError, match="unknown method"):
        register_pair(rng.random((32, 32)), rng.random((32, 32)), method="magic")


def test_roi_parsing_and_bounds():
    assert parse_roi("10:50,20:60") == (10, 50, 20, 60)
    assert check_roi((slice(10, 50), slice(None)), (64, 64)) == (10, 50, 0, 64)
    with pytest.raises(InputError, match="does not fit"):
        check_roi((0, 100, 0, 10), (64, 64))
    with pytest.raises(InputError, match="Y0:Y1,X0:X1"):
        parse_roi("10-50")


def test_methods_that_rotate_take_the_shared_rotation_switch():
    from txmalign_gui.engine import available_methods

    for spec in available_methods():
        assert ("rotation" in spec.params) == spec.supports_rotation, spec.name
        assert all(p.help and p.label for p in spec.params), spec.name


def test_without_keeps_the_order_and_rejects_names_that_are_not_there():
    assert [p.name for p in PARAMS.without("sigma", "mode")] == ["levels", "rotation"]
    assert [p.name for p in PARAMS.without()] == [p.name for p in PARAMS]
    with pytest.raises(KeyError):
        PARAMS.without("sigma", "nope")
