# libaccel/src/model/: the model compiler and runtime (accel/model.h).
# Included by libaccel.mk. The ONNX parser is generated at build time with
# protoc-c from the system schema (libonnx-dev's /usr/include/onnx/onnx.proto)
# into build/gen/onnx/, never committed.
ONNX_PROTO := /usr/include/onnx/onnx.proto
ACCEL_RUN := $(HOST)/bin/accel-run
ONNX_GEN := $(BUILD)/gen/onnx
ONNX_PB_C := $(ONNX_GEN)/onnx.pb-c.c
ONNX_PB_H := $(ONNX_GEN)/onnx.pb-c.h
PROTOBUF_C_CFLAGS = $(shell pkg-config --cflags libprotobuf-c 2>/dev/null)
PROTOBUF_C_LIBS = $(shell pkg-config --libs libprotobuf-c 2>/dev/null)

LIBACCEL_CFLAGS += -I$(BUILD)/gen $(PROTOBUF_C_CFLAGS)
LIBACCEL_LDLIBS += $(PROTOBUF_C_LIBS)

$(ONNX_PB_C) $(ONNX_PB_H) &: $(DEPS_STAMP) $(LIBACCEL_DIR)/model.mk
	@mkdir -p $(ONNX_GEN)
	$(Q)cd /usr/include/onnx && protoc-c --c_out=$(ONNX_GEN) onnx.proto

# The generated parser: its own rules (warnings of generated code are not ours to fix).
ONNX_HOST_OBJ := $(LA_HOST_OBJ)/gen/onnx.pb-c.o
ONNX_SAN_OBJ := $(LA_SAN_OBJ)/gen/onnx.pb-c.o
LA_HOST_OBJS += $(ONNX_HOST_OBJ)
LA_SAN_OBJS += $(ONNX_SAN_OBJ)
$(ONNX_HOST_OBJ): $(ONNX_PB_C) $(ONNX_PB_H)
	@mkdir -p $(@D)
	$(Q)$(CC) -std=c11 -O2 -g $(LIBACCEL_PIC) $(PROTOBUF_C_CFLAGS) -I$(ONNX_GEN) -c $< -o $@
$(ONNX_SAN_OBJ): $(ONNX_PB_C) $(ONNX_PB_H)
	@mkdir -p $(@D)
	$(Q)$(CC) -std=c11 $(SAN_CFLAGS) -g $(PROTOBUF_C_CFLAGS) -I$(ONNX_GEN) -c $< -o $@
$(filter $(LA_HOST_OBJ)/model/%,$(LA_HOST_OBJS)) $(filter $(LA_SAN_OBJ)/model/%,$(LA_SAN_OBJS)): \
	| $(ONNX_PB_H)

# ---- tests: tests/host/test_model_*.c (Check, ASan+UBSan, on "sim") ------------
MODEL_TEST_MAINS := $(sort $(wildcard tests/host/test_model_*.c))
MODEL_SAN_TESTS := $(patsubst tests/host/%.c,$(SAN)/tests/%,$(MODEL_TEST_MAINS))
HOST_TESTS += $(MODEL_SAN_TESTS)
MODEL_TEST_CFLAGS = $(LA_TEST_CFLAGS) -I$(TOP)/$(LIBACCEL_DIR)/src/model -I$(BUILD)/gen \
	$(PROTOBUF_C_CFLAGS) -DACCEL_TEST_DEVICE='"sim"' -DMODEL_TEST_DIR='"$(TOP)/tests/models"' \
	-DONNX_NODE_TESTS='"/usr/share/libonnx-testdata/data/node"' -DACCEL_RUN='"$(ACCEL_RUN)"'

