# ngx_fgs_policy_module
#
#   make            the dynamic module and the CLI, in build/
#   make run        the demo: the gateway in front of the mock FunctionGraph
#   make test       every test (engine unit tests, the nginx suite, the
#                   Debian package and the Prometheus rules)
#   make deb        build/libnginx-mod-http-fgs-policy_VERSION-1_ARCH.deb
#   make bench      the side-by-side benchmark (bench/)
#   make bench-profile  instructions per request, by function (callgrind)
#   make NGINX_SRC=/path/to/nginx-x.y.z   build against that source tree
#   make NGINX_SRC=... NGINX_BIN=/path/to/sbin/nginx
#                   build for that installed nginx, from its `nginx -V`
#   make test-nginx-versions NGINX_SRC=/path/to/nginx-x.y.z (or
#        NGINX_TREES=/dir/of/trees)   the nginx suite against those versions

BUILD     ?= build
CC        ?= cc
MOD_DIR   := ngx_fgs_policy_module
ENG_DIR   := $(MOD_DIR)/engine

ENG_SRCS  := $(wildcard $(ENG_DIR)/*/*.c)
ENG_HDRS  := $(wildcard $(ENG_DIR)/*/*.h $(ENG_DIR)/schema/models/*.def)
ENG_OBJS  := $(patsubst $(ENG_DIR)/%.c,$(BUILD)/engine/%.o,$(ENG_SRCS))
GLUE_SRCS := $(wildcard $(MOD_DIR)/*.c $(MOD_DIR)/*.h)
CLI_SRCS  := $(wildcard $(MOD_DIR)/cli/*.c)
UNIT_SRCS := $(wildcard t/unit/test_*.c)
UNIT_BINS := $(patsubst t/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRCS))
BENCH_SRCS := $(wildcard bench/*_bench.c)
BENCH_BINS := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRCS))

OPT       ?= -O2
CFLAGS    ?= $(OPT) -g
ENG_CFLAGS = $(CFLAGS) -std=gnu99 -Wall -Wextra -Wpointer-arith \
             -Wno-unused-parameter -Werror -fPIC -I$(ENG_DIR) $(XCFLAGS)
LIBS       = -ljansson -lpcre2-8 -lcrypto
CLI_LIBS   = $(LIBS) -lz

MODULE    := $(BUILD)/ngx_http_fgs_policy_module.so
CLI       := $(BUILD)/fgs-policy

ALL := $(MODULE)
ifneq ($(CLI_SRCS),)
ALL += $(CLI)
endif

.PHONY: all deps module cli unit test test-unit test-portable test-nginx run \
        stop bench bench-profile clean test-nginx-versions deb test-deb \
        test-contrib test-release

all: $(ALL)

deps:
	@scripts/deps.sh

module: $(MODULE)

$(MODULE): config $(GLUE_SRCS) $(ENG_SRCS) $(ENG_HDRS) scripts/build-module.sh
	@FGS_BUILD=$(abspath $(BUILD)) scripts/build-module.sh

$(BUILD)/engine/%.o: $(ENG_DIR)/%.c $(ENG_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ENG_CFLAGS) -c $< -o $@

$(BUILD)/libfgs_engine.a: $(ENG_OBJS)
	rm -f $@
	ar rcs $@ $^

cli: $(CLI)

$(CLI): $(CLI_SRCS) $(BUILD)/libfgs_engine.a
	$(CC) $(ENG_CFLAGS) -o $@ $(CLI_SRCS) $(BUILD)/libfgs_engine.a $(CLI_LIBS)

$(BUILD)/unit/%: t/unit/%.c $(wildcard t/unit/*.h) $(BUILD)/libfgs_engine.a
	@mkdir -p $(dir $@)
	$(CC) $(ENG_CFLAGS) -It/unit -o $@ $< $(BUILD)/libfgs_engine.a $(LIBS)

$(BUILD)/bench/%: bench/%.c $(BUILD)/libfgs_engine.a
	@mkdir -p $(dir $@)
	$(CC) $(ENG_CFLAGS) -o $@ $< $(BUILD)/libfgs_engine.a $(LIBS)

unit: $(UNIT_BINS)

test-unit: unit
	prove --exec '' $(UNIT_BINS)

test-nginx: $(ALL)
	@scripts/t-prepare.sh
	prove -I t/lib t/

test: deps
	@$(MAKE) --no-print-directory all unit
	@$(MAKE) --no-print-directory test-unit
	@$(MAKE) --no-print-directory test-portable
	@$(MAKE) --no-print-directory test-nginx
	@$(MAKE) --no-print-directory test-release

# the release: the Debian package built, linted, installed, used through
# Debian's nginx and purged (t/deb/, as root), and the Prometheus rules
# checked and unit-tested with promtool against the module's metrics
test-release:
	@scripts/deps.sh --release
	@$(MAKE) --no-print-directory test-contrib
	@$(MAKE) --no-print-directory test-deb

deb: all
	@pkg/build-deb.sh

test-deb: deb
	@scripts/t-prepare.sh
	prove -I t/lib t/deb/

test-contrib: all
	promtool check rules contrib/prometheus/fgs-policy-rules.yml
	promtool test rules contrib/prometheus/fgs-policy-rules.test.yml
	@scripts/t-prepare.sh
	prove -I t/lib t/contrib/

# the engine's unit tests on its portable paths: built with FGS_NO_SIMD,
# the JSON scanner and the base64 checks use no SSE2, as on aarch64
test-portable:
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/portable \
	    OPT="$(OPT) -DFGS_NO_SIMD" test-unit

# nginx and the module built from each given nginx source, with the flags
# of nginx's own packages, and the nginx suite run against each
# (scripts/test-nginx-versions.sh); the CLI the tests use is built here
test-nginx-versions: deps
	@$(MAKE) --no-print-directory NGINX_SRC= NGINX_BIN= cli
	@BUILD=$(BUILD) scripts/test-nginx-versions.sh

run: deps
	@$(MAKE) --no-print-directory all
	@scripts/run-demo.sh

stop:
	@scripts/run-stop.sh

bench-scan: $(BENCH_BINS)
	@for b in $(BENCH_BINS); do $$b; done

# the side-by-side benchmark: bench/run.sh writes bench/RESULTS.md and
# bench/results.png (FGS_BENCH_RUNS=1 FGS_BENCH_DURATION=3s for a smoke run)
bench:
	@scripts/deps.sh --bench
	@$(MAKE) --no-print-directory all
	@bench/run.sh

# instructions per request, plain proxying against the module, with the
# module's functions (callgrind; load does not change the counts)
bench-profile:
	@scripts/deps.sh --bench
	@$(MAKE) --no-print-directory all
	@bench/profile.sh

clean:
	rm -rf $(BUILD)

# the engine's unit tests and the nginx suite with the engine and the
# module built with ASan and UBSan into $(BUILD)/asan/ (scripts/test-asan.sh);
# the nginx suite with nginx under valgrind (scripts/test-valgrind.sh)
.PHONY: test-asan test-valgrind

test-asan: deps
	@BUILD=$(BUILD) scripts/test-asan.sh

test-valgrind: deps
	@BUILD=$(BUILD) scripts/test-valgrind.sh

# libFuzzer targets (t/fuzz/): the engine built again with clang and the
# sanitizers into $(BUILD)/fuzz/, each target run for FGS_FUZZ_SECONDS
# (t/fuzz/run.sh; crashes land in $(BUILD)/fuzz/).  fuzz-ci: 20 s each.
FUZZ_CC      ?= clang
FUZZ_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS   = -O1 -g -fno-omit-frame-pointer -std=gnu99 -Wall -Wextra \
                -Wpointer-arith -Wno-unused-parameter -Werror \
                -I$(ENG_DIR) $(FUZZ_SAN)
FUZZ_SRCS    := $(wildcard t/fuzz/fuzz_*.c)
FUZZ_BINS    := $(patsubst t/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
FUZZ_ENG_OBJS := $(patsubst $(ENG_DIR)/%.c,$(BUILD)/fuzz/engine/%.o,\
                  $(ENG_SRCS))
FGS_FUZZ_SECONDS ?= 60

.PHONY: fuzz fuzz-build fuzz-ci

$(BUILD)/fuzz/engine/%.o: $(ENG_DIR)/%.c $(ENG_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(BUILD)/fuzz/libfgs_engine.a: $(FUZZ_ENG_OBJS)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/fuzz/fuzz_%: t/fuzz/fuzz_%.c $(wildcard t/fuzz/*.h) \
                      $(BUILD)/fuzz/libfgs_engine.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< \
	    $(BUILD)/fuzz/libfgs_engine.a $(LIBS)

# the replay of t/fuzz/regress/ includes the targets' sources
$(BUILD)/unit/test_fuzz_regress: $(wildcard t/fuzz/*.c t/fuzz/*.h)

fuzz-build:
	@scripts/deps.sh --fuzz
	@$(MAKE) --no-print-directory $(FUZZ_BINS)

fuzz: fuzz-build
	@BUILD=$(BUILD) t/fuzz/run.sh $(FGS_FUZZ_SECONDS)

fuzz-ci: fuzz-build
	@BUILD=$(BUILD) t/fuzz/run.sh 20
