Feature: Booting a guest
  altovirt boots a Linux-boot-protocol kernel: here the conformance guest
  (guest-images/conformance-guest), which reports what it finds from inside.
  Every scenario runs on the emu accelerator, and on KVM where /dev/kvm is usable.

  Scenario Outline: The guest boots and prints its banner (<accel>)
    Given a VM booted on <accel> with "-m 256"
    Then the guest console shows "altovirt conformance guest"
    And the guest console shows "ready"

    Examples:
      | accel |
      | emu   |

    @kvm
    Examples:
      | accel |
      | kvm   |

  Scenario Outline: The guest sees the memory and the command line it was given (<accel>)
    Given a VM booted on <accel> with "-m 384 -smp 2"
    When the guest runs "info"
    Then the guest prints "entry: 64"
    And the guest prints "cmdline: console=ttyS0 quiet virtio_mmio.device=512@0xf0100000:5"
    And the guest prints "ram: 384 MiB"
    And the guest prints "boot_params: 0x7000"

    Examples:
      | accel |
      | emu   |

    @kvm
    Examples:
      | accel |
      | kvm   |

  Scenario Outline: Six disk slots and two NIC slots exist from boot, empty ones with capacity 0 (<accel>)
    Given a VM booted on <accel> with "-m 256"
    When the guest runs "devices"
    Then the guest prints "virtio0 base=0xf0100000 size=0x200 irq=5 magic=ok version=2 id=2 type=blk"
    And the guest prints "virtio5 base=0xf0100a00 size=0x200 irq=10 magic=ok version=2 id=2 type=blk"
    And the guest prints "disk=vdf capacity=0"
    And the guest prints "virtio6 base=0xf0100c00 size=0x200 irq=11 magic=ok version=2 id=1 type=net"
    And the guest prints "mac=52:54:00:12:34:57"

    Examples:
      | accel |
      | emu   |

    @kvm
    Examples:
      | accel |
      | kvm   |

  Scenario Outline: The guest computes what the host computes (<accel>)
    Given a VM booted on <accel> with "-m 256"
    When the guest runs "compute 20000"
    Then the guest prints the checksum of compute 20000

    Examples:
      | accel |
      | emu   |

    @kvm
    Examples:
      | accel |
      | kvm   |

  Scenario Outline: The guest powers off through the i8042 and altovirt ends (<accel>)
    Given a VM booted on <accel> with "-m 256"
    When a client connects
    And the guest runs "help"
    And "poweroff" is typed on the guest console
    Then the client receives:
      """
      {"event":"SHUTDOWN","data":{"guest":true,"reason":"guest-reset"},"timestamp":"*"}
      """
    And altovirt exits with status 0

    Examples:
      | accel |
      | emu   |

    @kvm
    Examples:
      | accel |
      | kvm   |
