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

# Host test of the glue's DMA (tests/host/test_glue_dma.c): runs this QEMU
# binary under the qtest protocol (no guest) and checks where the device's
# bus-master DMA may land (docs/hardware.md 12.3 and 20).
GLUE_DMA_TEST := $(SAN)/tests/test_glue_dma
HOST_TESTS += $(GLUE_DMA_TEST)
$(SAN)/obj/glue-tests/test_glue_dma.o: tests/host/test_glue_dma.c qemu-device/qemu-build.mk | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(Q)$(CC) $(COMMON_CFLAGS) $(SAN_CFLAGS) -pthread -DSNPU_TEST_QEMU='"$(QEMU_BIN)"' \
		-DSNPU_TEST_FW_IMAGE='"$(FW_IMAGE)"' $$(pkg-config --cflags check) -MMD -MP -c $< -o $@
$(GLUE_DMA_TEST): $(SAN)/obj/glue-tests/test_glue_dma.o $(QEMU_BIN) $(FW_IMAGE)
	@mkdir -p $(@D)
	$(Q)$(CC) $(SAN_CFLAGS) -pthread -o $@ $< $$(pkg-config --libs check)
$(patsubst $(TOP)/%,%,$(GLUE_DMA_TEST)): $(GLUE_DMA_TEST) ;
-include $(wildcard $(SAN)/obj/glue-tests/*.d)
