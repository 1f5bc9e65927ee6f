Feature: Disks
  A -drive given to a virtio-blk-device is a disk the guest reads and writes
  (docs/managing-vms.md's example command line; docs/facts.md §3, §6).

  Background:
    Given a disk image "disk0.img" of 4 MiB filled with random bytes

  Scenario Outline: The guest sees the disk with its capacity (<accel>)
    Given a VM booted on <accel> with "-m 256 -drive file={tmp}/disk0.img,id=rootfs,readonly=off,direct=off -device virtio-blk-device,drive=rootfs"
    When the guest runs "blk size vda"
    Then the guest prints "vda capacity=8192 sectors bytes=4194304"

    Examples:
      | accel |
      | emu   |

    @kvm
    Examples:
      | accel |
      | kvm   |

  Scenario Outline: What the host wrote, the guest reads (<accel>)
    Given a VM booted on <accel> with "-m 256 -drive file={tmp}/disk0.img,id=d0 -device virtio-blk-device,drive=d0"
    When the guest runs "blk read vda 100 24"
    Then the guest prints the checksum of sectors 100 to 24 of "disk0.img"

    Examples:
      | accel |
      | emu   |

    @kvm
    Examples:
      | accel |
      | kvm   |

  Scenario Outline: What the guest wrote lands in the file, and nothing else changes (<accel>)
    Given a VM booted on <accel> with "-m 256 -drive file={tmp}/disk0.img,id=d0 -device virtio-blk-device,drive=d0"
    When the guest writes pattern 90 to sectors 3 to 5 of vda
    And the guest runs "blk flush vda"
    Then the guest prints "vda flush ok"
    And sectors 3 to 5 of "disk0.img" hold the guest's pattern 90
    And the rest of "disk0.img" is unchanged

    Examples:
      | accel |
      | emu   |

    @kvm
    Examples:
      | accel |
      | kvm   |

  Scenario Outline: A read-only drive refuses writes (<accel>)
    Given a VM booted on <accel> with "-m 256 -drive file={tmp}/disk0.img,id=d0,readonly=on -device virtio-blk-device,drive=d0"
    When the guest runs "blk write vda 0 1 7"
    Then the guest prints "error: vda: I/O error"
    And "disk0.img" is unchanged

    Examples:
      | accel |
      | emu   |

    @kvm
    Examples:
      | accel |
      | kvm   |

  Scenario Outline: A second disk is vdb, and GET_ID reports the drive's serial (<accel>)
    Given a disk image "disk1.img" of 1 MiB filled with random bytes
    And a VM booted on <accel> with "-m 256 -drive file={tmp}/disk0.img,id=d0 -device virtio-blk-device,drive=d0 -drive file={tmp}/disk1.img,id=d1,serial=data-disk -device virtio-blk-device,drive=d1"
    When the guest runs "blk size vdb"
    Then the guest prints "vdb capacity=2048 sectors"
    When the guest runs "blk id vdb"
    Then the guest prints "vdb id=data-disk"

    Examples:
      | accel |
      | emu   |

    @kvm
    Examples:
      | accel |
      | kvm   |
