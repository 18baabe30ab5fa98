"""Parsing ``dvc exp show --json``: the nested shape DVC 3 prints, and arbitrary JSON never crashing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ukiyoe.common.errors import UkiyoeError
from ukiyoe.compare.dvc_experiments import flatten, parse_exp_show, select


def commit(rev: str, name: str | None, params: dict, metrics: dict, experiments: list | None = None) -> dict:
    data = {"rev": rev, "timestamp": "2026-11-25T22:31:19",
            "params": {"params.yaml": {"data": params}},
            "metrics": {path: {"data": values} for path, values in metrics.items()},
            "deps": {}, "outs": {}, "meta": {}}
    return {"rev": rev, "name": name, "data": data, "error": None, "experiments": experiments}


def experiment(rev: str, name: str, state: str, params: dict, metrics: dict) -> dict:
    return {"revs": [commit(rev, name, params, metrics)], "name": name,
            "executor": {"state": state, "name": "dvc-task", "local": {"returncode": 0}}}


PAYLOAD = [
    commit("workspace", None, {"gen_lr": 0.0001}, {}),
    {**commit("a" * 40, "main", {"gen_lr": 0.0001}, {}),
     "experiments": [
         experiment("b" * 40, "exp-lr", "success", {"gen_lr": 5e-05, "train": {"epochs": 3}},
                    {"reports/fixed/metrics.json": {"collapse_score": 3, "nested": {"deep": 1}}}),
         experiment("c" * 40, "exp-queued", "queued", {"gen_lr": 0.001}, {}),
     ]},
]


def test_nested_payload_becomes_flat_records():
    records = parse_exp_show(PAYLOAD)
    assert [record.label for record in records] == ["workspace", "main", "exp-lr", "exp-queued"]
    assert [record.state for record in records] == ["workspace", "baseline", "success", "queued"]
    lr = records[2]
    assert lr.baseline == "a" * 40
    assert lr.param("gen_lr") == 5e-05
    assert lr.param("train.epochs") == 3
    assert lr.metric("collapse_score", "reports/fixed/metrics.json") == 3
    assert lr.metric("nested.deep", "reports/fixed/metrics.json") == 1


def test_metrics_file_that_failed_to_load_is_skipped():
    payload = [commit("workspace", None, {}, {})]
    payload[0]["data"]["metrics"] = {"m.json": {"error": {"type": "FileNotFoundError", "msg": "gone"}}}
    assert parse_exp_show(payload)[0].metrics == {}


def test_select_by_name_rev_prefix_and_workspace():
    records = parse_exp_show(PAYLOAD)
    assert [r.label for r in select(records, ["exp-queued", "bbbb", "workspace", "main"])] == [
        "exp-queued", "exp-lr", "workspace", "main"]


def test_unknown_experiment_lists_known_names():
    with pytest.raises(UkiyoeError, match=r"experiment 'nope' not found .*known: workspace, main, exp-lr"):
        select(parse_exp_show(PAYLOAD), ["nope"])


def test_payload_that_is_not_a_list_is_an_error():
    with pytest.raises(UkiyoeError, match="expected a JSON list of commits, found dict"):
        parse_exp_show({"rev": "workspace"})


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["rev", "name", "data", "experiments", "revs", "executor", "state", "params",
                         "metrics", "params.yaml", "timestamp", "x"]), children, max_size=5),
    max_leaves=30,
)


@settings(max_examples=100, deadline=None)
@given(st.lists(json_values, max_size=4))
def test_arbitrary_json_lists_never_crash(payload):
    for record in parse_exp_show(payload):
        assert isinstance(record.rev, str) and record.rev
        assert all(isinstance(values, dict) for values in record.metrics.values())


keys = st.text(alphabet="abcxyz_", min_size=1, max_size=5)


@given(st.dictionaries(keys, st.dictionaries(keys, st.integers(), min_size=1, max_size=3), max_size=4))
def test_flatten_joins_nested_keys_with_dots(nested):
    flat = flatten(nested)
    assert flat == {f"{outer}.{inner}": value for outer, inner_map in nested.items()
                    for inner, value in inner_map.items()}
