Feature: VM memory snapshots
  migrate {"uri": "file:DIR"} writes the paused VM's devices and vCPUs to DIR/state and its RAM to
  DIR/memory; query-migrate follows it. A new altovirt with the same command line and -incoming
  file:DIR goes on where the guest was (docs/managing-vms.md, "Using VM Memory Snapshots"; docs/facts.md §2).

  Background:
    Given a disk image "disk0.img" of 4 MiB filled with random bytes

  Scenario Outline: A guest restored from a snapshot goes on where it was, disk included (<accel>)
    Given a VM booted on <accel> with "-m 256 -drive file={tmp}/disk0.img,id=rootfs -device virtio-blk-device,drive=rootfs"
    When the guest runs "blk read vda 0 8"
    And the guest runs "ticks"
    Then the guest prints a tick count
    When a client connects
    And the client sends:
      """
      {"execute": "query-migrate"}
      {"execute": "migrate", "arguments": {"uri": "file:{tmp}/template"}}
      """
    Then the client receives:
      """
      {"return": {"status": "none"}}
      {"event": "STOP", "data": {}, "timestamp": "*"}
      {"return": {}}
      """
    And query-migrate reaches "completed"
    And query-status says "paused"
    And the snapshot directory "template" holds a state file and a memory file of 268435456 bytes
    When the client sends:
      """
      {"execute": "quit"}
      """
    Then the client receives:
      """
      {"return": {}}
      {"event": "SHUTDOWN", "data": {"guest": false, "reason": "host-qmp-quit"}, "timestamp": "*"}
      """
    And altovirt exits with status 0
    Given a VM restored on <accel> from "template" with "-m 256 -drive file={tmp}/disk0.img,id=rootfs -device virtio-blk-device,drive=rootfs"
    When the guest runs "ticks"
    Then the guest prints a tick count larger than before
    And the guest has not printed its banner again
    When the guest runs "blk read vda 100 24"
    Then the guest prints the checksum of sectors 100 to 24 of "disk0.img"
    When a client connects
    And the client sends:
      """
      {"execute": "query-status"}
      """
    Then the client receives:
      """
      {"return": {"running": true, "singlestep": false, "status": "running"}}
      """

    Examples:
      | accel |
      | emu   |

    @kvm
    Examples:
      | accel |
      | kvm   |

  Scenario: A disk hot-plugged before the snapshot is given on the restoring command line and goes back to its slot
    Given a disk image "hot.img" of 2 MiB filled with random bytes
    And a VM booted on emu with "-m 256"
    When the guest runs "info"
    And a client connects
    And the client sends:
      """
      {"execute": "blockdev-add", "arguments": {"node-name": "hot", "file": {"driver": "file", "filename": "{tmp}/hot.img"}}}
      {"execute": "device_add", "arguments": {"id": "hot", "driver": "virtio-blk-mmio", "addr": "0x2"}}
      """
    Then the client receives:
      """
      {"return": {}}
      {"return": {}}
      """
    When the guest runs "blk read vdc 0 4"
    Then the guest prints the checksum of sectors 0 to 4 of "hot.img"
    When the client sends:
      """
      {"execute": "migrate", "arguments": {"uri": "file:{tmp}/template"}}
      """
    Then the client receives:
      """
      {"event": "STOP", "data": {}, "timestamp": "*"}
      {"return": {}}
      """
    And query-migrate reaches "completed"
    When the client sends:
      """
      {"execute": "quit"}
      """
    Then the client receives:
      """
      {"return": {}}
      {"event": "SHUTDOWN", "data": {"guest": false, "reason": "host-qmp-quit"}, "timestamp": "*"}
      """
    And altovirt exits with status 0
    Given a VM restored on emu from "template" with "-m 256 -drive file={tmp}/hot.img,id=hot -device virtio-blk-device,drive=hot,id=hot"
    When the guest runs "blk read vdc 10 20"
    Then the guest prints the checksum of sectors 10 to 20 of "hot.img"
    When the guest runs "blk size vda"
    Then the guest prints "vda capacity=0 sectors"

  Scenario: A snapshot that does not fit the VM is refused, naming the difference
    Given a VM booted on emu with "-m 256 -drive file={tmp}/disk0.img,id=rootfs -device virtio-blk-device,drive=rootfs"
    When the guest runs "info"
    And a client connects
    And the client sends:
      """
      {"execute": "stop"}
      {"execute": "migrate", "arguments": {"uri": "file:{tmp}/template"}}
      """
    Then the client receives:
      """
      {"event": "STOP", "data": {}, "timestamp": "*"}
      {"return": {}}
      {"return": {}}
      """
    And query-migrate reaches "completed"
    When the client sends:
      """
      {"execute": "cont"}
      {"execute": "quit"}
      """
    Then the client receives:
      """
      {"event": "RESUME", "data": {}, "timestamp": "*"}
      {"return": {}}
      {"return": {}}
      {"event": "SHUTDOWN", "data": {"guest": false, "reason": "host-qmp-quit"}, "timestamp": "*"}
      """
    And altovirt exits with status 0
    When altovirt is run with "-m 128 -accel emu -kernel {guest} -drive file={tmp}/disk0.img,id=rootfs -device virtio-blk-device,drive=rootfs -incoming file:{tmp}/template"
    Then altovirt exits with status 1
    And stderr is one line containing "-incoming file:{tmp}/template: the snapshot's VM had -m 256M, this one -m 128M; give the same -m"
    When altovirt is run with "-m 256 -accel emu -smp 2 -kernel {guest} -drive file={tmp}/disk0.img,id=rootfs -device virtio-blk-device,drive=rootfs -incoming file:{tmp}/template"
    Then altovirt exits with status 1
    And stderr is one line containing "the snapshot's VM had -smp 1, this one -smp 2; give the same -smp"
    When altovirt is run with "-m 256 -accel emu -kernel {guest} -incoming file:{tmp}/template"
    Then altovirt exits with status 1
    And stderr is one line containing "disk slot 0x0 (vda): the snapshot has {tmp}/disk0.img there; give it on the command line"

  Scenario Outline: A damaged or missing snapshot is refused, and nothing starts
    Given a file "<file>" containing '<content>'
    When altovirt is run with "-m 256 -kernel {guest} -incoming file:{tmp}/<dir>"
    Then altovirt exits with status 1
    And stderr is one line containing "<message>"

    Examples:
      | dir     | file          | content                                     | message                                                   |
      | nothing | other.txt     | x                                           | {tmp}/nothing: no such snapshot directory                  |
      | bad     | bad/state     | {"format": "qcow2"}                         | {tmp}/bad/state: not an altovirt snapshot                  |
      | bad     | bad/state     | {"format": "altovirt-snapshot", "version": 1} | {tmp}/bad/state: damaged: 'machine' is missing             |
      | bad     | bad/state     | [1, 2                                       | {tmp}/bad/state: not valid JSON                            |
      | bad     | bad/memory    | x                                           | {tmp}/bad/state: no such file                              |

  Scenario: A snapshot is refused for a VM with a balloon, and for a destination that is not a directory
    Given a VM booted on emu with "-m 256 -device virtio-balloon-device"
    And a file "plain" containing "x"
    When a client connects
    And the client sends:
      """
      {"execute": "migrate", "arguments": {"uri": "file:{tmp}/template"}}
      {"execute": "migrate", "arguments": {"uri": "tcp:127.0.0.1:4444"}}
      {"execute": "query-migrate"}
      {"execute": "query-status"}
      """
    Then the client receives:
      """
      {"error": {"class": "GenericError", "desc": "a VM with a balloon device cannot be snapshotted (docs/managing-vms.md: snapshots and the balloon exclude each other)"}}
      {"error": {"class": "GenericError", "desc": "migrate: uri 'tcp:127.0.0.1:4444': only file:/absolute/dir is supported (a snapshot directory)"}}
      {"return": {"status": "none"}}
      {"return": {"running": true, "singlestep": false, "status": "running"}}
      """

  @kvm
  Scenario: A snapshot taken on emu is not restored on kvm
    Given a VM booted on emu with "-m 256"
    When the guest runs "info"
    And a client connects
    And the client sends:
      """
      {"execute": "migrate", "arguments": {"uri": "file:{tmp}/template"}}
      """
    Then the client receives:
      """
      {"event": "STOP", "data": {}, "timestamp": "*"}
      {"return": {}}
      """
    And query-migrate reaches "completed"
    When the client sends:
      """
      {"execute": "quit"}
      """
    Then the client receives:
      """
      {"return": {}}
      {"event": "SHUTDOWN", "data": {"guest": false, "reason": "host-qmp-quit"}, "timestamp": "*"}
      """
    And altovirt exits with status 0
    When altovirt is run with "-m 256 -accel kvm -kernel {guest} -incoming file:{tmp}/template"
    Then altovirt exits with status 1
    And stderr is one line containing "the snapshot was taken on -accel emu; restore it with -accel emu (this VM runs on kvm)"

  Scenario: A restored guest is snapshotted again into the same directory and restored again
    Given a VM booted on emu with "-m 256"
    When the guest runs "compute 1000"
    And a client connects
    And the client sends:
      """
      {"execute": "migrate", "arguments": {"uri": "file:{tmp}/template"}}
      """
    Then the client receives:
      """
      {"event": "STOP", "data": {}, "timestamp": "*"}
      {"return": {}}
      """
    And query-migrate reaches "completed"
    When the client sends:
      """
      {"execute": "quit"}
      """
    Then the client receives:
      """
      {"return": {}}
      {"event": "SHUTDOWN", "data": {"guest": false, "reason": "host-qmp-quit"}, "timestamp": "*"}
      """
    And altovirt exits with status 0
    Given a VM restored on emu from "template" with "-m 256"
    When the guest runs "compute 2000"
    Then the guest prints the checksum of compute 2000
    When the guest runs "ticks"
    Then the guest prints a tick count
    When a client connects
    And the client sends:
      """
      {"execute": "migrate", "arguments": {"uri": "file:{tmp}/template"}}
      """
    Then the client receives:
      """
      {"event": "STOP", "data": {}, "timestamp": "*"}
      {"return": {}}
      """
    And query-migrate reaches "completed"
    When the client sends:
      """
      {"execute": "cont"}
      """
    Then the client receives:
      """
      {"event": "RESUME", "data": {}, "timestamp": "*"}
      {"return": {}}
      """
    When the guest runs "compute 3000"
    Then the guest prints the checksum of compute 3000
    When the client sends:
      """
      {"execute": "quit"}
      """
    Then the client receives:
      """
      {"return": {}}
      {"event": "SHUTDOWN", "data": {"guest": false, "reason": "host-qmp-quit"}, "timestamp": "*"}
      """
    And altovirt exits with status 0
    Given a VM restored on emu from "template" with "-m 256"
    When the guest runs "ticks"
    Then the guest prints a tick count larger than before
