# nasc: build, test, demo and install.
#
#   make              build ./nasc (with CC, gcc by default)
#   make check        every test: Check suites, golden diagnostics, the
#                     torchvision comparison, under ASan and UBSan (clang),
#                     and a -Werror build with both gcc and clang
#   make demo         a short search of NAS-Bench-201, then its winner built
#                     and run as standalone C
#   make bench        search throughput and timings against PyTorch
#   make install      PREFIX=/usr/local DESTDIR= (bin/nasc, share/nasc/stdlib)
#   make clean
#
# Missing Debian packages are installed by tools/deps.sh (as root) or the
# command to install them is printed.

PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
PYTHON ?= /usr/bin/python3

CSTD := -std=c11 -D_DEFAULT_SOURCE
WARN := -Wall -Wextra -Werror
CJSON_CFLAGS = $(shell pkg-config --cflags libcjson 2>/dev/null)
CJSON_LIBS = $(shell pkg-config --libs libcjson 2>/dev/null || echo -lcjson)
CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null || echo -lcheck)

SOURCES := common/arena.c common/diag.c frontend/ast.c frontend/load.c frontend/eval.c \
           frontend/ops.c frontend/call.c frontend/choice.c grammar/parse.c ir/graph.c ir/verify.c ir/cost.c ir/print.c \
           ir/print_nas.c codegen/lower.c codegen/plan.c codegen/weights.c codegen/emit.c codegen/kernels.c codegen/conv.c codegen/depthwise.c \
           codegen/compile.c search/space.c search/evaluate.c search/goals.c search/log.c \
           search/strategies.c search/search.c search/report.c
