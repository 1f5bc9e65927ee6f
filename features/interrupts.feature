Feature: Interrupts
  The guest takes interrupts for real: its local APIC's timer, and a disk's completion routed
  through the I/O APIC (docs/facts.md §3: the APICs at 0xFEE00000 and 0xFEC00000, virtio-mmio IRQs
  from 5). On KVM the in-kernel APICs deliver them; on emu altovirt's own.

  Scenario Outline: The local APIC timer interrupts a halted guest, again and again (<accel>)
    Given a VM booted on <accel> with "-m 256"
    When the guest runs "irq timer 50"
    Then the guest prints "irq: 50 timer interrupts on vector 0x40 (apic id 0"
    When the guest runs "compute 1000"
    Then the guest prints the checksum of compute 1000

    Examples:
      | accel |
      | emu   |

    @kvm
    Examples:
      | accel |
      | kvm   |

  Scenario Outline: A disk's completion interrupt reaches the guest through the I/O APIC (<accel>)
    Given a disk image "disk0.img" of 1 MiB filled with random bytes
    And a VM booted on <accel> with "-m 256 -drive file={tmp}/disk0.img,id=d0 -device virtio-blk-device,drive=d0"
    When the guest runs "irq blk vda"
    Then the guest prints "irq: vda completion interrupt on vector 0x41 (irq 5)"
    When the guest runs "blk read vda 0 16"
    Then the guest prints the checksum of sectors 0 to 16 of "disk0.img"

    Examples:
      | accel |
      | emu   |

    @kvm
    Examples:
      | accel |
      | kvm   |

  Scenario: A guest restored from a snapshot keeps its timer running (emu)
    Given a VM booted on emu with "-m 256"
    When the guest runs "irq timer 5"
    Then the guest prints "irq: 5 timer interrupts"
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
      {"execute": "quit"}
      """
    Then the client receives:
      """
      {"return": {}}
      {"event": "SHUTDOWN", "data": {"guest": false, "reason": "host-qmp-quit"}, "timestamp": "*"}
      """
    And altovirt exits with status 0
    Given a VM restored on emu from "template" with "-m 256"
    When the guest runs "irq timer 20"
    Then the guest prints "irq: 20 timer interrupts on vector 0x40"
