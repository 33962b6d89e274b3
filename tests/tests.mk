# tests/: host Check suites are built by their component's fragment
# (tests/host/test_<component>_*.c); in-VM tests are installed by theirs
# (tests/vm/). This fragment holds what belongs to no single component.

# In-VM: the device's BAR0 read with busybox devmem (identity, counters).
VM_TESTS += $(TOP)/tests/vm/05-device-devmem.sh

# make models: regenerate the whole models of tests/models/ (ONNX, inputs and
# PyTorch's outputs, committed) with Debian's python3-torch and python3-onnx.
# Nothing at build or test time runs it.
.PHONY: models
models: $(DEPS_STAMP)
	$(Q)/usr/bin/python3 tests/models/gen_models.py $(TOP)/tests/models
