# firmware/: the firmware image parser (libsnpufw), the firmware source, the
# image builder tool snpu-fwtool and the image itself.
#
# For other fragments:
#   FW_IMAGE    the firmware image (build/firmware/snpu.bin)
#   FWTOOL      the host snpu-fwtool
#   FWLIB_HOST  parser + CRC-32 + SHA-256 static library, -O2 build
#   FWLIB_SAN   the same built with $(SAN_CFLAGS) (link with -fsanitize=...)
#   FW_CFLAGS   include flags for firmware/snpu_fwimage.h
#   FWLIB_SRCS  the library's sources (absolute), for builds that compile
#               them with their own flags instead of linking a FWLIB
# Link a FWLIB after the objects that use it.

FW_DIR := $(TOP)/firmware
FW_CFLAGS := -I$(FW_DIR)
FW_IMAGE := $(BUILD)/firmware/snpu.bin
FWTOOL := $(HOST)/bin/snpu-fwtool
FWTOOL_GUEST := $(BUILD)/guest/bin/snpu-fwtool
FWLIB_HOST := $(HOST)/lib/libsnpufw.a
FWLIB_SAN := $(SAN)/lib/libsnpufw.a

FW_LIB_SRCS := snpu_fwimage.c snpu_crc32.c snpu_sha256.c
FW_TOOL_SRCS := fwtool.c fw_build.c fw_source.c
FWLIB_SRCS := $(addprefix $(FW_DIR)/,$(FW_LIB_SRCS))
FWTOOL_SAN := $(SAN)/bin/snpu-fwtool

FW_HOST_OBJ := $(HOST)/obj/firmware
FW_SAN_OBJ := $(SAN)/obj/firmware

ALL += $(FW_IMAGE) $(FWTOOL) $(FWLIB_HOST) $(FWLIB_SAN) $(FWTOOL_GUEST)
GUEST_BINS += $(FWTOOL_GUEST)
HOST_TESTS += $(SAN)/tests/test_fwimage $(SAN)/tests/test_fwtool

.PHONY: firmware
firmware: $(FW_IMAGE) $(FWTOOL) $(FWLIB_HOST) $(FWLIB_SAN) $(FWTOOL_GUEST)

$(FW_HOST_OBJ)/%.o: firmware/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(COMMON_CFLAGS) $(OPT_CFLAGS) $(FW_CFLAGS) -MMD -MP -c $< -o $@

$(FW_SAN_OBJ)/%.o: firmware/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(COMMON_CFLAGS) $(SAN_CFLAGS) $(FW_CFLAGS) -MMD -MP -c $< -o $@

$(FWLIB_HOST): $(addprefix $(FW_HOST_OBJ)/,$(FW_LIB_SRCS:.c=.o))
	@mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

$(FWLIB_SAN): $(addprefix $(FW_SAN_OBJ)/,$(FW_LIB_SRCS:.c=.o))
	@mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

$(FWTOOL): $(addprefix $(FW_HOST_OBJ)/,$(FW_TOOL_SRCS:.c=.o)) $(FWLIB_HOST)
	@mkdir -p $(@D)
	$(Q)$(CC) $(OPT_CFLAGS) -o $@ $^ -lm

# The tool under ASan+UBSan, exercised by test_fwtool.
$(FWTOOL_SAN): $(addprefix $(FW_SAN_OBJ)/,$(FW_TOOL_SRCS:.c=.o)) $(FWLIB_SAN)
	@mkdir -p $(@D)
	$(Q)$(CC) $(SAN_CFLAGS) -o $@ $^ -lm

# Static, so the guest needs nothing but the file.
$(FWTOOL_GUEST): $(addprefix $(FW_HOST_OBJ)/,$(FW_TOOL_SRCS:.c=.o)) $(FWLIB_HOST)
	@mkdir -p $(@D)
	$(Q)$(CC) $(OPT_CFLAGS) -static -o $@ $^ -lm

# Reproducible: build_time is $SOURCE_DATE_EPOCH or 0.
$(FW_IMAGE): $(FWTOOL)
	@mkdir -p $(@D)
	$(Q)$(FWTOOL) build -o $@.tmp && $(FWTOOL) verify $@.tmp >/dev/null && mv $@.tmp $@

$(SAN)/tests/test_fwimage: tests/host/test_fwimage.c \
		$(addprefix $(FW_SAN_OBJ)/,fw_build.o fw_source.o) $(FWLIB_SAN) $(FW_IMAGE) $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(Q)$(CC) $(COMMON_CFLAGS) $(SAN_CFLAGS) $(FW_CFLAGS) -DSNPU_TEST_FW_IMAGE='"$(FW_IMAGE)"' \
		-MMD -MP -o $@ $< $(addprefix $(FW_SAN_OBJ)/,fw_build.o fw_source.o) $(FWLIB_SAN) \
		$$(pkg-config --cflags --libs check) -lm

$(SAN)/tests/test_fwtool: tests/host/test_fwtool.c $(FWTOOL_SAN) $(FW_IMAGE) $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(Q)$(CC) $(COMMON_CFLAGS) $(SAN_CFLAGS) $(FW_CFLAGS) -DSNPU_TEST_FW_IMAGE='"$(FW_IMAGE)"' \
		-DSNPU_TEST_FWTOOL='"$(FWTOOL_SAN)"' -MMD -MP -o $@ $< $$(pkg-config --cflags --libs check)

-include $(wildcard $(FW_HOST_OBJ)/*.d $(FW_SAN_OBJ)/*.d \
	$(SAN)/tests/test_fwimage.d $(SAN)/tests/test_fwtool.d)

# libFuzzer target for the parser (clang). FUZZ_TARGETS lists every fuzz
# binary; `make fuzz-fwimage` runs this one for FUZZ_SECONDS (default 60)
# from a corpus seeded with the real image.
FUZZ_SECONDS ?= 60
FW_FUZZ := $(BUILD)/fuzz/fuzz_fwimage
FUZZ_TARGETS += $(FW_FUZZ)

$(FW_FUZZ): firmware/fuzz_fwimage.c firmware/fw_build.c $(FWLIB_SRCS) $(wildcard firmware/*.h) \
		$(DEPS_STAMP)
	@mkdir -p $(@D)
	$(Q)clang $(COMMON_CFLAGS) -O1 $(FW_CFLAGS) \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o $@ firmware/fuzz_fwimage.c firmware/fw_build.c $(FWLIB_SRCS)

.PHONY: fuzz-fwimage
FUZZ_RUNS += fuzz-fwimage
fuzz-fwimage: $(FW_FUZZ) $(FW_IMAGE)
	$(Q)mkdir -p $(BUILD)/fuzz/corpus-fwimage
	$(Q)cp -n $(FW_IMAGE) $(BUILD)/fuzz/corpus-fwimage/seed-snpu.bin
	$(Q)$(FW_FUZZ) -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -print_final_stats=1 \
		$(BUILD)/fuzz/corpus-fwimage

# Relative aliases, so `make build/firmware/snpu.bin` works from the top.
FW_OUTPUTS := $(FW_IMAGE) $(FWTOOL) $(FWLIB_HOST) $(FWLIB_SAN) $(FWTOOL_GUEST) \
	$(SAN)/tests/test_fwimage $(SAN)/tests/test_fwtool $(FWTOOL_SAN) $(FW_FUZZ)
$(patsubst $(TOP)/%,%,$(FW_OUTPUTS)): %: $(TOP)/% ;
