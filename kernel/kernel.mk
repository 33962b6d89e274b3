# kernel/: snpu.ko, the SNPU DRM accel driver, built by Kbuild against the
# Debian 6.12 headers (build/kernel/version, fetched by `make deps`).
#
#   make kernel/snpu.ko   the module (part of `make`)
#   make kernel-lint      kernel-w1 + kernel-sparse + kernel-checkpatch +
#                         kernel-uapi-standalone
#   make -C kernel clean-module

MODULE_KO := $(TOP)/kernel/snpu.ko
KERNEL_SRCS := $(filter-out %.mod.c,$(wildcard $(TOP)/kernel/*.[ch]))
KERNEL_DEPS := $(KERNEL_SRCS) $(TOP)/Kbuild $(TOP)/kernel/Kbuild \
	$(wildcard $(TOP)/uapi/*.h $(TOP)/uapi/drm/*.h)
# Evaluated in the recipe: the version file appears with $(DEPS_STAMP).
KERNEL_KBUILD = $(MAKE) --no-print-directory -C /usr/src/linux-headers-$$(cat $(BUILD)/kernel/version) M=$(TOP)
CHECKPATCH := $(BUILD)/linux-source/scripts/checkpatch.pl
KERNEL_LINT_LOG := $(BUILD)/kernel-lint
# Compiler diagnostics in a lint log; make's own lines (e.g. "make[1]:
# warning: jobserver unavailable") are not the module's.
KERNEL_LINT_GREP = grep -E 'warning:|error:' $(1) | grep -vE '^g?make(\[[0-9]+\])?: '
# uapi headers the driver compiles that are checked like its sources, and
# the shared ones that must also compile standalone as C and as C++
# (device core, driver and libaccel all include them).
KERNEL_UAPI_LINT := $(TOP)/uapi/drm/snpu_accel.h $(TOP)/uapi/snpu_cmd_regions.h
KERNEL_UAPI_STANDALONE := $(TOP)/uapi/snpu_cmd_regions.h

ALL += $(MODULE_KO)

$(MODULE_KO): $(KERNEL_DEPS) $(DEPS_STAMP)
	$(Q)$(KERNEL_KBUILD) modules

.PHONY: kernel-w1 kernel-sparse kernel-checkpatch kernel-uapi-standalone kernel-lint
# W=1: the compiler's extra warnings; any warning fails. The sub-make is
# reached through $(KERNEL_KBUILD), so '+' marks it recursive (it joins the
# jobserver of make -jN).
kernel-w1: $(DEPS_STAMP)
	$(Q)mkdir -p $(KERNEL_LINT_LOG)
	$(Q)+$(KERNEL_KBUILD) W=1 modules > $(KERNEL_LINT_LOG)/w1.log 2>&1 || \
		{ cat $(KERNEL_LINT_LOG)/w1.log; exit 1; }
	$(Q)if $(call KERNEL_LINT_GREP,$(KERNEL_LINT_LOG)/w1.log); then \
		echo "kernel-w1: FAILED (warnings above)"; exit 1; fi
	$(Q)echo "kernel-w1: clean"

# C=2: sparse on every file, rebuilt or not; any sparse message fails.
kernel-sparse: $(DEPS_STAMP)
	$(Q)mkdir -p $(KERNEL_LINT_LOG)
	$(Q)+$(KERNEL_KBUILD) C=2 modules > $(KERNEL_LINT_LOG)/sparse.log 2>&1 || \
		{ cat $(KERNEL_LINT_LOG)/sparse.log; exit 1; }
	$(Q)if $(call KERNEL_LINT_GREP,$(KERNEL_LINT_LOG)/sparse.log); then \
		echo "kernel-sparse: FAILED (messages above)"; exit 1; fi
	$(Q)echo "kernel-sparse: clean"

kernel-checkpatch: $(DEPS_STAMP)
	$(Q)out=$$(perl $(CHECKPATCH) --strict --no-tree --no-summary --terse -q -f \
		$(KERNEL_SRCS) $(KERNEL_UAPI_LINT) 2>&1); \
	if [ -n "$$out" ]; then echo "$$out"; echo "kernel-checkpatch: FAILED"; exit 1; fi
	$(Q)echo "kernel-checkpatch: clean"

# Each shared header alone in a translation unit, as C11 and as C++17.
kernel-uapi-standalone: $(DEPS_STAMP)
	$(Q)for h in $(notdir $(KERNEL_UAPI_STANDALONE)); do \
		printf '#include "%s"\n' $$h | $(CC) -std=c11 $(WARN) -pedantic -fsyntax-only \
			-I$(TOP)/uapi -x c - || { echo "kernel-uapi-standalone: $$h FAILED as C"; exit 1; }; \
		printf '#include "%s"\n' $$h | $(CXX) -std=c++17 $(WARN) -pedantic \
			-fsyntax-only -I$(TOP)/uapi -x c++ - || \
			{ echo "kernel-uapi-standalone: $$h FAILED as C++"; exit 1; }; \
	done
	$(Q)echo "kernel-uapi-standalone: clean ($(words $(KERNEL_UAPI_STANDALONE)) header(s), C and C++)"

# W=1 and sparse both run Kbuild in M=$(TOP): one after the other, never at
# once under make -jN.
kernel-lint: kernel-checkpatch kernel-uapi-standalone
	$(Q)+$(MAKE) --no-print-directory kernel-w1
	$(Q)+$(MAKE) --no-print-directory kernel-sparse

# make check-host also runs the kernel checks (W=1, sparse, checkpatch).
HOST_LINT += kernel-lint

# In-VM tests of the driver (run in name order by snpu-vm-tests) and the
# helpers they call (installed in the guest's /usr/bin).
VM_TESTS += $(TOP)/tests/vm/10-driver-load.sh $(TOP)/tests/vm/20-driver-ioctl.sh \
	$(TOP)/tests/vm/25-driver-races.sh $(TOP)/tests/vm/26-driver-recovery.sh \
	$(TOP)/tests/vm/27-driver-fuzz.sh $(TOP)/tests/vm/30-driver-cycles.sh
VM_TESTS += $(TOP)/tests/vm/28-driver-limits.sh
DRIVER_TEST_BIN := $(BUILD)/guest/bin
DRIVER_TEST_CFLAGS = $(COMMON_CFLAGS) $(OPT_CFLAGS) $$(pkg-config --cflags libdrm)
DRIVER_TEST_LIBS = $$(pkg-config --libs libdrm)
DRIVER_TEST_BINS := $(DRIVER_TEST_BIN)/snpu-driver-params $(DRIVER_TEST_BIN)/snpu-driver-ioctl \
	$(DRIVER_TEST_BIN)/snpu-driver-races $(DRIVER_TEST_BIN)/snpu-driver-recovery \
	$(DRIVER_TEST_BIN)/snpu-driver-fuzz
DRIVER_TEST_BINS += $(DRIVER_TEST_BIN)/snpu-driver-limits
GUEST_BINS += $(DRIVER_TEST_BINS)
ALL += $(DRIVER_TEST_BINS)
# Guest side of the hot-unplug test (tests/vm/hotunplug.sh, make vm-hotunplug).
DRIVER_HOTUNPLUG_BIN := $(DRIVER_TEST_BIN)/snpu-driver-hotunplug
GUEST_BINS += $(DRIVER_HOTUNPLUG_BIN)
ALL += $(DRIVER_HOTUNPLUG_BIN)

$(DRIVER_TEST_BIN)/snpu-driver-%: tests/vm/driver_%.c tests/vm/driver_check.h tests/vm/driver_util.h $(wildcard uapi/*.h uapi/drm/*.h) \
		$(DEPS_STAMP)
	@mkdir -p $(@D)
	$(Q)$(CC) $(DRIVER_TEST_CFLAGS) -pthread -o $@ $< $(DRIVER_TEST_LIBS)

# make fuzz-driver: boot the VM with two SNPUs and run the ioctl fuzzer and
# the load (checked results) for FUZZ_SECONDS each, then trinity restricted to the device nodes (ioctl, mmap,
# read, write, close on fds of /dev/accel only); the run fails on any
# WARN/BUG/oops (the in-VM runner's check) or if a checked job fails after.
GUEST_BINS += /usr/bin/trinity
FUZZ_RUNS += fuzz-driver
TRINITY_CALLS ?= 20000
fuzz-driver: $(INITRAMFS) $(VM_QEMU)
	$(Q)QEMU_BIN='$(VM_QEMU)' INITRAMFS='$(INITRAMFS)' NPU=2 \
		SNPU_DEVICE_OPTS=fault-injection=on VM_TIMEOUT=$$(( $(FUZZ_SECONDS) + 900 )) \
		CMD='modprobe snpu job_timeout_ms=1000 && \
		snpu-driver-fuzz --seconds $(FUZZ_SECONDS) --procs 3 --threads 4 && \
		snpu-driver-fuzz --load $(FUZZ_SECONDS) --procs 4 && \
		cd /tmp && trinity --dangerous -q -N $(TRINITY_CALLS) -C 2 -V /dev/accel \
			--disable-fds=sockets,pipes,perf,epoll,eventfd,pseudo,timerfd,testfile,memfd,drm \
			-c ioctl -c mmap -c read -c write -c close -c dup -c fcntl >/tmp/trinity.log 2>&1; \
		tail -n 5 /tmp/trinity.log; \
		snpu-driver-fuzz --seconds 1 --procs 1 --threads 1 && \
		! dmesg | grep -E "WARNING:|BUG:|Oops|KASAN|refcount_t:|list_(add|del) corruption"' \
		bash scripts/vm.sh
