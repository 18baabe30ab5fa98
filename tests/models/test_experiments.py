"""The experiment files compile, build working networks, state the before/after, and ablate cleanly."""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import pytest
import torch

from ukiyoe.config import activate, compile_experiment
from ukiyoe.config.diff import diff_configs
from ukiyoe.config.registry import find_target
from ukiyoe.configurables import CONFIGURABLE_MODULES

REPO = Path(__file__).resolve().parents[2]
EXPERIMENTS = REPO / "experiments"
FIX_LINE = re.compile(r"^include '(fixes/\w+\.gin)'$", re.MULTILINE)
PARAMS = """
seed: 0
profile: {profile}
gen_lr: 5.0e-05
disc_lr: 1.0e-04
nca_lr: 2.0e-05
transformer_lr: 3.0e-05
epochs: 10
batch_size: 32
resolution: 32
"""
LEARNING_RATES = {"generator": 5e-5, "discriminator": 1e-4, "nca": 2e-5, "critic": 3e-5}


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    """A copy of the experiment tree with params files for both profiles (ablation variants go in it)."""
    root = tmp_path_factory.mktemp("repo")
    shutil.copytree(EXPERIMENTS, root / "experiments")
    for profile in ("demo", "full"):
        (root / f"{profile}.yaml").write_text(PARAMS.format(profile=profile))
    return root


def _compile(tree: Path, experiment: str, profile: str = "demo"):
    return compile_experiment(tree / "experiments" / experiment, tree / f"{profile}.yaml",
                              modules=CONFIGURABLE_MODULES)


@pytest.mark.parametrize("profile", ["demo", "full"])
@pytest.mark.parametrize("experiment", ["collapsed.gin", "fixed.gin", "modern.gin"])
def test_experiments_compile_and_build_working_networks(tree, experiment, profile):
    activate(_compile(tree, experiment, profile), CONFIGURABLE_MODULES)
    from ukiyoe.gan.assemble import assemble

    torch.manual_seed(0)
    experiment = assemble()
    networks = experiment.networks
    assert networks.generator.resolution == 32 and networks.critic is not None
    assert set(experiment.optimizers) == {"generator", "nca", "discriminator", "critic"}
    if profile == "demo":
        z = torch.randn(2, networks.generator.z_dim)
        stats = experiment.loss.accumulate_gradients("G", torch.zeros(2, 3, 32, 32), z, epoch=1)
        assert all(math.isfinite(float(value)) for value in stats.values())


def test_collapsed_uses_literal_learning_rates_and_fixed_the_swept_ones(tree):
    collapsed, fixed = _compile(tree, "collapsed.gin"), _compile(tree, "fixed.gin")
    for network, value in LEARNING_RATES.items():
        key = f"LearningRates.{network}"
        assert collapsed.flat[key] == 2e-4 and "macro" not in collapsed.provenance["bindings"][key]
        assert fixed.flat[key] == value and fixed.provenance["bindings"][key]["macro"]
    assert set(collapsed.provenance["unused_params"]) >= {"gen_lr", "disc_lr", "nca_lr", "transformer_lr"}


def test_full_profile_has_the_seeds_schedule(tree):
    activate(_compile(tree, "fixed.gin", "full"), CONFIGURABLE_MODULES)
    from ukiyoe.gan.schedules import IsolationSchedule, NCriticSchedule

    n_critic, isolation = NCriticSchedule(), IsolationSchedule()
    assert (n_critic(1), n_critic(100), n_critic(101)) == (3, 3, 2)
    assert [isolation.phase(e) for e in (1, 200, 201, 250, 251)] == [1, 1, 2, 2, 3]
    assert isolation.weight(250) == 0.0 and isolation.weight(275) == pytest.approx(0.5)
    activate(_compile(tree, "collapsed.gin", "full"), CONFIGURABLE_MODULES)
    assert NCriticSchedule()(1) == 1 and IsolationSchedule().weight(1) == 1.0


def test_demo_profile_passes_every_phase_in_ten_epochs(tree):
    activate(_compile(tree, "fixed.gin"), CONFIGURABLE_MODULES)
    from ukiyoe.gan.schedules import GrowthCurriculum, IsolationSchedule, NCriticSchedule

    epochs = range(1, 11)
    assert [NCriticSchedule()(e) for e in epochs] == [3, 3, 3, 2, 2, 2, 2, 2, 2, 2]
    assert [IsolationSchedule().phase(e) for e in epochs] == [1, 1, 1, 1, 2, 2, 3, 3, 3, 3]
    assert [round(IsolationSchedule().weight(e), 2) for e in epochs] == [0] * 6 + [0.33, 0.67, 1.0, 1.0]
    assert GrowthCurriculum().growth_boost(1) > GrowthCurriculum().growth_boost(3) > 0


def test_config_diff_shows_every_fix(tree):
    rows = {
        row.key: row for row in diff_configs(_compile(tree, "collapsed.gin"), _compile(tree, "fixed.gin"))
    }
    for key in (
        "LearningRates.generator",
        "LearningRates.discriminator",
        "LearningRates.nca",
        "LearningRates.critic",
        "NCriticSchedule.early",
        "NCriticSchedule.late",
        "GANLoss.gradient_penalty",
        "GradientPenalty.weight",
        "GANLoss.label_smoothing",
        "LabelSmoothing.real_target",
        "GANLoss.instance_noise",
        "InstanceNoise.sigma",
        "Discriminator.dropout",
        "IsolationSchedule.enabled",
        "SynthesisNetwork.init",
        "SynthesisNetwork.adain_normalize",
        "NCARefiner.conditioning",
        "NCARefiner.normalization",
        "GrowthCurriculum.enabled",
    ):
        assert key in rows, key


def test_every_fix_file_belongs_to_an_experiment(tree):
    included = {fix for name in ("fixed.gin", "modern.gin")
                for fix in FIX_LINE.findall((tree / "experiments" / name).read_text())}
    assert included == {f"fixes/{p.name}" for p in (tree / "experiments" / "fixes").glob("*.gin")}


@pytest.mark.parametrize("experiment", ["fixed.gin", "modern.gin"])
def test_dropping_one_fix_reverts_exactly_its_settings_to_the_collapsed_values(tree, experiment):
    fixed_text = (tree / "experiments" / experiment).read_text()
    fixes = FIX_LINE.findall(fixed_text)
    fixed, collapsed = _compile(tree, experiment), _compile(tree, "collapsed.gin")
    for fix in fixes:
        variant = tree / "experiments" / "ablated.gin"
        variant.write_text(fixed_text.replace(f"include '{fix}'\n", ""))
        ablated = _compile(tree, "ablated.gin").flat
        changed = {key for key in fixed.flat if _value(ablated, key) != fixed.flat[key]}
        assert changed, f"dropping {fix} changes nothing"
        for key in changed:
            assert _value(ablated, key) == _value(collapsed.flat, key), f"{fix}: {key}"


def _value(flat: dict, key: str):
    """The compiled value of ``key``, or the configurable's default when the compiled config omits it."""
    if key in flat:
        return flat[key]
    selector, _, parameter = key.rpartition(".")
    return dict(find_target(selector, key).defaults)[parameter]
