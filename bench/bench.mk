# bench/: `make bench` (bench/run.py) and the measuring program it runs.
#   build/host/bin/snpu-bench   on the host ("sim") and in the guest (/usr/bin)
# The orchestration, baselines and plots are in bench/run.py; its own
# baselines (onnxruntime-node, Debian packages) come from bench/setup.sh.
# docs/performance.md explains every figure.

SNPU_BENCH := $(HOST)/bin/snpu-bench
SNPU_BENCH_SRCS := $(sort $(wildcard bench/*.c))
ALL += $(SNPU_BENCH)
GUEST_BINS += $(SNPU_BENCH)

$(SNPU_BENCH): $(SNPU_BENCH_SRCS) bench/bench.h bench/hostblas.h $(LIBACCEL_HDRS) $(LIBACCEL_SO_LINK)
	@mkdir -p $(@D)
	$(Q)$(CC) $(COMMON_CFLAGS) $(OPT_CFLAGS) -I$(TOP)/$(LIBACCEL_DIR)/include -o $@ \
		$(SNPU_BENCH_SRCS) -L$(HOST)/lib -laccel -ldl -lm -Wl,-rpath,'$$ORIGIN/../lib'

build/host/bin/snpu-bench: $(SNPU_BENCH) ;

# tests/host/test_bench_smoke.c: snpu-bench runs every part on "sim" and
# reports every figure (not a timed test: values are only checked > 0).
BENCH_SMOKE := $(SAN)/tests/test_bench_smoke
HOST_TESTS += $(BENCH_SMOKE)
$(BENCH_SMOKE): tests/host/test_bench_smoke.c $(SNPU_BENCH) $(FW_IMAGE) $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(Q)$(CC) $(COMMON_CFLAGS) $(SAN_CFLAGS) $(shell pkg-config --cflags check 2>/dev/null) \
		-DBENCH_BIN='"$(SNPU_BENCH)"' -DMODEL_DIR='"$(TOP)/tests/models"' -o $@ $< \
		$(shell pkg-config --libs check 2>/dev/null)
build/san/tests/test_bench_smoke: $(BENCH_SMOKE) ;
