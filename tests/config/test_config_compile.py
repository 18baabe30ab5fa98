"""Compiling real gin trees: precedence, includes, macros, defaults, outputs, activation, Sacred."""

from __future__ import annotations

import json
import os
from pathlib import Path

import config_toy_configurables as toy
import pytest
from config_tree import TOY_MODULES, write_tree

from ukiyoe.config import activate, compile_experiment, load_compiled, to_sacred_config


def compile_toy(tree: Path, experiment: str = "fixed.gin", params: str | None = "params.yaml", binds=(),
                out: str | None = None):
    return compile_experiment(
        tree / "experiments" / experiment,
        tree / params if params else None,
        binds,
        tree / out if out else None,
        modules=TOY_MODULES,
    )


def test_values_and_sources_follow_precedence_gin_profile_params_bind(tree: Path) -> None:
    write_tree(tree, {
        "experiments/profiles/small.gin": "toy_train.batch_size = 2\nEPOCHS = 4\ntoy_train.tag = 'profile'\n",
        "params.yaml": "profile: small\nseed: 7\ngen_lr: 5e-05\ndisc_lr: 0.0002\nepochs: 5\n",
    })
    compiled = compile_toy(tree, binds=["toy_train.tag = 'bound'", "DISC_LR=1e-3"])
    flat, bindings = compiled.flat, compiled.provenance["bindings"]
    assert flat["ToyGenerator.z_dim"] == 64
    assert bindings["ToyGenerator.z_dim"]["source"] == "experiments/components/networks.gin:1"
    assert (flat["toy_train.batch_size"], bindings["toy_train.batch_size"]["source"]) == (
        2, "experiments/profiles/small.gin:1")
    # EPOCHS: base.gin 3 < profile 4 < params.yaml 5
    assert (flat["toy_train.epochs"], bindings["toy_train.epochs"]["source"]) == (5, "params.yaml:epochs")
    assert compiled.provenance["macros"]["EPOCHS"]["overrides"] == [
        {"value": 3, "statement": "experiments/base.gin:5"},
        {"value": 4, "statement": "experiments/profiles/small.gin:2"},
    ]
    assert (flat["toy_train.tag"], bindings["toy_train.tag"]["source"]) == ("bound", "--bind")
    assert bindings["toy_train.tag"]["overrides"] == [
        {"value": "profile", "statement": "experiments/profiles/small.gin:3"}]
    lr = "toy_build_optimizers.discriminator_lr"
    assert (flat[lr], bindings[lr]["source"], bindings[lr]["macro"]) == (1e-3, "--bind", "DISC_LR")
    assert compiled.provenance["profile"] == "small"


def test_includes_resolve_relative_to_the_including_file_from_any_working_directory(
    tree: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tree, {
        "experiments/fixes/nested.gin": "include '../components/networks.gin'\n"
                                        "ToyGenerator.use_nca = False\n",
        "experiments/deep.gin": "include 'fixes/nested.gin'\n",
    })
    outputs = []
    for cwd in (tree, tmp_path_factory.mktemp("elsewhere")):
        monkeypatch.chdir(cwd)
        out = tmp_path_factory.mktemp("out")
        compile_experiment(tree / "experiments/deep.gin", None, out=out, modules=TOY_MODULES)
        outputs.append({name: (out / name).read_bytes() for name in os.listdir(out)})
    assert outputs[0] == outputs[1]
    provenance = json.loads(outputs[0]["provenance.json"])
    assert [f["path"] for f in provenance["files"]] == [
        "experiments/deep.gin", "experiments/fixes/nested.gin", "experiments/components/networks.gin"]
    assert provenance["bindings"]["ToyGenerator.use_nca"]["source"] == "experiments/fixes/nested.gin:2"


def test_dvc_scientific_string_becomes_a_float_macro(tree: Path) -> None:
    compiled = compile_toy(tree)
    assert compiled.flat["toy_build_optimizers.generator_lr"] == 5e-05
    assert "toy_build_optimizers.generator_lr = 5e-05\n" in compiled.operative_gin
    assert compiled.provenance["macros"]["GEN_LR"] == {"value": 5e-05, "source": "params.yaml:gen_lr"}


