# bench/: `make bench` (bench/run.py) and the measuring program it runs.
#   build/host/bin/snpu-bench   on the host ("sim") and in the guest (/usr/bin)
# The orchestration, baselines and plots are in bench/run.py; its own
# baselines (onnxruntime-node, Debian packages) come from bench/setup.sh.
# docs/performance.md explains every figure.

SNPU_BENCH := $(HOST)/bin/snpu-bench
SNPU_BENCH_SRCS := $(sort $(wildcard bench/*.c))
ALL += $(SNPU_BENCH)
GUEST_BINS += $(SNPU_BENCH)

$(SNPU_BENCH): $(SNPU_BENCH_SRCS) bench/bench.h $(LIBACCEL_HDRS) $(LIBACCEL_SO_LINK)
	@mkdir -p $(@D)
	$(Q)$(CC) $(COMMON_CFLAGS) $(OPT_CFLAGS) -I$(TOP)/$(LIBACCEL_DIR)/include -o $@ \
		$(SNPU_BENCH_SRCS) -L$(HOST)/lib -laccel -ldl -lm -Wl,-rpath,'$$ORIGIN/../lib'

build/host/bin/snpu-bench: $(SNPU_BENCH) ;
