package org.altovirt.accel.kvm;

import jnr.ffi.Pointer;
import org.altovirt.accel.kvm.KvmStructs.Dtable;
import org.altovirt.accel.kvm.KvmStructs.Sregs;

/** A vCPU's segment, descriptor-table and control registers ({@code struct kvm_sregs}). */
public record KvmSregs(
        Segment cs, Segment ds, Segment es, Segment fs, Segment gs, Segment ss, Segment tr, Segment ldt,
        long gdtBase, int gdtLimit, long idtBase, int idtLimit,
        long cr0, long cr2, long cr3, long cr4, long cr8, long efer, long apicBase) {

    /** A segment register ({@code struct kvm_segment}): the selector and its descriptor, decoded. */
    public record Segment(
            long base, int limit, int selector, int type, boolean present, int dpl,
            boolean db, boolean s, boolean l, boolean g, boolean avl, boolean unusable) {

        static Segment read(Pointer p, int at) {
            return new Segment(
                    p.getLong(at + KvmStructs.Segment.BASE),
                    p.getInt(at + KvmStructs.Segment.LIMIT),
                    p.getShort(at + KvmStructs.Segment.SELECTOR) & 0xFFFF,
                    p.getByte(at + KvmStructs.Segment.TYPE) & 0xFF,
                    p.getByte(at + KvmStructs.Segment.PRESENT) != 0,
                    p.getByte(at + KvmStructs.Segment.DPL) & 0xFF,
                    p.getByte(at + KvmStructs.Segment.DB) != 0,
                    p.getByte(at + KvmStructs.Segment.S) != 0,
                    p.getByte(at + KvmStructs.Segment.L) != 0,
                    p.getByte(at + KvmStructs.Segment.G) != 0,
                    p.getByte(at + KvmStructs.Segment.AVL) != 0,
                    p.getByte(at + KvmStructs.Segment.UNUSABLE) != 0);
        }
    }

    static KvmSregs read(Pointer p) {
        return new KvmSregs(
                Segment.read(p, Sregs.CS), Segment.read(p, Sregs.DS), Segment.read(p, Sregs.ES),
                Segment.read(p, Sregs.FS), Segment.read(p, Sregs.GS), Segment.read(p, Sregs.SS),
                Segment.read(p, Sregs.TR), Segment.read(p, Sregs.LDT),
                p.getLong(Sregs.GDT + Dtable.BASE), p.getShort(Sregs.GDT + Dtable.LIMIT) & 0xFFFF,
                p.getLong(Sregs.IDT + Dtable.BASE), p.getShort(Sregs.IDT + Dtable.LIMIT) & 0xFFFF,
                p.getLong(Sregs.CR0), p.getLong(Sregs.CR2), p.getLong(Sregs.CR3), p.getLong(Sregs.CR4),
                p.getLong(Sregs.CR8), p.getLong(Sregs.EFER), p.getLong(Sregs.APIC_BASE));
    }
}
