Feature: The balloon
  With -device virtio-balloon-device, balloon sets the guest's memory target; the guest's driver
  gives pages back to the host (which frees them) or takes them back, and query-balloon reports
  what the guest holds. Until the guest's driver has started the device, both answer
  DeviceNotActive; the conformance guest starts it before it prints "ready" (docs/managing-vms.md, "Using Ballon Devices"; docs/facts.md §2, §6).

  Scenario Outline: The guest follows the target down and up, and query-balloon reports it (<accel>)
    Given a VM booted on <accel> with "-m 256 -device virtio-balloon-device"
    And the guest console shows "ready"
    When a client connects
    And the client sends:
      """
      {"execute": "query-balloon"}
      {"execute": "balloon", "arguments": {"value": 134217728}}
      """
    Then the client receives:
      """
      {"return": {"actual": 268435456}}
      {"return": {}}
      """
    And the client receives, among other BALLOON_CHANGED events:
      """
      {"event": "BALLOON_CHANGED", "data": {"actual": 134217728}, "timestamp": "*"}
      """
    When the client sends:
      """
      {"execute": "query-balloon"}
      """
    Then the client receives:
      """
      {"return": {"actual": 134217728}}
      """
    When the guest runs "balloon"
    Then the guest prints "balloon: target=32768 actual=32768 pages (128 MiB)"
    When the client sends:
      """
      {"execute": "balloon", "arguments": {"value": 2147483648}}
      """
    Then the client receives:
      """
      {"return": {}}
      """
    And the client receives, among other BALLOON_CHANGED events:
      """
      {"event": "BALLOON_CHANGED", "data": {"actual": 268435456}, "timestamp": "*"}
      """

    Examples:
      | accel |
      | emu   |

    @kvm
    Examples:
      | accel |
      | kvm   |

  Scenario Outline: Memory the guest gives to the balloon leaves the altovirt process (<accel>)
    Given a VM booted on <accel> with "-m 256 -device virtio-balloon-device,deflate-on-oom=on"
    When the guest runs "mem fill 160"
    Then the guest prints "mem: filled 160 MiB"
    When the resident memory of altovirt is noted
    And a client connects
    And the client sends:
      """
      {"execute": "balloon", "arguments": {"value": 67108864}}
      """
    Then the client receives:
      """
      {"return": {}}
      """
    And the client receives, among other BALLOON_CHANGED events:
      """
      {"event": "BALLOON_CHANGED", "data": {"actual": 67108864}, "timestamp": "*"}
      """
    And the resident memory of altovirt has shrunk by at least 120 MiB

    Examples:
      | accel |
      | emu   |

    @kvm
    Examples:
      | accel |
      | kvm   |

  Scenario: The guest sees the balloon in its device list
    Given a VM booted on emu with "-m 256 -device virtio-balloon-device"
    When the guest runs "devices"
    Then the guest prints "virtio8 base=0xf0101000 size=0x200 irq=13"
    And the guest prints "type=balloon"

  Scenario: A target above the configured memory means the configured memory
    Given a VM booted on emu with "-m 256 -device virtio-balloon-device"
    And the guest console shows "ready"
    When a client connects
    And the client sends:
      """
      {"execute": "balloon", "arguments": {"value": 4294967296}}
      {"execute": "query-balloon"}
      """
    Then the client receives:
      """
      {"return": {}}
      {"return": {"actual": 268435456}}
      """
    When the guest runs "balloon"
    Then the guest prints "balloon: target=0 actual=0 pages"

  Scenario: Free page reporting is refused, not ignored
    When altovirt is run with "-m 256 -kernel {guest} -device virtio-balloon-device,free-page-reporting=on"
    Then altovirt exits with status 1
    And stderr is one line containing "free-page-reporting=on is not implemented"
