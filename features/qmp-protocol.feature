Feature: QMP protocol
  altovirt is managed over QMP on a Unix socket (docs/managing-vms.md, "Connecting to a VM";
  docs/facts.md §1). Input is a JSON stream, each reply and event is one CRLF-terminated line,
  and errors use QEMU's classes and wording.

  Background:
    Given a VM started with "-machine microvm -m 256 -smp 1"

  Scenario: The greeting tells the protocol version and altovirt's package
    When a client connects
    Then the first line ends with CRLF
    And the greeting matches:
      """
      {"QMP":{"version":{"qemu":{"micro":1,"minor":0,"major":5},"package":"altovirt-0.1.0"},"capabilities":[]}}
      """

  Scenario: The QMP socket is private to its owner
    Then the QMP socket has mode 0600

  Scenario: qmp_capabilities is accepted but not required
    When a client connects
    And the client sends:
      """
      {"execute":"query-status"}
      """
    Then the client receives:
      """
      {"return":{"running":true,"singlestep":false,"status":"running"}}
      """
    When the client sends:
      """
      {"execute":"qmp_capabilities"}
      """
    Then the client receives:
      """
      {"return":{}}
      """

  Scenario: A command needs no newline after it
    When a client connects
    And the client writes '{"execute":"query-status","id":"no-newline"}' without a newline
    Then the client receives:
      """
      {"return":{"running":true,"singlestep":false,"status":"running"},"id":"no-newline"}
      """

  Scenario: Two commands in one write get two replies, in order
    When a client connects
    And the client writes '{"execute":"query-status","id":1}{"execute":"qmp_capabilities","id":2}' without a newline
    Then the client receives:
      """
      {"return":{"running":true,"singlestep":false,"status":"running"},"id":1}
      {"return":{},"id":2}
      """

  Scenario: One command split over several writes
    When a client connects
    And the client writes these pieces, one write each:
      | {"exe        |
      | cute":"query |
      | -status","id |
      | ":[1,2]}     |
    Then the client receives:
      """
      {"return":{"running":true,"singlestep":false,"status":"running"},"id":[1,2]}
      """

  Scenario Outline: The id is echoed whatever its JSON type
    When a client connects
    And the client sends:
      """
      {"execute":"qmp_capabilities","id":<id>}
      """
    Then the client receives:
      """
      {"return":{},"id":<id>}
      """

    Examples:
      | id                    |
      | "a string"            |
      | 42                    |
      | 1.5                   |
      | {"tag":["x",{"y":1}]} |
      | null                  |
      | true                  |

  Scenario: An unknown command
    When a client connects
    And the client sends:
      """
      {"execute":"no-such-command","id":"u1"}
      """
    Then the client receives:
      """
      {"error":{"class":"CommandNotFound","desc":"The command no-such-command has not been found"},"id":"u1"}
      """

  Scenario: Malformed JSON is answered without an id, and the connection goes on
    When a client connects
    And the client sends:
      """
      {"execute": nope, "id": 7}
      """
    Then the client receives an error of class "GenericError" starting "JSON parse error, "
    And that reply has no id
    When the client sends:
      """
      {"execute":"query-status"}
      """
    Then the client receives:
      """
      {"return":{"running":true,"singlestep":false,"status":"running"}}
      """

  Scenario Outline: A message that is not a command
    When a client connects
    And the client sends:
      """
      <input>
      """
    Then the client receives:
      """
      {"error":{"class":"GenericError","desc":"<desc>"}<id>}
      """

    Examples:
      | input                                   | desc                                       | id        |
      | [1,2,3]                                 | QMP input must be a JSON object            |           |
      | {}                                      | QMP input lacks member 'execute'           |           |
      | {"execute":"stop","foo":1,"id":"e"}     | QMP input member 'foo' is unexpected       | ,"id":"e" |
      | {"execute":42}                          | QMP input member 'execute' must be a string |          |
      | {"execute":"stop","arguments":[]}       | QMP input member 'arguments' must be an object |       |

  Scenario Outline: Arguments are checked against the command's schema before anything happens
    When a client connects
    And the client sends:
      """
      <command>
      """
    Then the client receives:
      """
      {"error":{"class":"GenericError","desc":"<desc>"}}
      """
    And no event arrives
    And query-status says "running"

    Examples:
      | command                                                                              | desc                                                      |
      | {"execute":"balloon","arguments":{"value":"2G"}}                                     | Invalid parameter type for 'value', expected: integer     |
      | {"execute":"balloon"}                                                                | Parameter 'value' is missing                              |
      | {"execute":"stop","arguments":{"x":1}}                                               | Parameter 'x' is unexpected                               |
      | {"execute":"device_del","arguments":{"id":7}}                                        | Invalid parameter type for 'id', expected: string         |

  Scenario: Input over 1 MiB without a complete value closes that connection, not the VMM
    When a client connects
    And the client writes an unterminated JSON string of 1100000 bytes
    Then the client receives an error of class "GenericError" starting "JSON parse error, input exceeds 1048576 bytes"
    And the server closes the connection
    When a client connects
    And the client sends:
      """
      {"execute":"query-status"}
      """
    Then the client receives:
      """
      {"return":{"running":true,"singlestep":false,"status":"running"}}
      """

  Scenario: One client at a time; the next is served when the first leaves
    When a client connects
    And a second client connects
    Then the second client has received nothing
    When the first client disconnects
    Then the second client receives the greeting

  Scenario: The protocol can be discovered: every command has its schema
    When a client connects
    And the client executes "query-commands"
    Then the commands listed include "qmp_capabilities, query-status, query-cpus, query-hotpluggable-cpus, stop, cont, quit, query-version, query-commands, query-qmp-schema"
    When the client executes "query-qmp-schema"
    Then every listed command has a "command" schema entry with arguments and returns
    And the schema entries include the events "STOP, RESUME, SHUTDOWN, RESET, POWERDOWN, DEVICE_DELETED, BALLOON_CHANGED"
    And the schema entries include "config/config-file.json"
