Feature: VM lifecycle and queries
  A user queries the VM and stops, resumes and ends it over QMP (docs/managing-vms.md,
  "Querying VM Information" and "Managing VM Lifecycle"). Until a guest loader lands the
  vCPUs have no code to run, but each is a real host thread that stop really parks.

  Scenario: query-status of a running VM, as the document shows
    Given a VM started with "-m 256"
    When a client connects
    And the client sends:
      """
      { "execute": "query-status" }
      """
    Then the client receives:
      """
      { "return": { "running": true,"singlestep": false,"status": "running" } }
      """

  Scenario: stop emits STOP before its return, and the VM is paused
    Given a VM started with "-m 256"
    When a client connects
    And the client sends:
      """
      {"execute":"stop"}
      """
    Then the client receives:
      """
      {"event":"STOP","data":{},"timestamp":"*"}
      {"return":{}}
      """
    And the STOP event's timestamp is the current wall-clock time
    And query-status says "paused"

  Scenario: cont emits RESUME before its return, and the VM runs again
    Given a VM started with "-m 256"
    When a client connects
    And the client sends:
      """
      {"execute":"stop"}
      """
    Then the client receives:
      """
      {"event":"STOP","data":{},"timestamp":"*"}
      {"return":{}}
      """
    When the client sends:
      """
      {"execute":"cont"}
      """
    Then the client receives:
      """
      {"event":"RESUME","data":{},"timestamp":"*"}
      {"return":{}}
      """
    And query-status says "running"

  Scenario: A second stop is an error and emits no event
    Given a VM started with "-m 256"
    When a client connects
    And the client sends:
      """
      {"execute":"stop"}
      """
    Then the client receives:
      """
      {"event":"STOP","data":{},"timestamp":"*"}
      {"return":{}}
      """
    When the client sends:
      """
      {"execute":"stop"}
      """
    Then the client receives:
      """
      {"error":{"class":"GenericError","desc":"VM is already paused"}}
      """
    And no event arrives

  Scenario: cont on a running VM is an error and emits no event
    Given a VM started with "-m 256"
    When a client connects
    And the client sends:
      """
      {"execute":"cont"}
      """
    Then the client receives:
      """
      {"error":{"class":"GenericError","desc":"VM is already running"}}
      """
    And no event arrives

  Scenario: quit answers, then SHUTDOWN, then the process exits 0 and removes its socket
    Given a VM started with "-m 256"
    When a client connects
    And the client sends:
      """
      {"execute":"quit"}
      """
    Then the client receives:
      """
      {"return":{}}
      {"event":"SHUTDOWN","data":{"guest":false,"reason":"host-qmp-quit"},"timestamp":"*"}
      """
    And the server closes the connection
    And altovirt exits with status 0
    And the QMP socket no longer exists

  Scenario: SIGTERM ends the VM with SHUTDOWN host-signal and exit status 0
    Given a VM started with "-m 256"
    When a client connects
    And altovirt is sent SIGTERM
    Then the client receives:
      """
      {"event":"SHUTDOWN","data":{"guest":false,"reason":"host-signal"},"timestamp":"*"}
      """
    And altovirt exits with status 0
    And the QMP socket no longer exists

  Scenario: query-cpus shows each vCPU with its topology and its host thread
    Given a VM started with "-smp 2 -m 256"
    When a client connects
    And the client sends:
      """
      { "execute": "query-cpus" }
      """
    Then the client receives:
      """
      {"return":[{"CPU":0,"arch":"x86","current":true,"halted":true,"props":{"core-id":0,"socket-id":0,"thread-id":0},"qom_path":"/machine/unattached/device[0]","thread_id":"*"},{"CPU":1,"arch":"x86","current":true,"halted":true,"props":{"core-id":0,"socket-id":1,"thread-id":0},"qom_path":"/machine/unattached/device[1]","thread_id":"*"}]}
      """
    And each thread_id is a distinct thread of the altovirt process

  Scenario: query-cpus follows sockets, cores and threads
    Given a VM started with "-smp cpus=4,sockets=1,cores=2,threads=2 -m 256"
    When a client connects
    And the client executes "query-cpus"
    Then the vCPU props are, in order:
      | CPU | socket-id | core-id | thread-id |
      | 0   | 0         | 0       | 0         |
      | 1   | 0         | 0       | 1         |
      | 2   | 0         | 1       | 0         |
      | 3   | 0         | 1       | 1         |

  Scenario: query-hotpluggable-cpus lists every possible vCPU; only online ones have a qom-path
    Given a VM started with "-smp cpus=2,maxcpus=4 -m 256"
    When a client connects
    And the client sends:
      """
      { "execute": "query-hotpluggable-cpus" }
      """
    Then the client receives:
      """
      {"return":[{"props":{"core-id":0,"socket-id":0,"thread-id":0},"qom-path":"/machine/unattached/device[0]","type":"host-x86-cpu","vcpus-count":1},{"props":{"core-id":0,"socket-id":1,"thread-id":0},"qom-path":"/machine/unattached/device[1]","type":"host-x86-cpu","vcpus-count":1},{"props":{"core-id":0,"socket-id":2,"thread-id":0},"type":"host-x86-cpu","vcpus-count":1},{"props":{"core-id":0,"socket-id":3,"thread-id":0},"type":"host-x86-cpu","vcpus-count":1}]}
      """

  Scenario: -S creates the VM paused; cont starts it
    Given a VM started with "-m 256 -S"
    When a client connects
    Then query-status says "prelaunch"
    When the client sends:
      """
      {"execute":"cont"}
      """
    Then the client receives:
      """
      {"event":"RESUME","data":{},"timestamp":"*"}
      {"return":{}}
      """
    And query-status says "running"

  Scenario: query-version names the protocol and altovirt
    Given a VM started with "-m 256"
    When a client connects
    And the client sends:
      """
      {"execute":"query-version"}
      """
    Then the client receives:
      """
      {"return":{"qemu":{"micro":1,"minor":0,"major":5},"package":"altovirt-0.1.0"}}
      """

  Scenario: No balloon device is active, so balloon and query-balloon say so
    Given a VM started with "-m 256"
    When a client connects
    And the client sends:
      """
      {"execute": "balloon", "arguments": {"value": 2147483648}}
      """
    Then the client receives:
      """
      {"error":{"class":"DeviceNotActive","desc":"No balloon device has been activated"}}
      """

  Scenario: No snapshot has been taken, so query-migrate says none
    Given a VM started with "-m 256"
    When a client connects
    And the client sends:
      """
      {"execute":"query-migrate"}
      """
    Then the client receives:
      """
      {"return":{"status":"none"}}
      """

  Scenario: Removing a device that does not exist
    Given a VM started with "-m 256"
    When a client connects
    And the client sends:
      """
      {"execute": "device_del", "arguments": {"id": "drive-0"}}
      """
    Then the client receives:
      """
      {"error":{"class":"DeviceNotFound","desc":"Device 'drive-0' not found"}}
      """

  Scenario Outline: A stopped guest runs no code; cont lets it go on (<accel>)
    Given a VM booted on <accel> with "-m 256"
    When the guest runs "ticks"
    Then the guest prints a tick count
    When a client connects
    And the client sends:
      """
      {"execute":"stop"}
      """
    Then the client receives:
      """
      {"event":"STOP","data":{},"timestamp":"*"}
      {"return":{}}
      """
    When "ticks" is typed on the guest console
    Then the guest has printed nothing new after 1500 ms of pause
    When the client sends:
      """
      {"execute":"cont"}
      """
    Then the client receives:
      """
      {"event":"RESUME","data":{},"timestamp":"*"}
      {"return":{}}
      """
    And the guest then answers "ticks" with a larger tick count

    Examples:
      | accel |
      | emu   |

    @kvm
    Examples:
      | accel |
      | kvm   |

  Scenario Outline: query-cpus of a running guest shows real vCPU threads (<accel>)
    Given a VM booted on <accel> with "-m 256 -smp 2"
    And the guest console shows "ready"
    When a client connects
    And the client executes "query-cpus"
    Then the reply lists 2 vCPUs

    Examples:
      | accel |
      | emu   |

    @kvm
    Examples:
      | accel |
      | kvm   |
