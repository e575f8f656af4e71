# The two newcomer commands (see README.md): `make demo` and `make test`.
# Both install the Debian packages they need first (packaging/install-build-deps).
BUILD_DIR ?= build/release
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 60

.PHONY: deps build demo test test-dev fuzz bench format clean

deps:
	packaging/install-build-deps

build: deps
	cmake --preset release
	cmake --build --preset release -j $(JOBS)

demo: build
	scripts/demo.sh $(BUILD_DIR)/adtgw

test: build
	ctest --preset release

# The same suite under AddressSanitizer + UndefinedBehaviorSanitizer.
test-dev: deps
	cmake --preset dev
	cmake --build --preset dev -j $(JOBS)
	ctest --preset dev

# Bounded libFuzzer runs of every target in tests/fuzz (clang).
fuzz: deps
	cmake --preset fuzz
	cmake --build --preset fuzz -j $(JOBS) --target adtgw_fuzz_all
	tests/fuzz/run-all.sh build/fuzz $(FUZZ_SECONDS)

# bench/audit_log.sh compares uploads/s with the gateway from before the audit log when
# ADTGW_BENCH_BEFORE_DIR names its build (docs/performance.md, "Audit log").
bench: build
	$(BUILD_DIR)/bench/adtgw_policy_bench --benchmark_min_time=2
	bench/seal_open.sh $(BUILD_DIR)/adtgw
	ADTGW_BENCH_LOAD_TOOL=$(BUILD_DIR)/bench/adtgw_gateway_load bench/gateway_send.sh $(BUILD_DIR)/adtgw
	bench/audit_log.sh $(BUILD_DIR)
	bench/formats_validate.sh $(BUILD_DIR)/adtgw

format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf build
