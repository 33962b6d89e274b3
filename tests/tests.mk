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

# make models-qdq: regenerate tests/models/qdq/ (pre-quantized models in
# onnxruntime's layouts and onnxruntime-node's outputs for them, committed)
# with python3-torch, python3-onnx and onnxruntime-node (bench/setup.sh
# installs it into build/bench/node). Nothing at build or test time runs it.
.PHONY: models-qdq
models-qdq: $(DEPS_STAMP)
	$(Q)/usr/bin/python3 tests/models/qdq/gen_qdq.py $(BUILD)/bench/node/node_modules \
		$(TOP)/tests/models/qdq
