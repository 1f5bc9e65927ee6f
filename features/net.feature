Feature: Hot-pluggable NICs
  netdev_add opens a host tap device, device_add with virtio-net-mmio connects it to a NIC slot
  (addr 0x0 is eth0) and the guest's link comes up; device_del disconnects it. The guest pings
  the host end of the tap through the card (docs/managing-vms.md, "Hot-Pluggable NICs"; docs/facts.md §2).

  Background:
    Given a tap device on the host with an address

  Scenario Outline: A NIC plugged in at addr 0x0 is the guest's eth0, and it reaches the host (<accel>)
    Given a VM booted on <accel> with "-m 256"
    When the guest runs "net status eth0"
    Then the guest prints "eth0 mac=52:54:00:12:34:56 link=down"
    When a client connects
    And the client sends:
      """
      {"execute": "netdev_add", "arguments": {"id": "net-0", "ifname": "{tap}"}}
      {"execute": "device_add", "arguments": {"id": "net-0", "driver": "virtio-net-mmio", "addr": "0x0"}}
      """
    Then the client receives:
      """
      {"return": {}}
      {"return": {}}
      """
    When the guest runs "net status eth0"
    Then the guest prints "eth0 mac=52:54:00:12:34:56 link=up"
    When the guest runs "net ping eth0 {guest_ip} {host_ip}"
    Then the guest prints "net: 40 bytes from {host_ip}: icmp_seq=1 ttl=64"
    When the client sends:
      """
      {"execute": "device_del", "arguments": {"id": "net-0"}}
      """
    Then the client receives:
      """
      {"event": "DEVICE_DELETED", "data": {"device": "net-0", "path": "net-0"}, "timestamp": "*"}
      {"return": {}}
      """
    When the guest runs "net status eth0"
    Then the guest prints "eth0 mac=52:54:00:12:34:56 link=down"

    Examples:
      | accel |
      | emu   |

    @kvm
    Examples:
      | accel |
      | kvm   |

  Scenario: A NIC on the command line is connected from boot, with its MAC, as eth0
    Given a VM booted on emu with "-m 256 -netdev tap,id=n0,ifname={tap} -device virtio-net-device,netdev=n0,id=nic0,mac=52:54:00:aa:bb:cc"
    When the guest runs "net status eth0"
    Then the guest prints "eth0 mac=52:54:00:aa:bb:cc link=up"
    When the guest runs "net ping eth0 {guest_ip} {host_ip}"
    Then the guest prints "net: 40 bytes from {host_ip}: icmp_seq=1 ttl=64"

  Scenario Outline: A NIC hot-plug request that cannot be done is refused, naming the problem
    Given a VM booted on emu with "-m 256"
    When a client connects
    And the client sends:
      """
      {"execute": "netdev_add", "arguments": {"id": "net-0", "ifname": "{tap}"}}
      {"execute": "device_add", "arguments": {"id": "nic-1", "driver": "virtio-net-mmio", "netdev": "net-0", "addr": "0x1"}}
      """
    Then the client receives:
      """
      {"return": {}}
      {"return": {}}
      """
    When the client sends:
      """
      <request>
      """
    Then the client receives an error of class "<class>" starting "<message>"
    When the guest runs "net status eth1"
    Then the guest prints "link=up"

    Examples:
      | request                                                                                                | class          | message                                                  |
      | {"execute": "netdev_add", "arguments": {"id": "net-1"}}                                                  | GenericError   | Parameter 'ifname' is missing                            |
      | {"execute": "netdev_add", "arguments": {"id": "net-1", "ifname": "{tap}"}}                                | GenericError   | tap '{tap}' is in use by device 'nic-1'                  |
      | {"execute": "netdev_add", "arguments": {"id": "net-1", "ifname": "no/such"}}                              | GenericError   | tap 'no/such': an interface name has 1 to 15 characters  |
      | {"execute": "device_add", "arguments": {"id": "nic-2", "driver": "virtio-net-mmio", "netdev": "nothing"}} | GenericError   | no netdev 'nothing': add it with netdev_add first        |
      | {"execute": "device_add", "arguments": {"id": "nic-2", "driver": "virtio-net-mmio", "addr": "0x2"}}       | GenericError   | addr 0x2: the NIC slots are 0x0 to 0x1                   |
      | {"execute": "netdev_del", "arguments": {"id": "net-0"}}                                                  | GenericError   | netdev 'net-0' is in use by device 'nic-1'; device_del it first |
      | {"execute": "netdev_del", "arguments": {"id": "nothing"}}                                                | DeviceNotFound | Device 'nothing' not found                               |
      | {"execute": "device_add", "arguments": {"id": "nic-1", "driver": "virtio-blk-mmio"}}                      | GenericError   | Duplicate ID 'nic-1' for device                          |

  Scenario: A guest with a NIC restored from a snapshot reaches the host again
    Given a VM booted on emu with "-m 256 -netdev tap,id=n0,ifname={tap} -device virtio-net-device,netdev=n0,id=nic0"
    When the guest runs "net ping eth0 {guest_ip} {host_ip}"
    Then the guest prints "net: 40 bytes from {host_ip}: icmp_seq=1 ttl=64"
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
    When altovirt is run with "-m 256 -accel emu -kernel {guest} -incoming file:{tmp}/template"
    Then altovirt exits with status 1
    And stderr is one line containing "NIC slot 0x0 (eth0): the snapshot has tap {tap} with MAC 52:54:00:12:34:56 there, this VM none like it"
    Given a VM restored on emu from "template" with "-m 256 -netdev tap,id=n0,ifname={tap} -device virtio-net-device,netdev=n0,id=nic0"
    When the guest runs "net ping eth0 {guest_ip} {host_ip}"
    Then the guest prints "net: 40 bytes from {host_ip}: icmp_seq=1 ttl=64"

  Scenario: The -config file's net and balloon sections give a NIC and a balloon
    Given a config file "vm.json" containing:
      """
      {"machine-config": {"vcpu_count": 1, "mem_size": 268435456},
       "net": [{"iface_id": "net0", "host_dev_name": "{tap}", "mac": "52:54:00:00:00:09"}],
       "balloon": {"deflate_on_oom": true}}
      """
    And a VM booted on emu with "-config {tmp}/vm.json"
    When the guest runs "net status eth0"
    Then the guest prints "eth0 mac=52:54:00:00:00:09 link=up"
    When the guest runs "net ping eth0 {guest_ip} {host_ip}"
    Then the guest prints "net: 40 bytes from {host_ip}: icmp_seq=1 ttl=64"
    When the guest runs "devices"
    Then the guest prints "type=balloon"
