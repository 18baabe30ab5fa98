# Two commands on a fresh machine: `make demo` and `make test`. Both create or refresh .venv first.
# CI (.ci/run) runs `make ci`: `make test` and `make container` at once.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# torch is installed first and pinned: this exact CPU build lies on the machines' disk, a looser spec
# would pull a multi-GB CUDA build. uv then installs the project quickly against it.
TORCH_SPEC := torch==2.13.0

.PHONY: venv demo test ci lint lint-container container container-tools lock bench plots plots-vendor clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check "setuptools<81" wheel uv $(TORCH_SPEC) 2>&1 \
		| grep -v "^WARNING: Location" || true
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e ".[dev,bench]"
	touch $@

demo: venv
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/dvc repro
	@echo "before/after report: reports/compare/report.html (and report.md)"

test: venv
	-$(BIN)/python -m ukiyoe.plots.vendor   # without npm the offline-plots test skips, saying why
	$(BIN)/ruff check ukiyoe tests benchmarks
	$(BIN)/hadolint containers/Dockerfile
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/pytest -q

# The suite keeps one core busy (its tests run one at a time) and the container job, whose steps run one after
# another, the other: on CI's two cores both fit its 15 minutes together. -k: both run to the end.
# The container job runs niced: the suite is the longer of the two, so it gets the CPU when both want both cores.
ci: venv
	$(MAKE) -j2 -k --output-sync=target test container CONTAINER_NICE="nice -n 10"

lint: venv
	$(BIN)/ruff check ukiyoe tests benchmarks

lint-container: venv
	$(BIN)/hadolint containers/Dockerfile
	$(BIN)/pytest -q tests/containers

# The real CPU image (root; Debian's buildah and mmdebstrap, installed here if missing): built on a base made
# from containers/base-packages.txt, the demo `dvc repro` and the fast tests run inside as UID 10001 on a fresh
# clone, then both leave the image store, are built again and must give the same digests. docs/container.md.
CONTAINER_TOOLS := buildah mmdebstrap
container: venv container-tools
	UKIYOE_CONTAINER_BUILD=1 PATH="$(CURDIR)/$(BIN):$$PATH" $(CONTAINER_NICE) $(BIN)/pytest -q -rs --durations=0 \
		tests/containers/test_container_image.py

container-tools:
	@missing=""; for tool in $(CONTAINER_TOOLS); do command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
		start=$$(date +%s); \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			$$missing uidmap fuse-overlayfs >/dev/null && \
		echo "container tools:$$missing installed in $$(( $$(date +%s) - start )) s"; \
	fi

lock: venv
	containers/lock

bench: venv
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python benchmarks/bench_compile.py

# Pinned Vega, Vega-Lite, Vega-Embed tarballs from the npm registry, checked against ukiyoe/plots/vendor.lock,
# cached in .cache/plots-vendor (not in git). `ukiyoe plots` inlines them, so the page renders offline.
plots-vendor: venv
	$(BIN)/python -m ukiyoe.plots.vendor

plots: venv plots-vendor
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/ukiyoe plots

clean:
	rm -rf data/prepared checkpoints reports metrics runs
