# make check-debug: the driver suites and the ioctl fuzzer's short pass on a
# debug build of Debian's 6.12 kernel (lockdep, KASAN, kmemleak,
# DEBUG_OBJECTS; scripts/debug-kernel.sh, scripts/check-debug.sh). Not part of
# `make check`: the first kernel build takes tens of minutes (cached in
# /var/cache/snpu afterwards) and the suites run several times slower.
# Included after scripts/vm.mk: it uses the guest's inputs from there.
#
#   make debug-kernel     build (or reuse) the kernel only: build/debug-kernel/
#   make check-debug      ... and run CHECK_DEBUG_TESTS on it; ends "N passed, N failed"

CHECK_DEBUG_TESTS ?= $(notdir $(foreach t,$(filter $(TOP)/tests/vm/2%.sh,$(VM_TESTS)),\
	$(if $(findstring -driver,$(notdir $(t))),$(t))))
# Every guest input of check-vm but the module (built against the debug kernel).
CHECK_DEBUG_INPUTS := $(filter-out $(VM_MODULE_KO),$(VM_REQUIRED))

.PHONY: debug-kernel check-debug
debug-kernel: $(DEPS_STAMP)
	$(Q)BUILD='$(BUILD)' bash scripts/debug-kernel.sh $(BUILD)/debug-kernel

check-debug: $(DEPS_STAMP) $(CHECK_DEBUG_INPUTS) $(VM_QEMU) $(GUEST_SRCS)
	$(Q)BUILD='$(BUILD)' FW_IMAGE='$(VM_FW_IMAGE)' GUEST_BINS='$(GUEST_BINS)' \
		GUEST_LIBS='$(GUEST_LIBS)' VM_TESTS='$(VM_TESTS)' GUEST_DATA='$(GUEST_DATA)' \
		SNPU_ALLOW_MISSING='$(SNPU_ALLOW_MISSING)' QEMU_BIN='$(VM_QEMU)' \
		CHECK_DEBUG_TESTS='$(CHECK_DEBUG_TESTS)' bash scripts/check-debug.sh
