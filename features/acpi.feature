Feature: ACPI: the machine described to the guest, power-off, reset and the power button
  altovirt writes ACPI tables (docs/acpi.md) so that a distribution kernel finds its CPUs and
  virtio devices, and offers hardware-reduced ACPI's sleep and reset registers and a power
  button. The conformance guest's "acpi" command reads the tables and uses the registers as
  Linux does.

  Scenario Outline: The guest finds the tables through boot_params, every checksum right (<accel>)
    Given a VM booted on <accel> with "-m 256 -smp 2 -device virtio-balloon-device"
    When the guest runs "acpi tables"
    Then the guest prints "acpi: RSDP at 0xe0000 (boot_params)"
    And the guest prints "acpi: FACP length 276 checksum ok"
    And the guest prints "acpi: APIC length"
    And the guest prints "acpi: DSDT checksum ok"
    And the guest prints "acpi: hw-reduced=yes cpus=2 virtio-mmio=9 ged=1 power-button=1"

    Examples:
      | accel |
      | emu   |

    @kvm
    Examples:
      | accel |
      | kvm   |

  Scenario Outline: The guest powers off through ACPI S5 and altovirt ends (<accel>)
    Given a VM booted on <accel> with "-m 256"
    When a client connects
    And the guest runs "help"
    And "acpi poweroff" is typed on the guest console
    Then the client receives:
      """
      {"event":"SHUTDOWN","data":{"guest":true,"reason":"guest-shutdown"},"timestamp":"*"}
      """
    And altovirt exits with status 0

    Examples:
      | accel |
      | emu   |

    @kvm
    Examples:
      | accel |
      | kvm   |

  Scenario Outline: The guest resets through the FADT's reset register (<accel>)
    Given a VM booted on <accel> with "-m 256"
    When a client connects
    And the guest runs "help"
    And "acpi reset" is typed on the guest console
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

  Scenario: system_powerdown emits POWERDOWN before its return; a guest without a handler goes on
    Given a VM booted on emu with "-m 256"
    When a client connects
    And the client sends:
      """
      {"execute":"system_powerdown"}
      """
    Then the client receives:
      """
      {"event":"POWERDOWN","data":{},"timestamp":"*"}
      {"return":{}}
      """
    And query-status says "running"
    When the guest runs "info"
    Then the guest prints "cmdline"

  Scenario: With acpi=off the guest finds no tables, and system_powerdown is refused
    Given a VM booted on emu with "-m 256 -machine microvm,acpi=off"
    When the guest runs "acpi tables"
    Then the guest prints "acpi: no tables"
    When a client connects
    And the client sends:
      """
      {"execute":"system_powerdown"}
      """
    Then the client receives:
      """
      {"error":{"class":"GenericError","desc":"this VM has no ACPI (-machine acpi=off), so its guest has no power button to press"}}
      """
