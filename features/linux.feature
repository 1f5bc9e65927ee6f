@linux
Feature: A Linux guest: Debian's cloud kernel with its own virtio drivers
  The Linux guest of guest-images/linux (Debian's linux-image-cloud-amd64, its virtio modules
  and busybox) boots on altovirt with nothing on its command line but console=ttyS0: it finds
  its CPUs and virtio devices through altovirt's ACPI tables and keeps time with kvmclock. Its
  shell is driven as a user would. They need KVM; the emu cannot run Linux yet.

  NOT YET PASSING ANYWHERE WE COULD RUN THEM: the default run leaves @linux out (pom.xml,
  cucumber.tags) and so does the nested KVM tier, until they have passed on a host with a
  usable /dev/kvm: mvn verify -Dcucumber.tags=@linux. On nested KVM (QEMU TCG) the kernel
  finds the ACPI tables, kvm-clock and the TSC-deadline timer, then reports an XSAVE size
  mismatch and stops while bringing up its second vCPU (docs/linux-guests.md).

  @kvm
  Scenario: Linux boots with every vCPU and the memory asked for
    Given a Linux VM booted on kvm with "-m 512 -smp 2"
    When the Linux guest runs "grep -c ^processor /proc/cpuinfo"
    Then the Linux guest prints "2"
    When the Linux guest runs "cat /sys/devices/system/cpu/online"
    Then the Linux guest prints "0-1"
    When the Linux guest runs "m=$(awk '/MemTotal/ {print $2}' /proc/meminfo); [ $m -gt 400000 ] && [ $m -le 524288 ] && echo mem-ok"
    Then the Linux guest prints "mem-ok"
    When the Linux guest runs "cat /proc/cmdline"
    Then the Linux guest prints "console=ttyS0"
    When the Linux guest runs "cat /sys/devices/system/clocksource/clocksource0/current_clocksource"
    Then the Linux guest prints "kvm-clock"

  @kvm
  Scenario: Linux reads a disk as the host wrote it, writes through to the file, and a read-only disk refuses writes
    Given a disk image "data.img" of 4 MiB of random bytes
    And a disk image "ro.img" of 4 MiB of random bytes
    And a Linux VM booted on kvm with "-m 512 -drive file={tmp}/data.img,id=d0 -device virtio-blk-device,drive=d0 -drive file={tmp}/ro.img,id=d1,readonly=on -device virtio-blk-device,drive=d1"
    When the Linux guest runs "sha256sum /dev/vda"
    Then the Linux guest prints the SHA-256 of "data.img"
    When the Linux guest runs "echo altovirt-was-here | dd of=/dev/vda bs=512 seek=8 conv=fsync 2>&1"
    Then the file "data.img" holds "altovirt-was-here" at byte 4096
    When the Linux guest runs "cat /sys/block/vdb/ro; echo x | dd of=/dev/vdb conv=fsync 2>&1"
    Then the Linux guest prints "1"
    And the Linux guest prints "Operation not permitted"

  @kvm
  Scenario: Linux boots from an ext4 root disk, as in StratoVirt's quick start
    Given a Linux VM booted on kvm from its root disk with "-m 512"
    When the Linux guest runs "grep ' / ' /proc/mounts"
    Then the Linux guest prints "/dev/vda / ext4"

  @kvm
  Scenario: poweroff in the guest ends the VM with guest-shutdown
    Given a Linux VM booted on kvm with "-m 512"
    When a client connects
    And "poweroff" is typed on the Linux console
    Then the Linux console shows "reboot: Power down"
    And the client receives:
      """
      {"event":"SHUTDOWN","data":{"guest":true,"reason":"guest-shutdown"},"timestamp":"*"}
      """
    And altovirt exits with status 0

  @kvm
  Scenario: reboot in the guest ends the VM with guest-reset
    Given a Linux VM booted on kvm with "-m 512"
    When a client connects
    And "reboot" is typed on the Linux console
    Then the Linux console shows "reboot: Restarting system"
    And the client receives:
      """
      {"event":"SHUTDOWN","data":{"guest":true,"reason":"guest-reset"},"timestamp":"*"}
      """
    And altovirt exits with status 0

  @kvm
  Scenario: system_powerdown presses the power button and Linux shuts down cleanly
    Given a Linux VM booted on kvm with "-m 512"
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
    And the Linux console shows "reboot: Power down"
    And the client receives:
      """
      {"event":"SHUTDOWN","data":{"guest":true,"reason":"guest-shutdown"},"timestamp":"*"}
      """
    And altovirt exits with status 0
