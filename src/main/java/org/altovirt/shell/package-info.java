/**
 * The interactive QMP shell ({@code shell/altovirt-shell}): connects to a VM's QMP socket, or
 * starts a VM and connects to it; takes raw JSON or a short {@code command key=value} form that
 * it converts and checks with the schemas the server publishes ({@code query-qmp-schema});
 * completes and explains commands from those schemas; prints replies and events; attaches the
 * terminal to the guest's serial console; runs scripts.
 *
 * <p>Knows {@code qmp.client} and the schema documents; never the VMM's insides.
 */
package org.altovirt.shell;