$(SAN)/tests/test_model_%: tests/host/test_model_%.c tests/host/libaccel_testutil.c \
		tests/host/onnx_build.c tests/host/onnx_build.h $(ONNX_PB_C) \
		$(wildcard tests/host/libaccel_testutil.h) $(LIBACCEL_SAN_A) $(CORELIB_SAN) $(FWLIB_SAN) \
		$(FW_IMAGE) $(DEPS_STAMP) $(ACCEL_RUN)
	@mkdir -p $(@D)
	$(Q)$(CC) $(COMMON_CFLAGS) $(SAN_CFLAGS) $(MODEL_TEST_CFLAGS) \
		-o $@ $< tests/host/libaccel_testutil.c tests/host/onnx_build.c $(LIBACCEL_SAN_A) \
		$(CORELIB_SAN) $(FWLIB_SAN) $(CORE_LDLIBS) $(LIBDRM_LIBS) $(PROTOBUF_C_LIBS) \
		$(CHECK_LIBS) -lm

# ---- accel-run: the model runner (installed, and in the guest) -------------------
# Links the static library: it uses the private .npy reader/writer.
ALL += $(ACCEL_RUN)
GUEST_BINS += $(ACCEL_RUN)
INSTALL_STEPS += install-accel-run
$(ACCEL_RUN): $(LIBACCEL_DIR)/tools/accel-run.c $(LIBACCEL_DIR)/src/model/npy.h $(LIBACCEL_HDRS) \
		$(LIBACCEL_PRIV_A)
	@mkdir -p $(@D)
	$(Q)$(CC) $(COMMON_CFLAGS) $(OPT_CFLAGS) -I$(TOP)/$(LIBACCEL_DIR)/include \
		-I$(TOP)/$(LIBACCEL_DIR)/src/model -o $@ $< $(LIBACCEL_PRIV_A) $(LIBACCEL_LDLIBS)
.PHONY: install-accel-run
install-accel-run: $(ACCEL_RUN)
	$(Q)install -d $(DESTDIR)$(PREFIX)/bin
	$(Q)install -m 0755 $(ACCEL_RUN) $(DESTDIR)$(PREFIX)/bin/accel-run
$(patsubst $(TOP)/%,%,$(ACCEL_RUN) $(MODEL_SAN_TESTS)): %: $(TOP)/% ;

# ---- fuzz: the ONNX importer through the passes and the plan (clang libFuzzer) ----
# `make fuzz-onnx` runs it for FUZZ_SECONDS from a corpus seeded with the
# committed models (tests/models/) and a few of ONNX's node tests.
ONNX_FUZZ := $(BUILD)/fuzz/fuzz_onnx
ONNX_FUZZ_SRCS := libaccel/fuzz/fuzz_onnx.c $(addprefix $(LIBACCEL_DIR)/src/model/,onnx_import.c \
	onnx_tensor.c ir.c ops.c shape.c pass_fold.c pass_dce.c pass_bn.c pass_decompose.c pass_fuse.c passes.c \
	pass_qdq.c \
	place.c plan_mem.c pass_layout.c) $(LIBACCEL_DIR)/src/status.c
FUZZ_TARGETS += $(ONNX_FUZZ)

