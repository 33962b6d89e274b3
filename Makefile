# SNPU: the one build entry point. See README.md.
#
#   make            build everything (firmware, device, QEMU, module, libaccel, tools, guest)
#   make deps       install Debian packages, fetch the guest kernel (idempotent)
#   make check      check-host + check-vm
#   make check-debug  driver suites on a lockdep/KASAN/kmemleak kernel (slow; not in check)
#   make vm [CMD=...] [NPU=n]   boot the guest (shell, or run CMD and exit with its status)
#   make demo       show what the stack does today
#   make install PREFIX=...     install libaccel, headers, pkg-config file, tools
#
# Every output goes under build/ (the kernel module builds in kernel/ as Kbuild wants).

.DEFAULT_GOAL := all
SHELL := /bin/bash
TOP := $(CURDIR)
BUILD := $(TOP)/build
PREFIX ?= /usr/local
V ?= 0
Q := $(if $(filter 1,$(V)),,@)

# Host userspace flags: C11, warnings are errors.
CC ?= cc
ifeq ($(origin CC),default)
CC := gcc
endif
WARN := -Wall -Wextra -Werror
COMMON_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -g -ffp-contract=off -I$(TOP)/uapi
OPT_CFLAGS := -O2
SAN_CFLAGS := -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
HOST := $(BUILD)/host
SAN := $(BUILD)/san

# Stamp that guarantees Debian packages and the guest kernel are present.
DEPS_STAMP := $(BUILD)/.stamp-deps
$(DEPS_STAMP): scripts/deps.sh
	$(Q)mkdir -p $(BUILD)
	$(Q)bash scripts/deps.sh
	$(Q)touch $@

# Keep intermediate objects (no "rm build/...o" after a build).
.SECONDARY:

.PHONY: all deps check check-host check-vm vm demo bench fuzz install clean
deps: $(DEPS_STAMP)

# Component fragments: each adds its outputs to ALL, its sanitizer test
# binaries to HOST_TESTS and its install steps to INSTALL_STEPS.
ALL :=
HOST_TESTS :=
INSTALL_STEPS :=
GUEST_BINS :=
GUEST_LIBS :=
GUEST_DATA :=
VM_TESTS :=
HOST_LINT :=
FUZZ_RUNS :=
include firmware/firmware.mk
include qemu-device/qemu-device.mk
include qemu-device/te.mk
include qemu-device/qemu-build.mk
include kernel/kernel.mk
include libaccel/libaccel.mk
include tests/tests.mk
include bench/bench.mk
include samples/samples.mk
include scripts/vm.mk
include scripts/debug-kernel.mk

all: $(ALL)

check: $(DEPS_STAMP)
	$(Q)bash scripts/check.sh

check-host: $(DEPS_STAMP) $(HOST_TESTS) $(HOST_LINT)
	$(Q)bash scripts/run-host-tests.sh $(HOST_TESTS)

demo: all
	$(Q)bash scripts/demo.sh

# Benchmarks: ratios against the baselines, results.json and plots under
# build/bench/ (docs/performance.md).
bench: all $(TE_BENCH)
	$(Q)BUILD='$(BUILD)' $(VM_ENV) bash bench/run.sh

# Every fragment adds its fuzz runs (phony targets, each bounded by
# FUZZ_SECONDS) to FUZZ_RUNS.
fuzz: $(FUZZ_RUNS)
	@echo "fuzz: ran $(words $(FUZZ_RUNS)) target(s): $(FUZZ_RUNS)"

install: $(INSTALL_STEPS)

clean:
	rm -rf $(BUILD)
	$(MAKE) -C kernel clean-module 2>/dev/null || true
