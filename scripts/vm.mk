# The guest and the VM harness: the initramfs, `make vm` and `make check-vm`.
# Included last by the top Makefile, so GUEST_BINS, GUEST_LIBS and VM_TESTS
# hold every fragment's contributions here.

GUEST_DIR := $(BUILD)/guest
# Plain cpio: the kernel unpacks it without inflating first. Against the
# same image gzipped (20 MB vs 9 MB), boot time differed by less than the noise.
INITRAMFS := $(GUEST_DIR)/initramfs.cpio
VM_QEMU := $(or $(QEMU_BIN),$(BUILD)/qemu/qemu-system-x86_64)
VM_MODULE_KO := $(or $(MODULE_KO),$(TOP)/kernel/snpu.ko)
VM_FW_IMAGE := $(or $(FW_IMAGE),$(BUILD)/firmware/snpu.bin)
NPU ?= 1

# SNPU_ALLOW_MISSING=1 builds a guest from whatever inputs exist, skipping
# missing ones with a warning (harness work only; never for check-vm).
VM_INPUTS := $(VM_MODULE_KO) $(VM_FW_IMAGE) $(GUEST_BINS) $(GUEST_LIBS) $(VM_TESTS) \
	$(foreach d,$(GUEST_DATA),$(firstword $(subst =, ,$(d))))
VM_REQUIRED := $(if $(filter 1,$(SNPU_ALLOW_MISSING)),$(wildcard $(VM_INPUTS)),$(VM_INPUTS))

# The list of guest inputs: rebuild when a file joins or leaves it.
GUEST_MANIFEST := $(GUEST_DIR)/manifest
GUEST_MANIFEST_TEXT := $(VM_MODULE_KO) $(VM_FW_IMAGE) | $(GUEST_BINS) | $(GUEST_LIBS) | $(VM_TESTS) | $(SNPU_ALLOW_MISSING) | $(GUEST_DATA)
$(GUEST_MANIFEST): FORCE
	$(Q)mkdir -p $(@D)
	$(Q)echo '$(GUEST_MANIFEST_TEXT)' > $@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

GUEST_SRCS := scripts/mkinitramfs.sh scripts/guest/init $(wildcard scripts/guest/etc/*) \
	tests/vm/run-all.sh

$(INITRAMFS): $(DEPS_STAMP) $(GUEST_MANIFEST) $(GUEST_SRCS) $(VM_REQUIRED)
	$(Q)BUILD='$(BUILD)' MODULE_KO='$(VM_MODULE_KO)' FW_IMAGE='$(VM_FW_IMAGE)' \
		GUEST_BINS='$(GUEST_BINS)' GUEST_LIBS='$(GUEST_LIBS)' VM_TESTS='$(VM_TESTS)' \
		GUEST_DATA='$(GUEST_DATA)' \
		SNPU_ALLOW_MISSING='$(SNPU_ALLOW_MISSING)' bash scripts/mkinitramfs.sh $@

ALL += $(INITRAMFS)

.PHONY: FORCE initramfs
FORCE:
initramfs: $(INITRAMFS)

# make vm [CMD='...'] [NPU=n] [SHARE=DIR]: SHARE is a host directory the
# guest sees at /mnt/share (virtio-9p). CMD reaches scripts/vm.sh through the
# environment, unexpanded by make ($(value)), so '$', quotes and newlines
# arrive in the guest untouched.
VM_ENV = QEMU_BIN='$(VM_QEMU)' INITRAMFS='$(INITRAMFS)' NPU='$(NPU)' SHARE='$(SHARE)'
vm: export SNPU_VM_CMD = $(value CMD)
vm: $(INITRAMFS) $(VM_QEMU)
	$(Q)$(VM_ENV) CMD="$$SNPU_VM_CMD" bash scripts/vm.sh

# The whole suite gets 30 min unless VM_TIMEOUT says otherwise; each test
# has its own timeout inside the guest (tests/vm/run-all.sh). It runs with
# two SNPUs (CHECK_NPU) so the multi-device tests run too, with the devices'
# fault injection on (the driver's recovery tests arm it; it is inert otherwise),
# then the hot-unplug test below in a VM of its own (scripts/check-vm.sh).
CHECK_NPU ?= 2
check-vm: $(ALL) $(INITRAMFS) $(VM_QEMU)
	$(Q)QEMU_BIN='$(VM_QEMU)' INITRAMFS='$(INITRAMFS)' NPU='$(CHECK_NPU)' \
		SNPU_DEVICE_OPTS='$(or $(SNPU_DEVICE_OPTS),fault-injection=on)' \
		VM_TIMEOUT='$(or $(VM_TIMEOUT),1800)' bash scripts/check-vm.sh

# make vm-hotunplug: an SNPU behind a pcie-root-port is unplugged with QMP
# device_del while jobs run on it; another SNPU on pcie.0 must keep working
# (tests/vm/hotunplug.sh, host side; snpu-driver-hotunplug in the guest).
.PHONY: vm-hotunplug
vm-hotunplug: $(INITRAMFS) $(VM_QEMU)
	$(Q)QEMU_BIN='$(VM_QEMU)' INITRAMFS='$(INITRAMFS)' bash tests/vm/hotunplug.sh
