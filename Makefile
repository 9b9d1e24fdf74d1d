# saasguard - the two commands of the quick start are `make run` and `make test`.
# Everything else here is what they are made of.

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
# 13 targets, 10 s each, one per core at once (tests/run.py);
# longer campaigns: make test FUZZ_SECONDS=300 (or run a target by hand).
FUZZ_SECONDS ?= 10
# integration modules at once (5 on 2 cores: most of their time is waiting on daemons,
# timers and servers; the sum of their times is about 5x the pool's wall time), and the
# store backends they run on (both|sqlite|postgresql)
TEST_JOBS    ?= 5
TEST_BACKEND ?= both
STATE      ?= .state
EXAMPLE    ?= examples/payroll-cloud.yaml

.PHONY: all deps build asan fuzz-build run serve test unit integration fuzz bench fmt fmt-check modgraph clean deb

all: build

deps:
	@tools/deps.sh
	@tools/node-deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD)

# The ASan and fuzz builds make no man pages (the normal build and the package
# do), and the fuzz build no unit tests (the ASan build runs them): nothing runs
# those, and the ASan binary's --help for every page is slow.
$(ASAN_BUILD)/build.ninja:
	CC=clang meson setup $(ASAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false \
		-Dbuildtype=debug -Dman=disabled

$(FUZZ_BUILD)/build.ninja:
	CC=clang meson setup $(FUZZ_BUILD) -Dfuzz=true -Db_lundef=false -Dbuildtype=debug \
		-Dman=disabled -Dtests=false

# Plain compiles never reach for apt or npm: dependencies are installed by
# `make deps`, which `make run` and `make test` call first.
build: $(BUILD)/build.ninja
	meson compile -C $(BUILD)

asan: $(ASAN_BUILD)/build.ninja
	meson compile -C $(ASAN_BUILD)

fuzz-build: $(FUZZ_BUILD)/build.ninja
	meson compile -C $(FUZZ_BUILD)

# The main job on the bundled example, with the embedded SQLite store.
run: deps
	@$(MAKE) --no-print-directory build
	@tools/run-example.sh $(BUILD)/saasguard $(EXAMPLE) $(STATE)

# The status pages and the operator dashboard of the bundled example on
# loopback, in the foreground (Ctrl-C stops it). Run `make run` first for data.
SERVE_LISTEN ?= 127.0.0.1:8080
serve: build
	@SAASGUARD_LEDGER_KEY=$(STATE)/ledger.key tools/serve-example.sh $(BUILD)/saasguard $(EXAMPLE) $(STATE) $(SERVE_LISTEN)

# Every test: unit (cmocka) and integration in a normal and an ASan+UBSan
# build (SQLite store) and once more on the normal build with the store on a
# real PostgreSQL, then each fuzz target for FUZZ_SECONDS. Ends with
# "N passed, N failed". docs/testing.md.
test:
	@t0=$$(date +%s.%N) && $(MAKE) --no-print-directory deps build asan fuzz-build && \
	/usr/bin/python3 tests/run.py --build $(BUILD) --asan-build $(ASAN_BUILD) \
		--fuzz-build $(FUZZ_BUILD) --fuzz-seconds $(FUZZ_SECONDS) \
		--backend $(TEST_BACKEND) --jobs $(TEST_JOBS) --builds-started $$t0

# The Debian package: ../saasguard_VERSION-REV_ARCH.deb (docs/packaging.md).
# DEB_BUILD_OPTIONS=nocheck skips the unit tests the package build runs.
deb: deps
	dpkg-buildpackage -us -uc -b
	lintian --tag-display-limit 0 ../saasguard_*.deb

bench: build
	@bench/run.sh $(BUILD)

# Redraws the module graph in docs/architecture.md from the #include lines
# (test_modgraph.py fails while it is out of date or has a cycle).
modgraph:
	@/usr/bin/python3 tools/modgraph.py --write

fmt:
	clang-format -i src/*.c src/*.h src/cli/*.c src/cli/*.h tests/unit/*.c tests/fuzz/*.c tools/*.c

fmt-check:
	clang-format --dry-run --Werror src/*.c src/*.h src/cli/*.c src/cli/*.h tests/unit/*.c tests/fuzz/*.c tools/*.c

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
