# qemu-device/: the SNPU device core library (plain C, no QEMU header) and
# its host tests. The QEMU build lives in qemu-build.mk, tensor-engine
# specific flags in te.mk (both included by the top Makefile after this).
#
# For other fragments:
#   CORELIB_HOST  build/host/lib/libsnpucore.a, -O2 (no -m flags: vector
#                 paths are chosen at run time)
#   CORELIB_SAN   build/san/lib/libsnpucore.a, $(SAN_CFLAGS)
#   CORE_LDLIBS   what a program linking the core needs after it
#   CORE_CFLAGS   include flags for snpu_core.h / snpu_exec.h
#   CORE_SRCS     the core's sources (relative to the top), for the QEMU build
#   CORE_HARNESS  tests/host/core_harness.c (host-memory snpu_host_ops + helpers)
# Link: <objects> $(CORELIB_x) $(FWLIB_x) $(CORE_LDLIBS)
#
# te.mk may set TE_CFLAGS (extra compile flags for the core) and TE_LDLIBS;
# they are used lazily (recipes, CORE_LDLIBS).

CORE_DIR := qemu-device/core
CORE_ALL_SRCS := $(sort $(wildcard $(CORE_DIR)/*.c))
CORE_SRCS := $(CORE_ALL_SRCS)
CORE_CFLAGS := -I$(TOP)/$(CORE_DIR) $(FW_CFLAGS) -pthread
# Recursive: te.mk (included later) may add TE_LDLIBS.
CORE_LDLIBS = -lpthread -lm $(TE_LDLIBS)
CORELIB_HOST := $(HOST)/lib/libsnpucore.a
CORELIB_SAN := $(SAN)/lib/libsnpucore.a
CORE_HARNESS := tests/host/core_harness.c

CORE_HOST_OBJ := $(HOST)/obj/core
CORE_SAN_OBJ := $(SAN)/obj/core
CORE_HOST_OBJS := $(patsubst $(CORE_DIR)/%.c,$(CORE_HOST_OBJ)/%.o,$(CORE_SRCS))
CORE_SAN_OBJS := $(patsubst $(CORE_DIR)/%.c,$(CORE_SAN_OBJ)/%.o,$(CORE_SRCS))

CORE_TEST_SRCS := $(sort $(wildcard tests/host/test_core_*.c))
# The CPU reference (libaccel/src/ref) is the oracle of the end-to-end test.
CORE_REF_SRCS := $(sort $(wildcard libaccel/src/ref/*.c))
CORE_REF_OBJS := $(patsubst libaccel/src/ref/%.c,$(SAN)/obj/core-tests/ref/%.o,$(CORE_REF_SRCS))
CORE_TESTS := $(patsubst tests/host/%.c,$(SAN)/tests/%,$(CORE_TEST_SRCS))

ALL += $(CORELIB_HOST) $(CORELIB_SAN)
HOST_TESTS += $(CORE_TESTS)

.PHONY: core core-tests
core: $(CORELIB_HOST) $(CORELIB_SAN)
core-tests: $(CORE_TESTS)

$(CORE_HOST_OBJ)/%.o: $(CORE_DIR)/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(COMMON_CFLAGS) $(OPT_CFLAGS) $(CORE_CFLAGS) $(TE_CFLAGS) -MMD -MP -c $< -o $@

$(CORE_SAN_OBJ)/%.o: $(CORE_DIR)/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(COMMON_CFLAGS) $(SAN_CFLAGS) $(CORE_CFLAGS) $(TE_CFLAGS) -MMD -MP -c $< -o $@

# The archives also depend on the list of sources (rewritten only when it
# changes), so a source that appears or disappears rebuilds them.
CORE_LIST := $(BUILD)/core-srcs.list
$(shell mkdir -p $(BUILD) && { echo '$(CORE_SRCS)' | cmp -s - $(CORE_LIST) || \
	echo '$(CORE_SRCS)' > $(CORE_LIST); })

$(CORELIB_HOST): $(CORE_HOST_OBJS) $(CORE_LIST) qemu-device/qemu-device.mk
	@mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $(CORE_HOST_OBJS)

$(CORELIB_SAN): $(CORE_SAN_OBJS) $(CORE_LIST) qemu-device/qemu-device.mk
	@mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $(CORE_SAN_OBJS)

.PRECIOUS: $(SAN)/obj/core-tests/%.o $(SAN)/obj/core-tests/ref/%.o
$(SAN)/obj/core-tests/%.o: tests/host/%.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(Q)$(CC) $(COMMON_CFLAGS) $(SAN_CFLAGS) $(CORE_CFLAGS) -I$(TOP)/tests/host \
		-I$(TOP)/libaccel/src/ref \
		-DSNPU_TEST_FW_IMAGE='"$(FW_IMAGE)"' $$(pkg-config --cflags check) \
		-MMD -MP -c $< -o $@

$(SAN)/obj/core-tests/ref/%.o: libaccel/src/ref/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(COMMON_CFLAGS) $(SAN_CFLAGS) $(FW_CFLAGS) -MMD -MP -c $< -o $@

$(SAN)/tests/test_core_%: $(SAN)/obj/core-tests/test_core_%.o \
		$(SAN)/obj/core-tests/core_harness.o $(CORE_REF_OBJS) $(CORELIB_SAN) $(FWLIB_SAN) \
		$(FW_IMAGE)
	@mkdir -p $(@D)
	$(Q)$(CC) $(SAN_CFLAGS) -o $@ $(filter %.o,$^) $(CORELIB_SAN) $(FWLIB_SAN) \
		$$(pkg-config --libs check) $(CORE_LDLIBS)

-include $(wildcard $(CORE_HOST_OBJ)/*.d $(CORE_SAN_OBJ)/*.d $(SAN)/obj/core-tests/*.d \
	$(SAN)/obj/core-tests/ref/*.d)

# test_core_backstop: the 10 s host-time backstop (TE_TIME_BUDGET_NS) cut to
# 1 s so the test runs in seconds: its only users, te_engine.c and
# snpu_cmd_dma.c, are compiled with the shorter constant and linked ahead of
# the core library (whose copies of them are then not pulled in).
BACKSTOP_DEFS := -DTE_TIME_BUDGET_NS='(1000000000ull)'
BACKSTOP_OBJS := $(SAN)/obj/core-backstop/te_engine.o $(SAN)/obj/core-backstop/snpu_cmd_dma.o
$(SAN)/obj/core-backstop/%.o: $(CORE_DIR)/%.c qemu-device/qemu-device.mk
	@mkdir -p $(@D)
	$(Q)$(CC) $(COMMON_CFLAGS) $(SAN_CFLAGS) $(CORE_CFLAGS) $(TE_CFLAGS) $(BACKSTOP_DEFS) \
		-MMD -MP -c $< -o $@
$(SAN)/obj/core-tests/test_core_backstop.o: CORE_CFLAGS += $(BACKSTOP_DEFS)
$(SAN)/tests/test_core_backstop: $(SAN)/obj/core-tests/test_core_backstop.o $(BACKSTOP_OBJS) \
		$(SAN)/obj/core-tests/core_harness.o $(CORELIB_SAN) $(FWLIB_SAN) $(FW_IMAGE)
	@mkdir -p $(@D)
	$(Q)$(CC) $(SAN_CFLAGS) -o $@ $(filter %.o,$^) $(CORELIB_SAN) $(FWLIB_SAN) \
		$$(pkg-config --libs check) $(CORE_LDLIBS)
-include $(wildcard $(SAN)/obj/core-backstop/*.d)

# Relative aliases, so `make build/host/lib/libsnpucore.a` works from the top.
CORE_OUTPUTS := $(CORELIB_HOST) $(CORELIB_SAN) $(CORE_TESTS)
$(patsubst $(TOP)/%,%,$(CORE_OUTPUTS)): %: $(TOP)/% ;

# libFuzzer target over the whole core (tests/fuzz/fuzz_core.c): clang,
# ASan+UBSan, the core compiled with small per-command budgets so that an
# input runs in milliseconds (the budget arithmetic is the same code); any
# single allocation above 32 MiB (twice that budget) is a finding too.
#   make fuzz-core [FUZZ_SECONDS=n]   run it (also part of `make fuzz`)
#   check-host runs tests/fuzz/fuzz-core-check.sh: a short pass
#   (FUZZ_CHECK_SECONDS, default 30) that prints executions and crashes.
# Every crash becomes a test in tests/host/test_core_hostile.c; the
# committed seeds are tests/fuzz/corpus-core (FUZZ_CORE_WRITE_SEEDS=dir
# build/fuzz/fuzz_core writes them).
FUZZ_CORE := $(BUILD)/fuzz/fuzz_core
FUZZ_TARGETS += $(FUZZ_CORE)
FUZZ_CORE_DEFS := -DTE_MEM_BUDGET='(16ull << 20)' -DTE_WORK_BUDGET='(1ull << 22)' \
	-DTE_TIME_BUDGET_NS='(2000000000ull)' -DFUZZ_FW_IMAGE='"$(FW_IMAGE)"'

$(FUZZ_CORE): tests/fuzz/fuzz_core.c $(CORE_SRCS) $(wildcard $(CORE_DIR)/*.h) $(FWLIB_SRCS) \
		$(wildcard firmware/*.h uapi/*.h) qemu-device/qemu-device.mk $(FW_IMAGE) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(Q)clang $(COMMON_CFLAGS) -O1 $(CORE_CFLAGS) $(FUZZ_CORE_DEFS) \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o $@ tests/fuzz/fuzz_core.c $(CORE_SRCS) $(FWLIB_SRCS) -lpthread -lm

.PHONY: fuzz-core
FUZZ_RUNS += fuzz-core
fuzz-core: $(FUZZ_CORE)
	$(Q)mkdir -p $(BUILD)/fuzz/corpus-core
	$(Q)cp -n tests/fuzz/corpus-core/* $(BUILD)/fuzz/corpus-core/
	$(Q)$(FUZZ_CORE) -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=30 \
		-rss_limit_mb=3072 -malloc_limit_mb=32 -print_final_stats=1 $(BUILD)/fuzz/corpus-core \
		tests/fuzz/corpus-core

HOST_TESTS += $(TOP)/tests/fuzz/fuzz-core-check.sh
$(TOP)/tests/fuzz/fuzz-core-check.sh: $(FUZZ_CORE) ;
$(patsubst $(TOP)/%,%,$(FUZZ_CORE)): $(FUZZ_CORE) ;
