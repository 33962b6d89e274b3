# tests/: host Check suites are built by their component's fragment
# (tests/host/test_<component>_*.c); in-VM tests are installed by theirs
# (tests/vm/). This fragment holds what belongs to no single component.

# In-VM: the device's BAR0 read with busybox devmem (identity, counters).
VM_TESTS += $(TOP)/tests/vm/05-device-devmem.sh
