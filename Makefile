# aftermath — quick start: `make demo`, then `make test`. See README.md.
CARGO ?= cargo
DEMO_PIPELINE ?= pipelines/olinda-water.toml
DEMO_OUTPUT ?= out/olinda-water

.PHONY: deps test-tools build demo test lint bench clean

deps:
	@scripts/install-deps.sh

build: deps
	$(CARGO) build --release --locked

# `cargo run` finds the binary wherever cargo builds (CARGO_TARGET_DIR included).
demo: build
	$(CARGO) run --release --locked --quiet -- run $(DEMO_PIPELINE) --output $(DEMO_OUTPUT)
	@echo
	@echo "tiles:    $(CURDIR)/$(DEMO_OUTPUT)/{z}/{x}/{y}.png"
	@echo "tilejson: $(CURDIR)/$(DEMO_OUTPUT)/tilejson.json"
	@echo "summary:  $(CURDIR)/$(DEMO_OUTPUT)/run.json"

lint: deps
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets --locked -- -D warnings

test-tools:
	@scripts/install-test-tools.sh

# Every test runs here: a missing test tool fails the test instead of skipping it.
test: lint test-tools
	AFTERMATH_REQUIRE_TEST_TOOLS=1 $(CARGO) test --locked

# Speed and memory against gdal2tiles.py and `gdal raster tile` (when a gdal >= 3.11 is on
# PATH; ../shared/tools/install-gdal-cli puts one there). Inputs are generated, not committed.
bench: build
	benches/bench.py
	benches/mosaic.py
	benches/analyst.py

clean:
	rm -rf out target
