package org.altovirt.devices.virtio;

/**
 * Where the driver put one split virtqueue (virtio-mmio QueueNum, QueueDesc, QueueDriver,
 * QueueDevice): as written by the guest, so not yet checked.
 *
 * @param size number of descriptors (QueueNum)
 * @param descTable guest-physical address of the descriptor table
 * @param availRing guest-physical address of the available ("driver") ring
 * @param usedRing guest-physical address of the used ("device") ring
 */
record QueueLayout(int size, long descTable, long availRing, long usedRing) {}
