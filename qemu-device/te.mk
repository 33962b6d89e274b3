# Tensor engine (qemu-device/core/te_*.c), its CPU reference
# (libaccel/src/ref/) and their host tests (tests/host/test_te_*.c).
#
# The engine's sources are part of the device core (qemu-device.mk
# compiles every qemu-device/core/*.c); it needs no extra flags: vector
# kernels use function target attributes and run-time dispatch.
# The te tests link the engine and the reference directly with
# tests/host/te_fake_exec.c (snpu_exec_* over a flat array), not the core.
#
#   make te-tests      build build/san/tests/test_te_*
#   make te-bench      build build/host/bench/te_bench (GEMM engines)

TE_CFLAGS :=
TE_LDLIBS :=

TE_SRCS := $(sort $(wildcard qemu-device/core/te_*.c))
REF_SRCS := $(sort $(wildcard libaccel/src/ref/*.c))
TE_TEST_SRCS := $(sort $(wildcard tests/host/test_te_*.c))
TE_TESTS := $(patsubst tests/host/%.c,$(SAN)/tests/%,$(TE_TEST_SRCS))
TE_INC := -I$(TOP)/qemu-device/core -I$(TOP)/libaccel/src/ref -I$(TOP)/tests/host -I$(TOP)/firmware -pthread

TE_SAN_OBJS := $(patsubst %.c,$(SAN)/obj/te/%.o,$(TE_SRCS) $(REF_SRCS) tests/host/te_fake_exec.c)
TE_HOST_OBJS := $(patsubst %.c,$(HOST)/obj/te/%.o,$(TE_SRCS) $(REF_SRCS))

HOST_TESTS += $(TE_TESTS)

.PHONY: te-tests te-bench
te-tests: $(TE_TESTS)

$(SAN)/obj/te/%.o: %.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(COMMON_CFLAGS) $(SAN_CFLAGS) $(TE_INC) $(TE_CFLAGS) -MMD -MP -c $< -o $@

$(HOST)/obj/te/%.o: %.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(COMMON_CFLAGS) $(OPT_CFLAGS) $(TE_INC) $(TE_CFLAGS) -MMD -MP -c $< -o $@

$(SAN)/tests/test_te_%: $(SAN)/obj/te/tests/host/test_te_%.o $(TE_SAN_OBJS) $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(Q)$(CC) $(SAN_CFLAGS) -o $@ $< $(TE_SAN_OBJS) -lcheck -lsubunit -lm -lpthread $(TE_LDLIBS)

# GEMM engine comparison (docs/gemm-engine.md): our kernels vs OpenBLAS,
# oneDNN and BLIS, each loaded with dlopen so none becomes a dependency.
TE_BENCH := $(HOST)/bench/te_bench
$(TE_BENCH): $(HOST)/obj/te/tests/host/te_bench.o $(HOST)/obj/te/tests/host/te_fake_exec.o $(TE_HOST_OBJS)
	@mkdir -p $(@D)
	$(Q)$(CC) -o $@ $^ -lm -lpthread -ldl
te-bench: $(TE_BENCH)

-include $(TE_SAN_OBJS:.o=.d) $(TE_HOST_OBJS:.o=.d)
