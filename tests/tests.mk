# tests/: host Check suites are built by their component's fragment
# (tests/host/test_<component>_*.c); in-VM tests are installed by theirs
# (tests/vm/). This fragment holds what belongs to no single component.
