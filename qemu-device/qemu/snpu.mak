# x86_64 device set for SNPU's QEMU (scripts/qemu-build.sh):
# q35 with virtio and an IOMMU, plus the SNPU.
CONFIG_Q35=y
CONFIG_VIRTIO_PCI=y
CONFIG_VIRTIO_BLK=y
CONFIG_VTD=y
CONFIG_SNPU=y
# virtio-9p: `make vm SHARE=DIR` shares a host directory (needs --enable-virtfs).
CONFIG_VIRTIO_9P=y
# pcie-root-port: a hot-pluggable slot for an SNPU (tests/vm/hotunplug.sh).
CONFIG_PCIE_PORT=y
