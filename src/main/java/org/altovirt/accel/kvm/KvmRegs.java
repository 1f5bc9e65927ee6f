package org.altovirt.accel.kvm;

import jnr.ffi.Pointer;
import org.altovirt.accel.kvm.KvmStructs.Regs;

/** A vCPU's general-purpose registers, RIP and RFLAGS ({@code struct kvm_regs}). */
public record KvmRegs(
        long rax, long rbx, long rcx, long rdx, long rsi, long rdi, long rsp, long rbp,
        long r8, long r9, long r10, long r11, long r12, long r13, long r14, long r15,
        long rip, long rflags) {

    static KvmRegs read(Pointer p) {
        return new KvmRegs(
                p.getLong(Regs.RAX), p.getLong(Regs.RBX), p.getLong(Regs.RCX), p.getLong(Regs.RDX),
                p.getLong(Regs.RSI), p.getLong(Regs.RDI), p.getLong(Regs.RSP), p.getLong(Regs.RBP),
                p.getLong(Regs.R8), p.getLong(Regs.R9), p.getLong(Regs.R10), p.getLong(Regs.R11),
                p.getLong(Regs.R12), p.getLong(Regs.R13), p.getLong(Regs.R14), p.getLong(Regs.R15),
                p.getLong(Regs.RIP), p.getLong(Regs.RFLAGS));
    }
}
