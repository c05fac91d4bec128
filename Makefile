# Stampede's two front-door commands. See README.md.
#   make run   build, start the demo target, run the web_app example against it
#   make test  every check CI runs (format, lints, all tests, wasm32 build of shared types)

SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)
DEMO_BIND ?= 127.0.0.1:8090
SCENARIO ?= examples/web_app.yaml

.PHONY: run test tools build

tools:
	@rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

build:
	cargo build --release --bin stampede

# Starts the demo target in the background, runs the scenario against it, prints the target's
# own request counter next to Stampede's summary, and stops the target.
run: build
	@set -e; \
	./target/release/stampede demo-target --bind $(DEMO_BIND) > target/demo-target.log 2>&1 & pid=$$!; \
	trap "kill $$pid 2>/dev/null" EXIT; \
	for i in $$(seq 50); do grep -q listening target/demo-target.log && break; sleep 0.1; done; \
	url=$$(grep -o 'http://[^ ]*' target/demo-target.log); \
	echo "demo target: $$url"; \
	./target/release/stampede run $(SCENARIO) --target $$url $(ARGS); status=$$?; \
	echo "demo target's own counter: $$(curl -s $$url/__stampede/stats)"; \
	exit $$status

test: tools
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo build --bin stampede
	cargo test
	cargo check -p shared -p frontend --target wasm32-unknown-unknown
