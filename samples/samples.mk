# samples/: programs built exactly as a user builds them (pkg-config), the
# Fashion-MNIST classifier scripts and their data.
#   build/host/bin/classify          samples/classify/classify.c (libpng, netpbm)
#   build/host/bin/multi-device      samples/multi-device/multi-device.c
#   build/host/bin/fmnist-evaluate   samples/fashion-mnist/evaluate.c (evaluate.sh's engine)
# In the guest: those and classify.sh, evaluate.sh (+ fmnist-lib.sh) in
# /usr/bin, the data of samples/fashion-mnist in /usr/share/snpu/fashion-mnist,
# and tests/vm/70-samples.sh.
# `make fashion-mnist-train` retrains the models from scratch (Python, a few
# minutes); its outputs are committed, nothing else runs Python.
#
# The programs use the model API (accel/model.h): they are built once
# libaccel implements it (a libaccel source defines accel_model_load_file).

SAMPLES_MODEL_API := $(shell grep -ls '^accel_status accel_model_load_file[^_]' $(LIBACCEL_DIR)/src/*.c $(LIBACCEL_DIR)/src/model/*.c 2>/dev/null)
FMNIST_DIR := samples/fashion-mnist
CLASSIFY := $(HOST)/bin/classify
MULTI_DEVICE := $(HOST)/bin/multi-device
FMNIST_EVAL := $(HOST)/bin/fmnist-evaluate
SAMPLE_BINS := $(CLASSIFY) $(MULTI_DEVICE) $(FMNIST_EVAL)
FMNIST_SCRIPTS := $(TOP)/$(FMNIST_DIR)/classify.sh $(TOP)/$(FMNIST_DIR)/evaluate.sh \
	$(TOP)/$(FMNIST_DIR)/fmnist-lib.sh
# SRC=DEST pairs, DEST under the guest's /usr/share/snpu.
FMNIST_DATA_FILES := mlp.onnx cnn.onnx calibration.npy test-images.u8.gz test-labels.u8 \
	classes.txt train.log $(patsubst $(FMNIST_DIR)/%,%,$(sort $(wildcard $(FMNIST_DIR)/images/*)))

ifneq ($(SAMPLES_MODEL_API),)
GUEST_DATA += $(foreach f,$(FMNIST_DATA_FILES),$(TOP)/$(FMNIST_DIR)/$(f)=fashion-mnist/$(f))
ALL += $(SAMPLE_BINS)
GUEST_BINS += $(SAMPLE_BINS) $(FMNIST_SCRIPTS)
VM_TESTS += $(TOP)/tests/vm/70-samples.sh
endif

.PHONY: samples fashion-mnist-train
samples: $(SAMPLE_BINS)

# $(1): the source, $(2): extra pkg-config packages, $(3): extra libraries.
define sample_build
	@mkdir -p $(@D)
	$(Q)$(CC) -std=c11 -Wall -Wextra -Werror -O2 -o $@ $(1) \
		$$(PKG_CONFIG_PATH=$(HOST)/lib/pkgconfig pkg-config --cflags --libs libaccel $(2)) \
		$(3) -lm -Wl,-rpath,'$$ORIGIN/../lib'
endef

$(CLASSIFY): samples/classify/classify.c $(LIBACCEL_PC) $(LIBACCEL_SO_LINK) $(LIBACCEL_HDRS)
	$(call sample_build,$<,libpng netpbm)
$(MULTI_DEVICE): samples/multi-device/multi-device.c $(LIBACCEL_PC) $(LIBACCEL_SO_LINK) $(LIBACCEL_HDRS)
	$(call sample_build,$<,)
$(FMNIST_EVAL): $(FMNIST_DIR)/evaluate.c $(LIBACCEL_PC) $(LIBACCEL_SO_LINK) $(LIBACCEL_HDRS)
	$(call sample_build,$<,)

fashion-mnist-train: $(DEPS_STAMP)
	$(Q)/usr/bin/python3 $(FMNIST_DIR)/train.py $(TOP)/$(FMNIST_DIR)

$(patsubst $(TOP)/%,%,$(SAMPLE_BINS)): %: $(TOP)/% ;