GENERATED := build/gen/nas.tab.c build/gen/lex.yy.c build/gen/bench_source.c build/gen/score_source.c
HEADERS := $(wildcard common/*.h frontend/*.h grammar/*.h ir/*.h codegen/*.h runtime/*.h search/*.h)
TESTS := $(patsubst tests/%.c,%,$(wildcard tests/check_*.c))

# Each variant is a set of flags and a folder under build/.
release_CC := $(CC)
release_CFLAGS := -O2 -g
release_STDLIB := $(PREFIX)/share/nasc/stdlib
asan_CC := clang
asan_CFLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
               -fno-omit-frame-pointer
asan_STDLIB := $(CURDIR)/stdlib
gcc_CC := gcc
gcc_CFLAGS := -O2
gcc_STDLIB := $(CURDIR)/stdlib
clang_CC := clang
clang_CFLAGS := -O2
clang_STDLIB := $(CURDIR)/stdlib

.PHONY: bench all check unit golden torchvision codegen instantiate score spaces demo install clean fuzz search
.DELETE_ON_ERROR:

# The package check runs before make looks at anything it would build.
all:
	@tools/deps.sh build
	@$(MAKE) --no-print-directory nasc

# Replaced, not overwritten, so that a running nasc does not block the build.
nasc: build/release/nasc
	rm -f $@
	cp $< $@

# ---- generated parser ----

build/gen/nas.tab.c build/gen/nas.tab.h: grammar/nas.y | build/gen
	bison -Wall -Werror -d -o build/gen/nas.tab.c $<

build/gen/lex.yy.c build/gen/lex.yy.h: grammar/nas.l build/gen/nas.tab.h | build/gen
	flex --header-file=build/gen/lex.yy.h -o build/gen/lex.yy.c $<

build/gen/bench_source.c: runtime/bench.c tools/embed_source.sh | build/gen
	tools/embed_source.sh runtime_bench_source $< > $@

build/gen/score_source.c: runtime/score.c tools/embed_source.sh | build/gen
	tools/embed_source.sh runtime_score_source $< > $@

build/gen:
	mkdir -p $@

# ---- one set of rules per variant ----

define variant
build/$(1)/%.o: %.c $(HEADERS) build/gen/nas.tab.h build/gen/lex.yy.h
	@mkdir -p $$(dir $$@)
	$$($(1)_CC) $(CSTD) $(WARN) $$($(1)_CFLAGS) $$(CJSON_CFLAGS) $$(CHECK_CFLAGS) \
	    -Ibuild/gen -Igrammar -DNASC_STDLIB_DIR='"$$($(1)_STDLIB)"' -c $$< -o $$@

build/$(1)/gen/%.o: build/gen/%.c $(HEADERS) build/gen/nas.tab.h build/gen/lex.yy.h
	@mkdir -p $$(dir $$@)
	$$($(1)_CC) $(CSTD) $(WARN) $$($(1)_CFLAGS) -Wno-unused-function -Wno-sign-compare \
	    -Ibuild/gen -Igrammar -c $$< -o $$@

build/$(1)/libnasc.a: $(patsubst %.c,build/$(1)/%.o,$(SOURCES)) \
                      build/$(1)/gen/nas.tab.o build/$(1)/gen/lex.yy.o build/$(1)/gen/bench_source.o \
                      build/$(1)/gen/score_source.o
	rm -f $$@
	ar rcs $$@ $$^

build/$(1)/nasc: build/$(1)/main.o build/$(1)/libnasc.a
	$$($(1)_CC) $$($(1)_CFLAGS) -o $$@ $$^ $$(CJSON_LIBS) -lm

build/$(1)/tests/check_%: build/$(1)/tests/check_%.o build/$(1)/tests/testutil.o \
                          build/$(1)/runtime/reference.o build/$(1)/libnasc.a
	$$($(1)_CC) $$($(1)_CFLAGS) -o $$@ $$^ $$(CHECK_LIBS) $$(CJSON_LIBS) -lm
endef

$(foreach v,release asan gcc clang,$(eval $(call variant,$(v))))

# The stdlib folder is compiled into load.o; rebuild it when PREFIX changes.
build/release/stdlib-dir: FORCE
	@mkdir -p $(dir $@)
	@echo '$(release_STDLIB)' | cmp -s - $@ || echo '$(release_STDLIB)' > $@
build/release/frontend/load.o: build/release/stdlib-dir

.PHONY: FORCE
FORCE:

# ---- tests ----

ASAN_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1

check:
	@tools/deps.sh check
	@$(MAKE) --no-print-directory build/gcc/nasc build/clang/nasc
	@$(MAKE) --no-print-directory unit golden torchvision codegen instantiate score spaces search
	@echo "make check: all tests passed"

unit: $(patsubst %,build/asan/tests/%,$(TESTS)) build/asan/nasc
	@for t in $(TESTS); do \
	    echo "== $$t"; \
	    $(ASAN_ENV) NASC=build/asan/nasc CK_FORK=yes build/asan/tests/$$t || exit 1; \
	done

golden: build/asan/nasc
	$(ASAN_ENV) tests/golden.sh build/asan/nasc

torchvision: build/asan/nasc
	$(ASAN_ENV) $(PYTHON) tests/torchvision_check.py build/asan/nasc

# The search spaces of examples/: their sizes, and candidates against PyTorch.
spaces: build/asan/nasc
	NASC_CACHE=$(CURDIR)/build/cache $(ASAN_ENV) $(PYTHON) tests/space_check.py build/asan/nasc

# Each example written by `nasc ir --format nas` builds to the same network.
instantiate: build/asan/nasc
	$(ASAN_ENV) tests/instantiate_check.sh build/asan/nasc

# nasc search and nasc report end to end: determinism by seed, kill and
# resume, crashing and hanging candidates, the report of a fixed log.
search: build/asan/nasc
	$(ASAN_ENV) tests/search_check.sh build/asan/nasc

# Coverage-guided fuzzing of the frontend (clang's libFuzzer), seeded with the
# examples, the stdlib and the golden inputs; FUZZ_SECONDS bounds the run.
FUZZ_SECONDS ?= 300
build/fuzz/fuzz_frontend: tests/fuzz_frontend.c $(SOURCES) $(GENERATED) $(HEADERS)
	@mkdir -p $(dir $@)
	clang $(CSTD) $(WARN) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    -Ibuild/gen -Igrammar -DNASC_STDLIB_DIR='"$(CURDIR)/stdlib"' $$(pkg-config --cflags libcjson) \
	    tests/fuzz_frontend.c $(SOURCES) $(GENERATED) -o $@ $(CJSON_LIBS) -lm

fuzz: build/fuzz/fuzz_frontend
	@mkdir -p build/fuzz/corpus
	cp examples/*.nas stdlib/*.nas tests/diag/*.nas build/fuzz/corpus/
	build/fuzz/fuzz_frontend -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=30 \
	    -rss_limit_mb=4096 -artifact_prefix=build/fuzz/ build/fuzz/corpus

# Generated C: numerically equal to PyTorch on the same weights and input,
# and warning-free under gcc and clang, clean under ASan and UBSan. With
# --threads, bitwise equal to the 1-thread code and clean under TSan.
codegen: build/asan/nasc
	NASC_CACHE=$(CURDIR)/build/cache $(ASAN_ENV) $(PYTHON) tests/codegen_check.py build/asan/nasc
	NASC_CACHE=$(CURDIR)/build/cache $(ASAN_ENV) $(PYTHON) tests/codegen_check.py --threads 2 \
	    build/asan/nasc mobilenet_v2 resnet18 shufflenet_v2_x1_0 mnasnet1_0
	$(ASAN_ENV) tests/threads_check.sh build/asan/nasc
	$(ASAN_ENV) $(PYTHON) tests/weights_reject_check.py build/asan/nasc
	$(ASAN_ENV) tests/generated_c_check.sh build/asan/nasc

# NASWOT and MeCo of runtime/score.c against PyTorch on the same weights and inputs.
score: build/asan/nasc
	$(ASAN_ENV) $(PYTHON) tests/score_check.py build/asan/nasc

# A short search of NAS-Bench-201 (one cell per stage, so that it takes
# about a minute), then the winner built as standalone C and run on a
# random input.
DEMO := build/demo
demo: all
	@tools/deps.sh search
	rm -rf $(DEMO)
	./nasc search examples/nb201.nas --set cells_per_stage=1 --out $(DEMO)/search \
	    --strategy evolution --population 8 --sample 3 --budget 24 --seed 1 \
	    --constraint "params <= 150K"
	$(MAKE) --no-print-directory -C $(DEMO)/search/best
	python3 -c 'import random, struct, sys; random.seed(1); \
	    sys.stdout.buffer.write(struct.pack("<3072f", *[random.gauss(0, 1) for _ in range(3072)]))' \
	    > $(DEMO)/input.f32
	cd $(DEMO)/search/best && ./nb201 nb201.weights ../../input.f32 ../../output.f32
	@echo "logits of the winner, written by its standalone C:"
	@od -An -v -f -w40 $(DEMO)/output.f32

# Benchmarks, not tests: search throughput (candidates per minute, cold and
# warm kernel cache), then nasc's generated C against PyTorch's fastest
# variant, and GFLOP/s of nasc's kernels against the FMA peak. Results go
# to docs/benchmarks.md by hand, with the machine and the date.
bench: all
	@tools/deps.sh check
	bench/search_rate.sh ./nasc
	bench/opt_levels.sh ./nasc
	clang -O2 -march=native -o build/fma_peak bench/fma_peak.c
	$(PYTHON) bench/compare.py ./nasc --fma-peak build/fma_peak

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/nasc/stdlib
	install -m 755 build/release/nasc $(DESTDIR)$(PREFIX)/bin/nasc
	install -m 644 stdlib/*.nas $(DESTDIR)$(PREFIX)/share/nasc/stdlib/

clean:
	rm -rf build nasc
