# libaccel/: the C SDK. Outputs:
#   build/host/lib/libaccel.so.1 (+ libaccel.so)   shared, only accel_* exported (ACCEL_1.0)
#   build/host/lib/libaccel.a                      static: one partially linked object
#                                                  (device core + fw parser inside), only
#                                                  accel_* global
#   build/host/obj/libaccel-private.a              the raw objects, for tests that call
#                                                  private code (CPU reference); not installed
#   build/san/lib/libaccel.a                       ASan+UBSan build for the host tests
#   build/host/lib/pkgconfig/libaccel.pc           pkg-config file of the build tree
#   build/host/bin/accel-info                      the device listing tool
#   build/host/bin/hello                           samples/hello, built through pkg-config
# Tests: tests/host/test_libaccel_*.c run on "sim" under ASan+UBSan (HOST_TESTS)
# and, built again (-O2, static libaccel), on the drm backend in the guest, run by
# tests/vm/40-libaccel.sh (VM_TESTS).
# `make install PREFIX=...` runs install-libaccel (listed in INSTALL_STEPS).

LIBACCEL_DIR := libaccel
LIBACCEL_SRCS := $(sort $(wildcard $(LIBACCEL_DIR)/src/*.c) $(wildcard $(LIBACCEL_DIR)/src/ref/*.c) \
	$(wildcard $(LIBACCEL_DIR)/src/model/*.c))
LIBACCEL_HDRS := $(sort $(wildcard $(LIBACCEL_DIR)/include/accel/*.h))
# The version comes from the public header (accel/version.h).
LIBACCEL_VERSION := $(shell sed -n 's/^\#define ACCEL_VERSION_\(MAJOR\|MINOR\|PATCH\) //p' \
	$(LIBACCEL_DIR)/include/accel/version.h | paste -sd.)
LIBACCEL_SONAME := libaccel.so.$(firstword $(subst ., ,$(LIBACCEL_VERSION)))
LIBACCEL_MAP := $(LIBACCEL_DIR)/libaccel.map
LIBACCEL_SO := $(HOST)/lib/$(LIBACCEL_SONAME)
LIBACCEL_SO_LINK := $(HOST)/lib/libaccel.so
LIBACCEL_A := $(HOST)/lib/libaccel.a
LIBACCEL_PRIV_A := $(HOST)/obj/libaccel-private.a
LIBACCEL_SAN_A := $(SAN)/lib/libaccel.a
LIBACCEL_PC := $(HOST)/lib/pkgconfig/libaccel.pc
ACCEL_INFO := $(HOST)/bin/accel-info
HELLO := $(HOST)/bin/hello

LIBDRM_CFLAGS = $(shell pkg-config --cflags libdrm 2>/dev/null)
LIBDRM_LIBS = $(shell pkg-config --libs libdrm 2>/dev/null)
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null)

# Where the sim backend looks for the firmware (ACCEL_FIRMWARE overrides).
LIBACCEL_FW_SEARCH := $(FW_IMAGE):$(PREFIX)/share/snpu/snpu.bin:/lib/firmware/snpu/snpu.bin:/usr/lib/firmware/snpu/snpu.bin
LIBACCEL_CFLAGS = -I$(TOP)/$(LIBACCEL_DIR)/include $(CORE_CFLAGS) \
	$(LIBDRM_CFLAGS) -pthread -DACCEL_FW_SEARCH='"$(LIBACCEL_FW_SEARCH)"'
# Everything inside the shared library is hidden but the ACCEL_API calls.
LIBACCEL_PIC := -fPIC -fvisibility=hidden

LA_HOST_OBJ := $(HOST)/obj/libaccel
LA_SAN_OBJ := $(SAN)/obj/libaccel
LA_CORE_OBJ := $(HOST)/obj/libaccel-core
LA_HOST_OBJS := $(patsubst $(LIBACCEL_DIR)/src/%.c,$(LA_HOST_OBJ)/%.o,$(LIBACCEL_SRCS))
LA_SAN_OBJS := $(patsubst $(LIBACCEL_DIR)/src/%.c,$(LA_SAN_OBJ)/%.o,$(LIBACCEL_SRCS))
include $(LIBACCEL_DIR)/model.mk
# The device core and the firmware parser, compiled again as hidden PIC.
LA_CORE_SRCS = $(CORE_SRCS) $(patsubst $(TOP)/%,%,$(FWLIB_SRCS))
LA_CORE_OBJS = $(patsubst %.c,$(LA_CORE_OBJ)/%.o,$(LA_CORE_SRCS))
LIBACCEL_LDLIBS += $(LIBDRM_LIBS) -lpthread -lm $(TE_LDLIBS)

ALL += $(LIBACCEL_SO) $(LIBACCEL_SO_LINK) $(LIBACCEL_A) $(LIBACCEL_SAN_A) $(LIBACCEL_PC) \
	$(ACCEL_INFO) $(HELLO)
GUEST_LIBS += $(LIBACCEL_SO)
GUEST_BINS += $(ACCEL_INFO) $(HELLO)
INSTALL_STEPS += install-libaccel

.PHONY: libaccel install-libaccel libaccel-tests
libaccel: $(LIBACCEL_SO) $(LIBACCEL_SO_LINK) $(LIBACCEL_A) $(LIBACCEL_SAN_A) $(LIBACCEL_PC) \
	$(ACCEL_INFO) $(HELLO)

$(LA_HOST_OBJ)/%.o: $(LIBACCEL_DIR)/src/%.c $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(Q)$(CC) $(COMMON_CFLAGS) $(OPT_CFLAGS) $(LIBACCEL_PIC) $(LIBACCEL_CFLAGS) -MMD -MP -c $< -o $@

$(LA_SAN_OBJ)/%.o: $(LIBACCEL_DIR)/src/%.c $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(Q)$(CC) $(COMMON_CFLAGS) $(SAN_CFLAGS) $(LIBACCEL_CFLAGS) -MMD -MP -c $< -o $@

$(LA_CORE_OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(COMMON_CFLAGS) $(OPT_CFLAGS) $(LIBACCEL_PIC) $(CORE_CFLAGS) $(TE_CFLAGS) -MMD -MP -c $< -o $@

$(LIBACCEL_SO): $(LA_HOST_OBJS) $(LA_CORE_OBJS) $(LIBACCEL_DIR)/libaccel.mk $(LIBACCEL_MAP)
	@mkdir -p $(@D)
	$(Q)$(CC) -shared -Wl,-soname,$(LIBACCEL_SONAME) -Wl,--no-undefined -Wl,-z,defs \
		-Wl,--version-script,$(LIBACCEL_MAP) \
		-o $@ $(LA_HOST_OBJS) $(LA_CORE_OBJS) $(LIBACCEL_LDLIBS)

$(LIBACCEL_SO_LINK): $(LIBACCEL_SO)
	$(Q)ln -sf $(LIBACCEL_SONAME) $@

# Static: one relocatable object (ld -r) whose hidden symbols (everything
# but ACCEL_API) are made local, so a static user's own snpu_*, te_*, ref_*
# never collide with ours.
$(LIBACCEL_A): $(LA_HOST_OBJS) $(LA_CORE_OBJS)
	@mkdir -p $(@D)
	$(Q)$(LD) -r -o $(@:.a=.o) $^
	$(Q)objcopy --localize-hidden $(@:.a=.o)
	$(Q)rm -f $@ && ar rcs $@ $(@:.a=.o) && rm -f $(@:.a=.o)

$(LIBACCEL_PRIV_A): $(LA_HOST_OBJS) $(LA_CORE_OBJS)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

# Sanitizer build: libaccel's own objects; tests add CORELIB_SAN and FWLIB_SAN.
$(LIBACCEL_SAN_A): $(LA_SAN_OBJS)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

# pkg-config file: $(1) prefix, $(2) includedir, $(3) libdir, $(4) output
define libaccel_pc
	$(Q)mkdir -p $(dir $(4))
	$(Q)printf '%s\n' 'prefix=$(1)' 'includedir=$(2)' 'libdir=$(3)' '' \
		'Name: libaccel' 'Description: C SDK of the SNPU neural-network accelerator' \
		'Version: $(LIBACCEL_VERSION)' 'Requires.private: libdrm' 'Cflags: -I$${includedir}' \
		'Libs: -L$${libdir} -laccel' 'Libs.private: -lpthread -lm -lprotobuf-c' > $(4)
endef

$(LIBACCEL_PC): $(LIBACCEL_DIR)/libaccel.mk $(LIBACCEL_DIR)/include/accel/version.h
	$(call libaccel_pc,$(TOP),$(TOP)/$(LIBACCEL_DIR)/include,$(HOST)/lib,$@)

# accel-info: finds libaccel.so.1 next door (build/host/lib, or /usr/lib in the guest).
$(ACCEL_INFO): $(LIBACCEL_DIR)/tools/accel-info.c $(LIBACCEL_HDRS) $(LIBACCEL_SO_LINK)
	@mkdir -p $(@D)
	$(Q)$(CC) $(COMMON_CFLAGS) $(OPT_CFLAGS) -I$(TOP)/$(LIBACCEL_DIR)/include -o $@ $< \
		-L$(HOST)/lib -laccel -Wl,-rpath,'$$ORIGIN/../lib'

# samples/hello: built exactly as a user would, through pkg-config.
$(HELLO): samples/hello/hello.c $(LIBACCEL_PC) $(LIBACCEL_SO_LINK) $(LIBACCEL_HDRS)
	@mkdir -p $(@D)
	$(Q)$(CC) -std=c11 -Wall -Wextra -Werror -O2 -o $@ $< \
		$$(PKG_CONFIG_PATH=$(HOST)/lib/pkgconfig pkg-config --cflags --libs libaccel) \
		-lm -Wl,-rpath,'$$ORIGIN/../lib'

# ---- tests -------------------------------------------------------------------
LA_TEST_SRCS := $(sort $(wildcard tests/host/test_libaccel*.c))
LA_TEST_COMMON := tests/host/libaccel_testutil.c
LA_TEST_MAINS := $(filter-out $(LA_TEST_COMMON),$(LA_TEST_SRCS))
LA_SAN_TESTS := $(patsubst tests/host/%.c,$(SAN)/tests/%,$(LA_TEST_MAINS))
LA_VM_TESTS := $(patsubst tests/host/%.c,$(BUILD)/guest/tests/%,$(LA_TEST_MAINS))
HOST_TESTS += $(LA_SAN_TESTS)
# The guest suites go to /usr/bin; tests/vm/40-libaccel.sh loads the driver
# and runs them (with accel-info and hello) as one VM test.
GUEST_BINS += $(LA_VM_TESTS)
VM_TESTS += $(sort $(wildcard $(TOP)/tests/vm/*libaccel*))
libaccel-tests: $(LA_SAN_TESTS) $(LA_VM_TESTS)

LA_TEST_CFLAGS = -I$(TOP)/$(LIBACCEL_DIR)/include -I$(TOP)/$(LIBACCEL_DIR)/src -I$(TOP)/tests/host $(shell pkg-config --cflags check 2>/dev/null)

# Host: the sim backend by default (ACCEL_DEVICE overrides).
$(SAN)/tests/test_libaccel%: tests/host/test_libaccel%.c $(wildcard $(LA_TEST_COMMON)) \
		$(wildcard tests/host/libaccel_testutil.h) $(LIBACCEL_SAN_A) $(CORELIB_SAN) $(FWLIB_SAN) \
		$(FW_IMAGE) $(ACCEL_INFO) $(HELLO) $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(Q)$(CC) $(COMMON_CFLAGS) $(SAN_CFLAGS) $(LA_TEST_CFLAGS) -DACCEL_TEST_DEVICE='"sim"' \
		-DACCEL_TEST_TOOLDIR='"$(HOST)/bin/"' \
		-o $@ $< $(wildcard $(LA_TEST_COMMON)) $(LIBACCEL_SAN_A) $(CORELIB_SAN) $(FWLIB_SAN) \
		$(CORE_LDLIBS) $(LIBDRM_LIBS) $(CHECK_LIBS)

# Guest: the same sources, -O2, first /dev/accel device by default. They
# link the private archive: the CPU reference they check against is private.
$(BUILD)/guest/tests/test_libaccel%: tests/host/test_libaccel%.c $(wildcard $(LA_TEST_COMMON)) \
		$(wildcard tests/host/libaccel_testutil.h) $(LIBACCEL_PRIV_A) $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(Q)$(CC) $(COMMON_CFLAGS) $(OPT_CFLAGS) $(LA_TEST_CFLAGS) -DACCEL_TEST_DEVICE='""' \
		-o $@ $< $(wildcard $(LA_TEST_COMMON)) $(LIBACCEL_PRIV_A) $(LIBACCEL_LDLIBS) \
		$(CHECK_LIBS)

# Symbol hygiene: nm on libaccel.a and libaccel.so shows only accel_* (the
# .so's at ACCEL_1.0), and a static program with its own snpu_*/te_*/ref_*
# symbols links against libaccel.a.
LA_SYMBOLS_TEST := $(HOST)/tests/libaccel-symbols
$(LA_SYMBOLS_TEST): tests/host/libaccel-symbols.sh $(LIBACCEL_A) $(LIBACCEL_SO)
	@mkdir -p $(@D)
	$(Q)install -m 0755 $< $@
HOST_TESTS += $(LA_SYMBOLS_TEST)

# ---- install -------------------------------------------------------------------
# Headers: include/accel/ (the API, self-contained) and include/snpu/ (the
# hardware contract the API documents refer to: command descriptors, the
# int8 arithmetic, the driver's ioctls).
install-libaccel: $(LIBACCEL_SO) $(LIBACCEL_A) $(ACCEL_INFO) $(FW_IMAGE)
	$(Q)install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/accel \
		$(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/snpu
	$(Q)install -m 0644 $(FW_IMAGE) $(DESTDIR)$(PREFIX)/share/snpu/snpu.bin
	$(Q)install -m 0755 $(LIBACCEL_SO) $(DESTDIR)$(PREFIX)/lib/$(LIBACCEL_SONAME)
	$(Q)ln -sf $(LIBACCEL_SONAME) $(DESTDIR)$(PREFIX)/lib/libaccel.so
	$(Q)install -m 0644 $(LIBACCEL_A) $(DESTDIR)$(PREFIX)/lib/libaccel.a
	$(Q)install -m 0644 $(LIBACCEL_HDRS) $(DESTDIR)$(PREFIX)/include/accel/
	$(Q)install -d $(DESTDIR)$(PREFIX)/include/snpu/drm
	$(Q)install -m 0644 $(wildcard uapi/*.h) $(DESTDIR)$(PREFIX)/include/snpu/
	$(Q)install -m 0644 $(wildcard uapi/drm/*.h) $(DESTDIR)$(PREFIX)/include/snpu/drm/
	$(Q)install -m 0755 $(ACCEL_INFO) $(DESTDIR)$(PREFIX)/bin/accel-info
	$(call libaccel_pc,$(PREFIX),$${prefix}/include,$${prefix}/lib,$(DESTDIR)$(PREFIX)/lib/pkgconfig/libaccel.pc)

-include $(wildcard $(LA_HOST_OBJ)/*.d $(LA_HOST_OBJ)/*/*.d $(LA_SAN_OBJ)/*.d $(LA_SAN_OBJ)/*/*.d)
-include $(shell find $(LA_CORE_OBJ) -name '*.d' 2>/dev/null)

# Relative aliases, so `make build/host/bin/accel-info` works from the top.
LA_OUTPUTS = $(LIBACCEL_SO) $(LIBACCEL_SO_LINK) $(LIBACCEL_A) $(LIBACCEL_SAN_A) $(LIBACCEL_PC) \
	$(ACCEL_INFO) $(HELLO) $(LA_SAN_TESTS) $(LA_VM_TESTS)
$(patsubst $(TOP)/%,%,$(LA_OUTPUTS)): %: $(TOP)/% ;

# ---- fuzz: the .npy reader of the model path (clang libFuzzer, ASan+UBSan) ----
# `make fuzz-npy` runs it for FUZZ_SECONDS from a corpus seeded with the
# committed .npy files of tests/models/.
NPY_FUZZ := $(BUILD)/fuzz/fuzz_npy
NPY_FUZZ_SRCS := libaccel/fuzz/fuzz_npy.c $(LIBACCEL_DIR)/src/model/npy.c $(LIBACCEL_DIR)/src/status.c
FUZZ_TARGETS += $(NPY_FUZZ)

$(NPY_FUZZ): $(NPY_FUZZ_SRCS) $(LIBACCEL_DIR)/src/model/npy.h $(LIBACCEL_DIR)/src/internal.h $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(Q)clang $(COMMON_CFLAGS) -O1 -I$(TOP)/$(LIBACCEL_DIR)/include -I$(TOP)/$(LIBACCEL_DIR)/src \
		-pthread -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o $@ $(NPY_FUZZ_SRCS)

.PHONY: fuzz-npy
FUZZ_RUNS += fuzz-npy
fuzz-npy: $(NPY_FUZZ)
	$(Q)mkdir -p $(BUILD)/fuzz/corpus-npy
	$(Q)for f in tests/models/*/*.npy; do \
		cp -n $$f $(BUILD)/fuzz/corpus-npy/seed-$$(echo $$f | tr / _); done
	$(Q)$(NPY_FUZZ) -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -print_final_stats=1 \
		$(BUILD)/fuzz/corpus-npy
$(patsubst $(TOP)/%,%,$(NPY_FUZZ)): %: $(TOP)/% ;

# accel-top: live per-device view (counters, utilisation, queue depth).
ACCEL_TOP := $(HOST)/bin/accel-top
ALL += $(ACCEL_TOP)
GUEST_BINS += $(ACCEL_TOP)
$(ACCEL_TOP): $(LIBACCEL_DIR)/tools/accel-top.c $(LIBACCEL_HDRS) $(LIBACCEL_SO_LINK)
	@mkdir -p $(@D)
	$(Q)$(CC) $(COMMON_CFLAGS) $(OPT_CFLAGS) -I$(TOP)/$(LIBACCEL_DIR)/include -o $@ $< \
		-L$(HOST)/lib -laccel -Wl,-rpath,'$$ORIGIN/../lib'
$(SAN)/tests/test_libaccel_top: $(ACCEL_TOP)
build/host/bin/accel-top: $(ACCEL_TOP) ;
