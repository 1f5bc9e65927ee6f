Feature: Hot-pluggable disks
  blockdev-add opens an image, device_add plugs it into a free virtio-blk slot while the guest
  runs, and device_del takes it out again (docs/managing-vms.md, "Hot-Pluggable Disks"; docs/facts.md §2,
  §3). The guest sees each change in the slot's configuration space.

  Background:
    Given a disk image "hot.img" of 2 MiB filled with random bytes

  Scenario Outline: A disk plugged in at addr 0x1 is the guest's vdb, and device_del takes it out (<accel>)
    Given a VM booted on <accel> with "-m 256"
    When the guest runs "blk size vdb"
    Then the guest prints "vdb capacity=0 sectors"
    When a client connects
    And the client sends:
      """
      {"execute": "blockdev-add", "arguments": {"node-name": "drive-0", "file": {"driver": "file", "filename": "{tmp}/hot.img"}, "cache": {"direct": true}, "read-only": false}}
      {"execute": "device_add", "arguments": {"id": "drive-0", "driver": "virtio-blk-mmio", "addr": "0x1"}}
      """
    Then the client receives:
      """
      {"return": {}}
      {"return": {}}
      """
    When the guest runs "blk size vdb"
    Then the guest prints "vdb capacity=4096 sectors bytes=2097152"
    When the guest runs "blk read vdb 10 20"
    Then the guest prints the checksum of sectors 10 to 20 of "hot.img"
    When the client sends:
      """
      {"execute": "device_del", "arguments": {"id": "drive-0"}}
      """
    Then the client receives:
      """
      {"event": "DEVICE_DELETED", "data": {"device": "drive-0", "path": "drive-0"}, "timestamp": "*"}
      {"return": {}}
      """
    When the guest runs "blk size vdb"
    Then the guest prints "vdb capacity=0 sectors"

    Examples:
      | accel |
      | emu   |

    @kvm
    Examples:
      | accel |
      | kvm   |

  Scenario: What the guest writes to a plugged-in disk lands in its image
    Given a VM booted on emu with "-m 256"
    When a client connects
    And the client sends:
      """
      {"execute": "blockdev-add", "arguments": {"node-name": "data", "file": {"driver": "file", "filename": "{tmp}/hot.img"}}}
      {"execute": "device_add", "arguments": {"id": "data", "driver": "virtio-blk-mmio", "lun": 2}}
      """
    Then the client receives:
      """
      {"return": {}}
      {"return": {}}
      """
    When the guest writes pattern 33 to sectors 7 to 2 of vdd
    And the guest runs "blk flush vdd"
    Then the guest prints "vdd flush ok"
    And sectors 7 to 2 of "hot.img" hold the guest's pattern 33
    And the rest of "hot.img" is unchanged

  Scenario: A read-only plugged-in disk refuses the guest's writes
    Given a VM booted on emu with "-m 256"
    When a client connects
    And the client sends:
      """
      {"execute": "blockdev-add", "arguments": {"node-name": "ro", "file": {"driver": "file", "filename": "{tmp}/hot.img"}, "read-only": true}}
      {"execute": "device_add", "arguments": {"id": "ro", "driver": "virtio-blk-mmio"}}
      """
    Then the client receives:
      """
      {"return": {}}
      {"return": {}}
      """
    When the guest runs "blk write vda 0 1 7"
    Then the guest prints "error: vda: I/O error"
    And "hot.img" is unchanged

  Scenario Outline: A hot-plug request that cannot be done is refused, naming the problem
    Given a disk image "root.img" of 1 MiB
    And a VM booted on emu with "-m 256 -drive file={tmp}/root.img,id=rootfs -device virtio-blk-device,drive=rootfs,id=root"
    When a client connects
    And the client sends:
      """
      {"execute": "blockdev-add", "arguments": {"node-name": "drive-0", "file": {"driver": "file", "filename": "{tmp}/hot.img"}}}
      """
    Then the client receives:
      """
      {"return": {}}
      """
    When the client sends:
      """
      <request>
      """
    Then the client receives an error of class "<class>" starting "<message>"
    When the guest runs "blk size vda"
    Then the guest prints "vda capacity=2048 sectors"

    Examples:
      | request                                                                                                                       | class          | message                                                       |
      | {"execute": "blockdev-add", "arguments": {"node-name": "drive-1", "file": {"driver": "file", "filename": "{tmp}/missing.img"}}} | GenericError   | Could not open '{tmp}/missing.img': no such file               |
      | {"execute": "blockdev-add", "arguments": {"node-name": "drive-1", "file": {"driver": "file", "filename": "{tmp}/root.img"}}}    | GenericError   | Could not open '{tmp}/root.img': the image is already in use by device 'root' |
      | {"execute": "blockdev-add", "arguments": {"node-name": "drive-0", "file": {"driver": "file", "filename": "{tmp}/hot.img"}}}     | GenericError   | Duplicate nodes with node-name='drive-0'                      |
      | {"execute": "device_add", "arguments": {"id": "drive-9", "driver": "virtio-blk-mmio"}}                                          | GenericError   | no block device 'drive-9': add it with blockdev-add first     |
      | {"execute": "device_add", "arguments": {"id": "drive-0", "driver": "virtio-blk-mmio", "addr": "0x0"}}                           | GenericError   | addr 0x0 (vda) is in use by device 'root'                     |
      | {"execute": "device_add", "arguments": {"id": "drive-0", "driver": "virtio-blk-mmio", "addr": "0x6"}}                           | GenericError   | addr 0x6: the disk slots are 0x0 to 0x5                       |
      | {"execute": "device_add", "arguments": {"id": "root", "driver": "virtio-blk-mmio"}}                                             | GenericError   | Duplicate ID 'root' for device                                |
      | {"execute": "device_del", "arguments": {"id": "nothing"}}                                                                       | DeviceNotFound | Device 'nothing' not found                                    |
