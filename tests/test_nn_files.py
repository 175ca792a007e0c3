"""Model files: an MLP saved as its architecture and state_dict in JSON, written whole or
not at all, read with limits; files in the first format (version 1) still load.  More
hostile files are in test_hostile_inputs.py."""

import json
import math
import os
import random
import re

import pytest

import micrograd.nn.mlp as mlp_module
from micrograd.nn import MLP
from micrograd.nn.files import MAX_FILE_BYTES, read_json, write_json
from tests.full_disk import fill_the_disk

# Written by micrograd's MLP.save before version 2, for MLP(3, [4, 2], activation="tanh",
# rng=random.Random(9)) with biases 0.5, -0.25, 0.125, 1.5 | -0.75, 0.0625.
VERSION_1_FILE = (
    '{"format": "micrograd.MLP", "version": 1, "nin": 3, "nouts": [4, 2], '
    '"activation": "tanh", "output_activation": "linear", "layers": [[{"w": ['
    '-0.0739852843699571, -0.2533761372099159, -0.7229211749710895], "b": 0.5}, {"w": ['
    '0.7331236999726827, -0.9871298918377533, 0.005564160104416738], "b": -0.25}, {"w": ['
    '0.7965959400638762, -0.838370705633998, 0.10854093635657214], "b": 0.125}, {"w": ['
    '0.2333000853672369, -0.9182084690303769, -0.2419607912091286], "b": 1.5}], [{"w": ['
    "0.4069607845874941, -0.09595815909994854, 0.4501307371644181, -0.6856856768067483], "
    '"b": -0.75}, {"w": ['
    "-0.5239755950669345, -0.7781049440439707, 0.012538103337964568, 0.847659572824591], "
    '"b": 0.0625}]]}'
)


def test_save_and_load_round_trip(tmp_path):
    model = MLP(3, [4, 2], activation="tanh", output_activation="sigmoid", rng=random.Random(9))
    path = tmp_path / "model.json"
    model.save(path)
    loaded = MLP.load(path)
    assert repr(loaded) == repr(model)
    assert [p.data for p in loaded.parameters()] == [p.data for p in model.parameters()]
    x = [0.1, 0.2, -0.3]
    assert [v.data for v in loaded(x)] == [v.data for v in model(x)]
    document = json.loads(path.read_text())
    assert document["format"] == "micrograd.MLP" and document["version"] == 2
    assert document["state_dict"] == model.state_dict()  # the file is the state_dict


def test_a_version_1_file_loads_with_the_same_numbers(tmp_path):
    path = tmp_path / "old.json"
    path.write_text(VERSION_1_FILE)
    model = MLP.load(path)
    assert repr(model) == (
        "MLP of [Layer of [TanhNeuron(3), TanhNeuron(3), TanhNeuron(3), TanhNeuron(3)], "
        "Layer of [LinearNeuron(4), LinearNeuron(4)]]"
    )
    saved = json.loads(VERSION_1_FILE)["layers"]
    assert [p.data for p in model.parameters()] == [
        x for layer in saved for neuron in layer for x in (*neuron["w"], neuron["b"])
    ]
    # The outputs today's code gave for this file, before the file format changed.
    assert [v.data for v in model([0.1, 0.2, -0.3])] == [-1.0873823557613806, 0.7919972638716056]
    model.save(path)  # saved again, it is a version 2 file of the same model
    assert json.loads(path.read_text())["version"] == 2
    assert MLP.load(path).state_dict() == model.state_dict()


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda t: t[: len(t) // 2], "not valid JSON"),
        (lambda t: "", "not valid JSON"),
        (lambda t: "[1, 2, 3]", "not a micrograd MLP"),
        (lambda t: t.replace('"version": 1', '"version": 99'), "format version 99"),
        (lambda t: t.replace('"nouts": [4, 2]', '"nouts": [4, 3]'), "layer 1 should have 3"),
        (lambda t: t.replace('"nin": 3', '"nin": 2'), "layer 0 neuron 0 needs 2 numeric"),
        (lambda t: t.replace('"nin": 3', '"nin": "3"'), "positive whole numbers"),
        (lambda t: t.replace('"activation": "tanh"', '"activation": "magic"'), "activations"),
        (lambda t: t.replace('"b": ', '"b": "x", "old_b": ', 1), "numeric weights and a bias"),
    ],
)
def test_corrupt_version_1_files_raise_value_error_saying_what_is_wrong(tmp_path, change, message):
    path = tmp_path / "model.json"
    path.write_text(change(VERSION_1_FILE))  # what MLP(3, [4, 2], "tanh", rng=Random(9)) saved
    with pytest.raises(ValueError, match=message):
        MLP.load(path)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(version=99), "format version 99"),
        (lambda d: d.update(version=True), "format version True; this micrograd reads 1 and 2"),
        (lambda d: d.update(version=2.0), "format version 2.0; this micrograd reads 1 and 2"),
        (lambda d: d.update(version=1.0), "format version 1.0; this micrograd reads 1 and 2"),
        (
            lambda d: d["state_dict"]["layers.0.bias"].__setitem__(1, math.nan),
            "it holds NaN, and a model file holds only finite numbers",
        ),
        (
            lambda d: d.update(nouts=[4, 3]),
            r"'layers.1.weight' has shape \(2, 4\), expected \(3, 4\)",
        ),
        (lambda d: d.update(nin=2), r"'layers.0.weight' has shape \(4, 3\), expected \(4, 2\)"),
        (lambda d: d.update(nin="3"), "positive whole numbers"),
        (lambda d: d.update(activation="magic"), "activations"),
        (lambda d: d.pop("state_dict"), "'state_dict' must be an object of weights"),
        (lambda d: d["state_dict"].pop("layers.1.bias"), "missing key 'layers.1.bias'"),
        (lambda d: d["state_dict"].update(extra=[1.0]), "unexpected key 'extra'"),
        (
            lambda d: d["state_dict"]["layers.0.bias"].__setitem__(2, "x"),
            r"'layers.0.bias'\[2\] is 'x'",
        ),
    ],
)
def test_corrupt_files_raise_value_error_saying_what_is_wrong(tmp_path, change, message):
    path = tmp_path / "model.json"
    MLP(3, [4, 2], activation="tanh", rng=random.Random(9)).save(path)
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))
    with pytest.raises(ValueError, match=f"^MLP.load: {re.escape(str(path))}: .*{message}"):
        MLP.load(path)


