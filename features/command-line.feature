Feature: The stratovirt command line
  altovirt takes StratoVirt's options (docs/managing-vms.md, "Creating and Starting a VM";
  docs/facts.md §3, §8). A bad option or value is one line on stderr naming it and what is
  allowed, and exit status 1 — never a stack trace.

  Scenario: The document's command line starts a VM that answers QMP
    Given a disk image "rootfs.img" of 64 MiB
    And a VM started with "-machine microvm -accel emu -kernel {guest} -smp 1 -m 1024 -append "console=ttyS0 pci=off reboot=k quiet panic=1 root=/dev/vda" -drive file={tmp}/rootfs.img,id=rootfs,readonly=off,direct=off -device virtio-blk-device,drive=rootfs -serial stdio"
    When a client connects
    Then query-status says "running"

  Scenario Outline: A bad option or value is refused with one line naming it
    When altovirt is run with "<options>"
    Then altovirt exits with status 1
    And stderr is one line containing "<message>"

    Examples:
      | options                                   | message                                  |
      | -m 64M                                    | -m 64M: memory must be between 128M and 512G |
      | -m lots                                   | -m lots                                  |
      | -smp 0                                    | -smp 0                                   |
      | -smp 300                                  | 254                                      |
      | -smp cpus=4,maxcpus=2                     | maxcpus                                  |
      | -smp cpus=4,sockets=3                     | -smp cpus=4,sockets=3                    |
      | -drive file={tmp}/missing.img,id=d0       | {tmp}/missing.img                        |
      | -drive id=d0                              | file                                     |
      | -device virtio-blk-device,drive=nosuch    | nosuch                                   |
      | -device e1000                             | e1000                                    |
      | -accel xen                                | -accel xen                               |
      | -machine q35                              | q35                                      |
      | -frobnicate                               | unknown option -frobnicate               |
      | -m                                        | -m                                       |

  Scenario: What this version cannot build is refused, not ignored
    When altovirt is run with "-m 256 -kernel {guest} -netdev tap,id=n0,ifname=tap0,vhost=on -device virtio-net-device,netdev=n0"
    Then altovirt exits with status 1
    And stderr is one line containing "-netdev tap,id=n0,vhost=on: vhost-net is not implemented; leave vhost off"

  Scenario: The QMP socket option is required
    When altovirt is run without -qmp
    Then altovirt exits with status 1
    And stderr is one line containing "-qmp"

  Scenario: An existing QMP socket path is refused and left alone
    Given a file "taken.sock" containing "keep me"
    When altovirt is run on the QMP socket "{tmp}/taken.sock" with "-m 256"
    Then altovirt exits with status 1
    And stderr is one line containing "{tmp}/taken.sock already exists"
    And the file "taken.sock" still contains "keep me"

  # ALTOVIRT_KVM_DEVICE moves where altovirt looks for KVM: here at a path that does not exist,
  # so these scenarios show a host without KVM on every machine, with KVM or not.
  Scenario: -accel kvm on a host without KVM is refused with the reason
    Given KVM is looked for at "{tmp}/dev/kvm"
    When altovirt is run with "-accel kvm -m 256"
    Then altovirt exits with status 1
    And stderr is one line containing "-accel kvm: {tmp}/dev/kvm: no such device"

  Scenario: Without -accel on a host without KVM, the guest boots on emu and nothing is created
    Given a folder "dev"
    And KVM is looked for at "{tmp}/dev/kvm"
    And a VM booted without -accel with "-m 256 -D {tmp}/altovirt.log"
    Then the guest console shows "altovirt conformance guest"
    And stderr has a line containing "using the emu accelerator: {tmp}/dev/kvm: no such device"
    And the file "altovirt.log" has a line containing "using the emu accelerator"
    And the folder "dev" is still empty

  Scenario: A file where KVM is looked for is not mistaken for KVM, and is left alone
    Given a file "dev/kvm" containing ""
    And KVM is looked for at "{tmp}/dev/kvm"
    And a VM booted without -accel with "-m 256"
    Then the guest console shows "altovirt conformance guest"
    And stderr has a line containing "{tmp}/dev/kvm: not a character device"
    And the file "dev/kvm" still contains ""

  Scenario: Without -accel, altovirt says which accelerator it chose
    Given a VM started with "-m 256"
    When a client connects
    Then stderr has a line containing "using the"

  Scenario: A -config file gives the machine's vCPUs and memory
    Given a disk image "rootfs.img" of 64 MiB
    And a config file "vm.json" containing:
      """
      {
        "boot-source": {"kernel_image_path": "{guest}", "boot_args": "console=ttyS0 reboot=k panic=1"},
        "machine-config": {"type": "MicroVm", "vcpu_count": 2, "mem_size": 536870912},
        "drive": [{"drive_id": "rootfs", "path_on_host": "{tmp}/rootfs.img", "direct": false, "read_only": false}],
        "serial": {"stdio": true}
      }
      """
    And a VM started with "-accel emu -config {tmp}/vm.json"
    When a client connects
    And the client executes "query-cpus"
    Then the reply lists 2 vCPUs

  Scenario: Command-line options override the -config file
    Given a config file "vm.json" containing:
      """
      {
        "boot-source": {"kernel_image_path": "{guest}"},
        "machine-config": {"vcpu_count": 2, "mem_size": 536870912}
      }
      """
    And a VM started with "-accel emu -config {tmp}/vm.json -smp 3"
    When a client connects
    And the client executes "query-cpus"
    Then the reply lists 3 vCPUs

  Scenario: A -config file with an unknown key is refused, naming the key
    Given a config file "bad.json" containing:
      """
      {"machine-config": {"vcpu_count": 1, "mem_size": 268435456, "turbo": true}}
      """
    When altovirt is run with "-config {tmp}/bad.json"
    Then altovirt exits with status 1
    And stderr is one line containing "turbo"

  Scenario: A -config file that is not JSON is refused
    Given a config file "broken.json" containing:
      """
      {"machine-config": {"vcpu_count": 1,
      """
    When altovirt is run with "-config {tmp}/broken.json"
    Then altovirt exits with status 1
    And stderr is one line containing "{tmp}/broken.json"

  Scenario: --version and --help answer and exit 0
    When altovirt is run without -qmp with "--version"
    Then altovirt exits with status 0
    And stdout contains "altovirt 0.1.0"
    When altovirt is run without -qmp with "--help"
    Then altovirt exits with status 0
    And stdout contains "-qmp unix:PATH,server,nowait"

  Scenario: -daemonize returns once QMP is up, and -pidfile names the VM's process
    When altovirt is run with "-m 256 -daemonize -pidfile {tmp}/vm.pid -D {tmp}/vm.log"
    Then altovirt exits with status 0
    And the pid file "vm.pid" names a running process other than the launcher
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
    And the process named by "vm.pid" ends
    And the file "vm.pid" no longer exists
