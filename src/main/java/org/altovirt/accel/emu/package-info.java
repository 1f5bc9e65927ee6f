/**
 * The {@code emu} accelerator: an x86-64 interpreter for the guest code the 64-bit Linux boot
 * protocol enters, running on the vCPU thread through the same guest memory and buses as KVM.
 * {@link org.altovirt.accel.emu.EmuVcpu} is the one public entry point.
 *
 * <h2>How it runs</h2>
 * <ul>
 *   <li>{@code Decoder} (+ {@code FastForms}) turns bytes into {@code Insn}s once; {@code
 *       Translator} groups them into {@code Block}s (up to a control transfer, 64 instructions or
 *       the page end) cached by guest-physical address in {@code CodeCache}, which watches the
 *       pages they came from: a CPU store to a 64-byte line holding decoded code drops the page's
 *       blocks (self-modifying code).</li>
 *   <li>{@code Executor} runs blocks and follows direct links between them (valid until the next
 *       TLB flush). A block entered 64 times ({@code altovirt.emu.jit}: "off" or another count)
 *       is compiled by {@code BlockCompiler} to JVM bytecode, together with the blocks it jumps
 *       to within its page (a region: its loops become Java loops) — a hidden class, which the
 *       JVM's own compilers then turn into machine code — and runs that way from then on; the
 *       instructions it does not compile inline it hands to the interpreter. Cold blocks are
 *       interpreted: the commonest operations dispatched inline through conditional branches,
 *       the rest through a switch. A register-only flag producer before a closing Jcc carries
 *       the Jcc (one dispatch less per loop turn).</li>
 *   <li>{@code Flags} keeps CF/PF/AF/ZF/SF/OF lazily: the last operation, its operands and result.</li>
 *   <li>{@code Mmu}: 4-level paging (4 KiB, 2 MiB, 1 GiB pages), A/D bits, RW/US/NX/WP and
 *       reserved-bit checks with the SDM's #PF error codes, a direct-mapped software TLB per access
 *       kind; device pages go to the MMIO bus. {@code PhysicalMemory} is RAM or the bus.</li>
 *   <li>{@code Interrupts} delivers through the 64-bit IDT (IST, TSS stack switch, #DF and triple
 *       fault rules). External interrupts come from each vCPU's {@code LocalApic} (its timer, and
 *       what the {@code IoApic} sends from device lines) and are delivered the same way between
 *       blocks when RFLAGS.IF is set (not at the boundary right after an STI: the interrupt
 *       shadow), ending a HLT.</li>
 * </ul>
 *
 * <h2>Not emulated</h2>
 * x87, MMX, SSE/AVX (CPUID offers none; such opcodes raise #UD); legacy, real and compatibility
 * mode (loading a CS that is not 64-bit code stops the machine with {@code host-error}); SYSCALL/
 * SYSRET, SYSENTER; the 8259 PICs, IPIs, x2APIC, NMIs and level-triggered interrupts; TF single-step, debug-register breakpoints, alignment
 * checks; the I/O permission bitmap (port I/O above IOPL raises #GP); atomicity of LOCKed
 * instructions between several emulated vCPUs (only the boot vCPU runs code); stores by devices
 * (DMA) into pages that hold decoded code are not noticed; a jump to a non-canonical address
 * faults when the target is fetched rather than on the jump.
 */
package org.altovirt.accel.emu;