def test_binary_garbage_is_a_value_error(tmp_path):
    path = tmp_path / "model.json"
    path.write_bytes(b"\x80\x81\xff\x00")
    with pytest.raises(ValueError, match="not"):
        MLP.load(path)


def test_saving_nan_weights_is_refused(tmp_path):
    model = MLP(2, [1], rng=random.Random(0))
    model.parameters()[0].data = math.nan
    with pytest.raises(ValueError, match="NaN"):
        model.save(tmp_path / "model.json")


def test_saving_through_a_link_replaces_the_file_it_points_to(tmp_path):
    (tmp_path / "models").mkdir()
    target = tmp_path / "models" / "model.json"
    MLP(1, [1], rng=random.Random(0)).save(target)
    link = tmp_path / "latest.json"
    link.symlink_to(target)
    model = MLP(2, [3, 1], rng=random.Random(1))
    model.save(link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert MLP.load(target).state_dict() == model.state_dict()
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["latest.json", "model.json", "models"]


def test_json_round_trips_and_the_limit_is_64_mib(tmp_path):
    path = tmp_path / "data.json"
    write_json(path, {"a": [1, 2.5, "x"]}, who="test")
    assert read_json(path, who="test") == {"a": [1, 2.5, "x"]}
    assert MAX_FILE_BYTES == 64 * 2**20
    with pytest.raises(ValueError, match=f"^test: {re.escape(str(path))} is larger than 0 MiB"):
        read_json(path, who="test", limit=10)
    with pytest.raises(ValueError, match=r"^test: the weights hold NaN or infinity"):
        write_json(path, {"a": math.inf}, who="test")
    assert read_json(path, who="test") == {"a": [1, 2.5, "x"]}  # the old file, untouched


# --- Hostile inputs (issue 15's probe) ----------------------------------------


def model_document(weight):
    return (
        '{"format": "micrograd.MLP", "version": 1, "nin": 1, "nouts": [1], '
        '"activation": "relu", "output_activation": "linear", '
        f'"layers": [[{{"w": [{weight}], "b": 0.0}}]]}}'
    )


@pytest.mark.parametrize(
    "text, why",
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        (model_document("1" + "0" * 400), "is too large for a float"),
        (model_document("1e400"), "the number 1e400 is too large for a float"),
        (model_document("-1e400"), "too large for a float"),
        (model_document("7" * 5000), "(5000 digits) is too large for a float"),
        (model_document("NaN"), "it holds NaN, and a model file holds only finite numbers"),
        (model_document("Infinity"), "it holds Infinity"),
        (model_document("-Infinity"), "it holds -Infinity"),
    ],
)
def test_hostile_model_files_are_value_errors_saying_what_is_wrong(tmp_path, text, why):
    path = tmp_path / "model.json"
    path.write_text(text)
    with pytest.raises(ValueError) as caught:
        MLP.load(path)
    assert type(caught.value) is ValueError
    message = str(caught.value)
    assert message.startswith(f"MLP.load: {path}") and why in message, message


def test_a_large_but_finite_whole_number_weight_loads(tmp_path):
    path = tmp_path / "model.json"
    path.write_text(model_document("1" + "0" * 300))
    assert MLP.load(path).parameters()[0].data == 1e300


def test_an_endless_file_is_read_only_up_to_the_limit(tmp_path):
    link = tmp_path / "model.json"
    link.symlink_to("/dev/zero")
    with pytest.raises(ValueError, match=r"is larger than 64 MiB"):
        MLP.load(link)
    assert MAX_FILE_BYTES == 64 * 2**20


def test_a_file_just_over_the_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(mlp_module, "MAX_FILE_BYTES", 100)
    path = tmp_path / "model.json"
    MLP(1, [1], rng=random.Random(0)).save(path)
    assert len(path.read_bytes()) > 100
    with pytest.raises(ValueError, match="is larger than"):
        MLP.load(path)


def test_save_is_atomic_when_the_disk_fills(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    old = MLP(2, [3, 1], rng=random.Random(1))
    old.save(path)
    before = path.read_bytes()
    new = MLP(2, [3, 1], rng=random.Random(2))
    fill_the_disk(monkeypatch)
    with pytest.raises(OSError, match="No space left"):
        new.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before  # the old model, whole
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]  # no temporary file left
    assert [p.data for p in MLP.load(path).parameters()] == [p.data for p in old.parameters()]


def test_save_keeps_the_mode_of_the_file_it_replaces(tmp_path):
    path = tmp_path / "model.json"
    path.write_text("old")
    path.chmod(0o640)
    MLP(1, [1], rng=random.Random(0)).save(path)
    assert path.stat().st_mode & 0o777 == 0o640
    assert MLP.load(path).summary() == "MLP(1 -> 1 linear), 2 parameters"