$(ONNX_FUZZ): $(ONNX_FUZZ_SRCS) $(ONNX_PB_C) $(wildcard $(LIBACCEL_DIR)/src/model/*.h) $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(Q)clang $(COMMON_CFLAGS) -O1 -I$(TOP)/$(LIBACCEL_DIR)/include -I$(TOP)/$(LIBACCEL_DIR)/src \
		-I$(BUILD)/gen $(PROTOBUF_C_CFLAGS) -pthread \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o $@ $(ONNX_FUZZ_SRCS) $(ONNX_PB_C) $(PROTOBUF_C_LIBS) -lm

.PHONY: fuzz-onnx
FUZZ_RUNS += fuzz-onnx
fuzz-onnx: $(ONNX_FUZZ)
	$(Q)mkdir -p $(BUILD)/fuzz/corpus-onnx
	$(Q)for f in tests/models/*/model.onnx \
		/usr/share/libonnx-testdata/data/node/test_{conv,gemm,maxpool,averagepool,softmax,concat,transpose,reshape,pad}*/model.onnx; do \
		[ -f "$$f" ] && cp -n $$f $(BUILD)/fuzz/corpus-onnx/seed-$$(echo $$f | tr / _); done; true
	$(Q)$(ONNX_FUZZ) -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -print_final_stats=1 \
		$(BUILD)/fuzz/corpus-onnx
$(patsubst $(TOP)/%,%,$(ONNX_FUZZ)): %: $(TOP)/% ;

# ---- the committed models embedded in a test program (the guest has no tree) -------
# test_model_vm runs them on every device given (sim x2 on the host; both
# devices of NPU=2 in the guest, tests/vm/50-models.sh) and data parallel.
VM_MODELS := mlp lenet resblock dwsep concat_transpose
MODEL_BLOBS_C := $(BUILD)/gen/model_blobs.c
MODEL_BLOB_FILES := $(foreach m,$(VM_MODELS),$(addprefix tests/models/$(m)/,model.onnx \
	input_b1.npy output_b1.npy input_bN.npy output_bN.npy))
$(MODEL_BLOBS_C): $(MODEL_BLOB_FILES) $(LIBACCEL_DIR)/model.mk
	@mkdir -p $(@D)
	$(Q)( echo '/* generated from tests/models by libaccel/model.mk */'; \
	  echo '#include <stddef.h>'; \
	  for f in $(MODEL_BLOB_FILES); do xxd -i $$f | sed 's/^unsigned/static const unsigned/'; done; \
	  echo 'struct model_blob { const char *name; const unsigned char *data[5]; size_t size[5]; };'; \
	  echo 'const struct model_blob model_blobs[] = {'; \
	  for m in $(VM_MODELS); do printf '\t{ "%s", {' $$m; \
	    for f in model_onnx input_b1_npy output_b1_npy input_bN_npy output_bN_npy; do \
	      printf ' tests_models_%s_%s,' $$m $$f; done; printf ' }, {'; \
	    for f in model_onnx input_b1_npy output_b1_npy input_bN_npy output_bN_npy; do \
	      printf ' tests_models_%s_%s_len,' $$m $$f; done; echo ' } },'; done; \
	  echo '	{ NULL, { NULL }, { 0 } } };' ) > $@.tmp && mv $@.tmp $@

MODEL_VM_TEST := $(BUILD)/guest/tests/test_model_vm
GUEST_BINS += $(MODEL_VM_TEST)
VM_TESTS += $(TOP)/tests/vm/50-models.sh
$(SAN)/tests/test_model_vm: tests/host/test_model_vm.c $(MODEL_BLOBS_C) tests/host/libaccel_testutil.c \
		$(LIBACCEL_SAN_A) $(CORELIB_SAN) $(FWLIB_SAN) $(FW_IMAGE) $(DEPS_STAMP) $(ACCEL_RUN)
	@mkdir -p $(@D)
	$(Q)$(CC) $(COMMON_CFLAGS) $(SAN_CFLAGS) $(MODEL_TEST_CFLAGS) \
		-o $@ $< $(MODEL_BLOBS_C) tests/host/libaccel_testutil.c $(LIBACCEL_SAN_A) $(CORELIB_SAN) \
		$(FWLIB_SAN) $(CORE_LDLIBS) $(LIBDRM_LIBS) $(PROTOBUF_C_LIBS) $(CHECK_LIBS) -lm
$(MODEL_VM_TEST): tests/host/test_model_vm.c $(MODEL_BLOBS_C) tests/host/libaccel_testutil.c \
		$(LIBACCEL_PRIV_A) $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(Q)$(CC) $(COMMON_CFLAGS) $(OPT_CFLAGS) $(LA_TEST_CFLAGS) -I$(TOP)/$(LIBACCEL_DIR)/src/model \
		-DACCEL_TEST_DEVICE='""' -DACCEL_RUN='"accel-run"' \
		-o $@ $< $(MODEL_BLOBS_C) tests/host/libaccel_testutil.c $(LIBACCEL_PRIV_A) $(LIBACCEL_LDLIBS) \
		$(CHECK_LIBS)
include $(LIBACCEL_DIR)/prec.mk
