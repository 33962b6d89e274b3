# libaccel/src/model/: the model compiler and runtime (accel/model.h).
# Included by libaccel.mk. The ONNX parser is generated at build time with
# protoc-c from the system schema (libonnx-dev's /usr/include/onnx/onnx.proto)
# into build/gen/onnx/, never committed.
ONNX_PROTO := /usr/include/onnx/onnx.proto
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
	-DONNX_NODE_TESTS='"/usr/share/libonnx-testdata/data/node"'

$(SAN)/tests/test_model_%: tests/host/test_model_%.c tests/host/libaccel_testutil.c \
		$(wildcard tests/host/libaccel_testutil.h) $(LIBACCEL_SAN_A) $(CORELIB_SAN) $(FWLIB_SAN) \
		$(FW_IMAGE) $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(Q)$(CC) $(COMMON_CFLAGS) $(SAN_CFLAGS) $(MODEL_TEST_CFLAGS) \
		-o $@ $< tests/host/libaccel_testutil.c $(LIBACCEL_SAN_A) $(CORELIB_SAN) $(FWLIB_SAN) \
		$(CORE_LDLIBS) $(LIBDRM_LIBS) $(PROTOBUF_C_LIBS) $(CHECK_LIBS) -lm
