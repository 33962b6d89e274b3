# The precision/cache/profile part of the model path (issue 13), included
# by model.mk: the libFuzzer target of the compiled-model cache loader.
# `make fuzz-cache` runs it for FUZZ_SECONDS from a corpus seeded with cache
# files that accel-run writes for the committed models (fp32 and int8).
# Then the int8/fp16 model suites built for the guest (drm backend).
CACHE_FUZZ := $(BUILD)/fuzz/fuzz_cache
CACHE_FUZZ_SRCS := libaccel/fuzz/fuzz_cache.c $(addprefix $(LIBACCEL_DIR)/src/model/,cache.c \
	ir.c ops.c place.c plan_mem.c) $(LIBACCEL_DIR)/src/status.c
FUZZ_TARGETS += $(CACHE_FUZZ)

$(CACHE_FUZZ): $(CACHE_FUZZ_SRCS) $(wildcard $(LIBACCEL_DIR)/src/model/*.h) $(ONNX_PB_H) \
		$(DEPS_STAMP)
	@mkdir -p $(@D)
	$(Q)clang $(COMMON_CFLAGS) -O1 -I$(TOP)/$(LIBACCEL_DIR)/include -I$(TOP)/$(LIBACCEL_DIR)/src \
		-I$(BUILD)/gen $(PROTOBUF_C_CFLAGS) -pthread -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o $@ $(CACHE_FUZZ_SRCS) -lm

.PHONY: fuzz-cache
FUZZ_RUNS += fuzz-cache
fuzz-cache: $(CACHE_FUZZ) $(ACCEL_RUN)
	$(Q)mkdir -p $(BUILD)/fuzz/corpus-cache $(BUILD)/fuzz/seed-cache
	$(Q)for m in mlp lenet resblock dwsep concat_transpose; do \
		for p in fp32 int8; do \
		ACCEL_DEVICE=sim $(ACCEL_RUN) tests/models/$$m/model.onnx -i tests/models/$$m/input_b1.npy \
			-o $(BUILD)/fuzz/seed-cache/out.npy --precision $$p \
			--calibrate tests/models/$$m/input_bN.npy --cache $(BUILD)/fuzz/seed-cache \
			> /dev/null || exit 1; done; done
	$(Q)for f in $(BUILD)/fuzz/seed-cache/*.snpuc; do \
		cp -n $$f $(BUILD)/fuzz/corpus-cache/seed-$$(basename $$f); done
	$(Q)$(CACHE_FUZZ) -max_total_time=$(FUZZ_SECONDS) -max_len=262144 -print_final_stats=1 \
		$(BUILD)/fuzz/corpus-cache
$(patsubst $(TOP)/%,%,$(CACHE_FUZZ)): %: $(TOP)/% ;

# ---- int8/fp16 on real devices: the embedded models (model.mk's blobs) ----------
PREC_VM_TEST := $(BUILD)/guest/tests/test_model_precvm
GUEST_BINS += $(PREC_VM_TEST)
VM_TESTS += $(TOP)/tests/vm/51-models-prec.sh
$(SAN)/tests/test_model_precvm: tests/host/test_model_precvm.c $(MODEL_BLOBS_C) \
		tests/host/libaccel_testutil.c $(LIBACCEL_SAN_A) $(CORELIB_SAN) $(FWLIB_SAN) $(FW_IMAGE) \
		$(DEPS_STAMP)
	@mkdir -p $(@D)
	$(Q)$(CC) $(COMMON_CFLAGS) $(SAN_CFLAGS) $(MODEL_TEST_CFLAGS) \
		-o $@ $< $(MODEL_BLOBS_C) tests/host/libaccel_testutil.c $(LIBACCEL_SAN_A) $(CORELIB_SAN) \
		$(FWLIB_SAN) $(CORE_LDLIBS) $(LIBDRM_LIBS) $(PROTOBUF_C_LIBS) $(CHECK_LIBS) -lm
$(PREC_VM_TEST): tests/host/test_model_precvm.c $(MODEL_BLOBS_C) tests/host/libaccel_testutil.c \
		$(LIBACCEL_PRIV_A) $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(Q)$(CC) $(COMMON_CFLAGS) $(OPT_CFLAGS) $(LA_TEST_CFLAGS) -I$(TOP)/$(LIBACCEL_DIR)/src/model \
		-DACCEL_TEST_DEVICE='""' -o $@ $< $(MODEL_BLOBS_C) tests/host/libaccel_testutil.c \
		$(LIBACCEL_PRIV_A) $(LIBACCEL_LDLIBS) $(CHECK_LIBS) -lm

# ---- pre-quantized models on real devices: test_model_qdq in the guest ----------
# The host's suite (on "sim"), built for the drm backend; the guest has no
# tree, so tests/models/qdq goes in as guest data (/usr/share/snpu/models/qdq).
QDQ_VM_TEST := $(BUILD)/guest/tests/test_model_qdq
QDQ_VM_FILES := $(wildcard tests/models/qdq/*.onnx tests/models/qdq/*.npy)
GUEST_BINS += $(QDQ_VM_TEST)
GUEST_DATA += $(foreach f,$(QDQ_VM_FILES),$(TOP)/$(f)=models/qdq/$(notdir $(f)))
VM_TESTS += $(TOP)/tests/vm/52-models-qdq.sh
$(QDQ_VM_TEST): tests/host/test_model_qdq.c tests/host/libaccel_testutil.c $(ONNX_PB_H) \
		$(LIBACCEL_PRIV_A) $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(Q)$(CC) $(COMMON_CFLAGS) $(OPT_CFLAGS) $(LA_TEST_CFLAGS) -I$(TOP)/$(LIBACCEL_DIR)/src/model \
		-I$(BUILD)/gen $(PROTOBUF_C_CFLAGS) -DACCEL_TEST_DEVICE='""' \
		-DMODEL_TEST_DIR='"/usr/share/snpu/models"' -o $@ $< tests/host/libaccel_testutil.c \
		$(LIBACCEL_PRIV_A) $(LIBACCEL_LDLIBS) $(CHECK_LIBS) -lm
