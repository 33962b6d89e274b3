# QEMU 10.0.2 with the SNPU device (scripts/qemu-build.sh does the work).
# The script keys a machine-wide cache (/var/cache/snpu/qemu-<sha256>) on
# itself and every overlaid file, so a fresh clone reuses the binary; these
# prerequisites only decide when make asks it.
QEMU_BIN := $(BUILD)/qemu/qemu-system-x86_64
QEMU_INPUTS := scripts/qemu-build.sh \
	$(sort $(shell find qemu-device/core qemu-device/qemu uapi -type f 2>/dev/null) \
	       $(wildcard firmware/*.c firmware/*.h qemu-device/te.mk) firmware/firmware.mk)

# te.mk's TE_CFLAGS/TE_LDLIBS (e.g. a BLAS the tensor engine links) reach
# the core's library in QEMU's meson build too; they are part of the key.
$(QEMU_BIN): $(QEMU_INPUTS) | $(DEPS_STAMP)
	$(Q)CORE_EXTRA_CFLAGS='$(TE_CFLAGS)' CORE_EXTRA_LDLIBS='$(TE_LDLIBS)' \
		bash scripts/qemu-build.sh $@

.PHONY: qemu
qemu: $(QEMU_BIN)
ALL += $(QEMU_BIN)
# Relative alias, so `make build/qemu/qemu-system-x86_64` works from the top.
$(patsubst $(TOP)/%,%,$(QEMU_BIN)): $(QEMU_BIN) ;