def test_a_value_written_by_dvc_exp_run_set_param_compiles_as_a_float(tree: Path) -> None:
    from dvc.utils.hydra import apply_overrides  # what `dvc exp run -S gen_lr=5e-5` calls

    apply_overrides(tree / "params.yaml", ["gen_lr=5e-5", "disc_lr=1e-4"])
    assert "gen_lr: 5e-05\n" in (tree / "params.yaml").read_text()
    compiled = compile_toy(tree)
    assert compiled.flat["toy_build_optimizers.generator_lr"] == 5e-05
    assert compiled.flat["toy_build_optimizers.discriminator_lr"] == 1e-4


def test_without_params_only_gin_macros_exist(tree: Path) -> None:
    write_tree(tree, {"experiments/plain.gin": "include 'components/networks.gin'\nEPOCHS = 2\n"
                                               "toy_train.epochs = %EPOCHS\n"})
    compiled = compile_toy(tree, "plain.gin", params=None)
    assert compiled.flat["toy_train.epochs"] == 2
    assert compiled.provenance["params"] is None
    assert compiled.provenance["bindings"]["toy_train.epochs"]["source"] == "experiments/plain.gin:2"


def test_defaults_of_used_configurables_are_filled_in_and_unrepresentable_ones_left_out(tree: Path) -> None:
    write_tree(tree, {"experiments/refs.gin": "toy_build_optimizers.factory = @gen/ToyOptimizer\n"})
    compiled = compile_toy(tree, "refs.gin", params=None)
    assert compiled.flat["gen/ToyOptimizer.lr"] == 0.001
    assert compiled.flat["gen/ToyOptimizer.betas"] == [0.0, 0.99]
    assert compiled.provenance["bindings"]["gen/ToyOptimizer.lr"]["source"] == "default"
    assert compiled.flat["toy_build_optimizers.nca_lr"] == 1e-4
    assert "gen/ToyOptimizer.scale" not in compiled.flat  # inf has no gin literal
    assert "toy_build_optimizers.generator" not in compiled.flat  # gin.REQUIRED
    assert "ToyGenerator.z_dim" not in compiled.flat  # never used by this experiment


def test_outputs_are_written_byte_identically_and_load_back(tree: Path) -> None:
    first = compile_toy(tree, out="a")
    second = compile_toy(tree, out="b")
    for name in ("operative.gin", "config.json", "provenance.json", "config.sha256"):
        assert (tree / "a" / name).read_bytes() == (tree / "b" / name).read_bytes()
    loaded = load_compiled(tree / "a")
    assert (loaded.flat, loaded.provenance, loaded.sha256) == (first.flat, first.provenance, second.sha256)
    assert loaded.operative_gin == first.operative_gin


def test_activate_makes_the_compiled_values_gins_config(tree: Path) -> None:
    activate(load_compiled(compile_toy(tree, binds=["toy_train.dropout = 0.25"], out="out").directory),
             modules=TOY_MODULES)
    assert toy.toy_train() == (5, 8, 7, 0.25, "run")
    assert toy.toy_build_optimizers(generator=None)[:2] == (5e-05, 0.0002)


def test_sacred_accepts_the_config(tree: Path) -> None:
    from sacred import Experiment

    odd = "include 'fixed.gin'\nToyGenerator.blocks = {'a.b': 1, '$x': 2}\n"
    write_tree(tree, {"experiments/odd.gin": odd})
    compiled = compile_toy(tree, "odd.gin")
    experiment = Experiment("config-check", interactive=True)
    experiment.add_config(to_sacred_config(compiled))
    seen = {}

    @experiment.main
    def record(_config):
        seen.update(_config)

    experiment.run(options={"--loglevel": "ERROR"})
    assert seen["config_sha256"] == compiled.sha256
    assert seen["gin"]["ToyGenerator"]["blocks"] == {"a·b": 1, "＄x": 2}
    assert seen["gin"]["toy_build_optimizers"]["generator_lr"] == 5e-05
