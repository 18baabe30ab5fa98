"""The params.yaml validator: valid blocks parse, anything else is one DataError naming the key."""

from __future__ import annotations

import re

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ukiyoe.common.errors import DataError
from ukiyoe.data.params import (
    DATA_KEYS,
    RESIZE_POLICIES,
    RESOLUTIONS,
    SOURCES,
    DataParams,
    load_params,
    parse_params,
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.lists(st.integers(), max_size=2),
)

valid_data = st.fixed_dictionaries(
    {
        "source": st.sampled_from(SOURCES),
        "path": st.text("abc/._-", min_size=1, max_size=20).filter(str.strip),
    },
    optional={
        "count": st.integers(1, 1_000_000),
        "resize": st.sampled_from(RESIZE_POLICIES),
        "max_pixels": st.integers(1, 2**40),
        "max_aspect": st.floats(1.0, 1000.0),
        "classifier": st.booleans(),
        "workers": st.one_of(st.none(), st.integers(1, 256)),
    },
)


@given(seed=st.integers(0, 2**32 - 1), resolution=st.sampled_from(RESOLUTIONS), data=valid_data)
def test_valid_blocks_parse_and_keep_their_values(seed, resolution, data):
    params = parse_params({"seed": seed, "resolution": resolution, "data": data, "gen_lr": 0.1})
    assert (params.seed, params.resolution) == (seed, resolution)
    for key, value in data.items():
        assert getattr(params, key) == value
    assert (
        parse_params(
            {
                "seed": seed,
                "resolution": resolution,
                "data": {k: v for k, v in params.to_dict().items() if k in DATA_KEYS},
            }
        )
        == params
    )


@settings(max_examples=150)
@given(
    raw=st.one_of(
        st.dictionaries(st.sampled_from(["seed", "resolution", "data"]), scalars),
        st.fixed_dictionaries(
            {"data": st.dictionaries(st.one_of(st.sampled_from(DATA_KEYS), st.text(max_size=8)), scalars)}
        ),
        scalars,
    )
)
def test_anything_else_is_accepted_or_one_clear_error(raw):
    try:
        params = parse_params(raw)
    except DataError as error:
        message = str(error)
        assert "\n" not in message
        assert re.match(r"params\.yaml: (seed|resolution|data|must be a mapping)\b", message), message
    else:
        assert isinstance(params, DataParams) and params.resolution in RESOLUTIONS


def test_unknown_key_suggests_the_close_one():
    with pytest.raises(DataError, match=r"params\.yaml: data\.coutn: unknown key \(did you mean 'count'\?\)"):
        parse_params({"data": {"coutn": 5}})


def test_path_is_required_for_file_sources_and_patch_range_is_ordered():
    with pytest.raises(DataError, match="data.path: is required for source 'folder'"):
        parse_params({"data": {"source": "folder"}})
    with pytest.raises(DataError, match="data.patch_min: must not exceed data.patch_max"):
        parse_params({"data": {"patch_min": 0.6, "patch_max": 0.5}})
    with pytest.raises(DataError, match=r"resolution: must be one of 32, 64, 128, got 48"):
        parse_params({"resolution": 48})


def test_params_file_errors_name_the_file(tmp_path):
    with pytest.raises(DataError, match="params file not found"):
        load_params(tmp_path / "absent.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("seed: 0\ndata: [unclosed\n")
    with pytest.raises(DataError, match=r"broken\.yaml:\d+: malformed YAML"):
        load_params(broken)
    listed = tmp_path / "list.yaml"
    listed.write_text(yaml.safe_dump([1, 2]))
    with pytest.raises(DataError, match=r"list\.yaml: must be a mapping"):
        load_params(listed)
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    assert load_params(empty) == DataParams()
