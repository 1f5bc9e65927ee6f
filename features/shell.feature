Feature: The QMP shell
  shell/altovirt-shell drives a VM by hand or by script: commands as raw JSON or as
  "COMMAND name=value", checked against the schemas the server publishes before they are
  sent; replies pretty-printed; events as they come; a script stops at its first failure
  with a non-zero exit status.

  Scenario: A script runs its commands in order, prints the replies and events, and exits 0
    Given a VM started with "-m 256"
    And a shell script "pause.qmp" containing:
      """
      # pause the VM, look, and resume it
      stop
      query-status
      {"execute": "cont"}
      """
    When the shell runs the script "pause.qmp" against the VM
    Then the shell exits with status 0
    And the shell printed, in order:
      | event STOP         |
      | {"return": {}}     |
      | "status": "paused" |
      | event RESUME       |

  Scenario: A script stops at its first error reply and exits 1
    Given a VM started with "-m 256"
    And a shell script "unplug.qmp" containing:
      """
      device_del id=drive-0
      stop
      """
    When the shell runs the script "unplug.qmp" against the VM
    Then the shell exits with status 1
    And the shell printed "error: DeviceNotFound: Device 'drive-0' not found"
    And the shell reported "unplug.qmp:1: device_del failed; the script stops here"
    When a client connects
    Then query-status says "running"

  Scenario: An input its schema rejects is not sent, and the shell says which field is wrong
    Given a VM started with "-m 256"
    When the shell runs with "" these commands against the VM:
      """
      stop force=1
      """
    Then the shell exits with status 1
    And the shell reported "not sent: force: unknown: stop takes no arguments"
    When a client connects
    Then query-status says "running"

  Scenario: --echo shows the JSON the short form becomes
    Given a VM started with "-m 256"
    When the shell runs with "--echo" these commands against the VM:
      """
      query-status
      balloon value=2G
      """
    Then the shell printed, in order:
      | -> {"execute":"query-status"}                             |
      | "status": "running"                                       |
      | -> {"execute":"balloon","arguments":{"value":2147483648}} |
      | error: DeviceNotActive                                    |
    And the shell exits with status 1

  Scenario: The shell starts a VM from stratovirt options and quits it when it is done
    When the shell runs with "-- -accel emu -m 256 -kernel {guest} -append console=ttyS0 -pidfile {tmp}/vm.pid" these commands:
      """
      query-status
      """
    Then the shell exits with status 0
    And the shell printed '"status": "running"'
    And the file "vm.pid" no longer exists

  Scenario: At a terminal: completion, a reply, a refusal, and the guest's console
    Given tmux is installed
    When the shell is started in a terminal with "-- -accel emu -m 256 -kernel {guest} -append console=ttyS0"
    Then the shell's terminal shows "VM running"
    When "query-sta" is typed in the shell's terminal
    And the key Tab is pressed in the shell's terminal
    Then the shell's terminal shows "qmp> query-status"
    When the key Enter is pressed in the shell's terminal
    Then the shell's terminal shows '"status": "running"'
    When "blockdev-add file.fi" is typed in the shell's terminal
    And the key Tab is pressed in the shell's terminal
    Then the shell's terminal shows "qmp> blockdev-add file.filename="
    When the key C-u is pressed in the shell's terminal
    And "stop force=1" is typed in the shell's terminal
    And the key Enter is pressed in the shell's terminal
    Then the shell's terminal shows "not sent: force: unknown: stop takes no arguments"
    When "console" is typed in the shell's terminal
    And the key Enter is pressed in the shell's terminal
    Then the shell's terminal shows "Ctrl-] returns to the prompt"
    When the key Enter is pressed in the shell's terminal
    Then the shell's terminal shows "altovirt-guest>"
    When "info" is typed in the shell's terminal
    And the key Enter is pressed in the shell's terminal
    Then the shell's terminal shows "entry: 64"
    When the key C-] is pressed in the shell's terminal
    Then the shell's terminal shows "back at the QMP prompt"
    When "exit" is typed in the shell's terminal
    And the key Enter is pressed in the shell's terminal
    Then the shell in the terminal ends with status 0
