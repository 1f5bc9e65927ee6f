package org.altovirt.accel.emu;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.List;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Translates a hot {@link Block} to JVM bytecode ({@link CompiledBlock}), defined as a hidden
 * class in this package. The commonest operations of gcc -O2 code become inline Java: register
 * moves, loads and stores through the {@link Mmu}, 32- and 64-bit ALU operations, shifts and
 * rotates, IMUL, the common case of DIV, conditional moves and branches, PUSH/POP/CALL/RET. Every
 * other instruction is handed to {@link Executor#step}, the interpreter, so every block compiles
 * and behaves exactly as interpreted.
 *
 * <p>Flags: a backward pass finds the flag results no one can see — overwritten by a later
 * instruction of the block before any instruction reads them, and with nothing in between that
 * could fault (a fault's delivery saves RFLAGS) — and those are never recorded. The others are
 * recorded in {@link CpuState}'s lazy fields as the interpreter records them; a condition that
 * follows its producer in the block is evaluated from the producer's operands, held in locals.
 */
final class BlockCompiler {
    private static final String PKG = "org/altovirt/accel/emu/";
    private static final String EXECUTOR = PKG + "Executor";
    private static final String STATE = PKG + "CpuState";
    private static final String FLAGS = PKG + "Flags";
    private static final String MMU = PKG + "Mmu";
    private static final String CODE = PKG + "CodeCache";
    private static final String INSN = PKG + "Insn";
    private static final String BASE = PKG + "CompiledBlock";
    private static final String RUN_DESC = "(L" + EXECUTOR + ";L" + STATE + ";[JJ)J";
    private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();
    /** A class past this size may hold a method HotSpot will not compile (a generous bound on its bytecode). */
    private static final int MAX_CLASS_BYTES = 7_500;
    private static final MethodType CONSTRUCTOR = MethodType.methodType(void.class, Insn[].class, long[].class, int[].class);
    /** Instructions a region runs before it goes back to the run loop (about a millisecond). */
    static final long REGION_BUDGET = 1 << 20;
    /** Most blocks in one region. */
    static final int MAX_REGION_BLOCKS = 16;

    // Local variable slots of run(): this, x, s, r, rip (two slots), then longs.
    private static final int X = 1, S = 2, R = 3, RIP = 4;
    /** The last flag producer's operands, result and aux value (as Flags.record takes them). */
    private static final int FD = 6, FS = 8, FR = 10, FA = 12;
    private static final int T1 = 14, T2 = 16, T3 = 18;
    /** Scratch for {@code storeRFromStack}. */
    private static final int TMP = 20;
    /** Guest instructions completed by the region's earlier blocks (long). */
    private static final int COUNT = 22;

    /** Blocks compiled and failures, for the log and the tests. */
    private int compiled;
    private int failed;

    int compiledCount() {
        return compiled;
    }

    int failedCount() {
        return failed;
    }

    /**
     * Compiles {@code entry} with the blocks it jumps to directly in the same page (a region, so a
     * loop runs as a Java loop); {@code cached} finds a decoded block by physical address, or null.
     * Throws when the JVM refuses the generated class (a compiler bug).
     */
    CompiledBlock compile(Block entry, java.util.function.LongFunction<Block> cached) {
        try {
            Region region = Region.of(entry, cached);
            byte[] bytes = new Emitter(region).classBytes();
            if (bytes.length > MAX_CLASS_BYTES && region.blocks.size() > 1) {
                region = Region.single(entry);
                bytes = new Emitter(region).classBytes();
            }
            if (bytes.length > MAX_CLASS_BYTES) {
                // HotSpot does not compile a method of over 8,000 bytes of bytecode (HugeMethodLimit):
                // such a block would run slower than the interpreter runs it.
                throw new IllegalStateException("the block at 0x" + Long.toHexString(entry.phys) + " compiles to "
                        + bytes.length + " bytes; it stays interpreted");
            }
            MethodHandles.Lookup hidden = LOOKUP.defineHiddenClass(bytes, true);
            MethodHandle ctor = hidden.findConstructor(hidden.lookupClass(), CONSTRUCTOR);
            CompiledBlock c = (CompiledBlock) ctor.invoke(region.all, region.deltaOf, region.positionOf);
            compiled++;
            return c;
        } catch (RuntimeException | Error e) {
            failed++;
            throw e;
        } catch (Throwable t) {
            failed++;
            throw new IllegalStateException("compiling the block at 0x" + Long.toHexString(entry.phys) + ": " + t, t);
        }
    }

    /**
     * The blocks compiled together: the entry, then those reachable from it by direct jumps and
     * fall-throughs within its 4 KiB page (so one virtual-to-physical offset holds for all), up to
     * {@link #MAX_REGION_BLOCKS}. A block's {@code delta} is its address less the entry's.
     */
    static final class Region {
        final List<Block> blocks = new ArrayList<>();
        final List<Long> deltas = new ArrayList<>();
        Insn[] all;
        long[] deltaOf;
        int[] positionOf;

        static Region single(Block entry) {
            Region r = new Region();
            r.blocks.add(entry);
            r.deltas.add(0L);
            r.index();
            return r;
        }

        static Region of(Block entry, java.util.function.LongFunction<Block> cached) {
            Region r = new Region();
            r.blocks.add(entry);
            r.deltas.add(0L);
            long page = entry.phys & ~0xFFFL;
            for (int i = 0; i < r.blocks.size() && r.blocks.size() < MAX_REGION_BLOCKS; i++) {
                Block b = r.blocks.get(i);
                if (!allNative(b)) {
                    continue; // a hand-off may change the mapping: its block leaves the region
                }
                long delta = r.deltas.get(i);
                for (long target : targets(b)) {
                    long d = delta + target;
                    long pa = entry.phys + d;
                    if ((pa & ~0xFFFL) != page || r.deltas.contains(d) || r.blocks.size() >= MAX_REGION_BLOCKS) {
                        continue;
                    }
                    Block t = cached.apply(pa);
                    if (t != null && t.valid && t.cached) {
                        r.blocks.add(t);
                        r.deltas.add(d);
                    }
                }
            }
            r.index();
            return r;
        }

        /** Where {@code b} can go next, as offsets from its start; empty when that is not known statically. */
        static long[] targets(Block b) {
            Insn last = b.insns[b.insns.length - 1];
            if (b.fusedCc >= 0) {
                return new long[] {last.next, last.next + b.fusedRel};
            }
            switch (last.op) {
                case Op.JCC: return new long[] {last.next, last.next + last.imm};
                case Op.JMP: return new long[] {last.next + last.imm};
                case Op.CALL: case Op.RET: return new long[0];
                default: return last.ends ? new long[0] : new long[] {last.next};
            }
        }

        static boolean allNative(Block b) {
            for (Insn in : b.insns) {
                if (!Emitter.isNative(in)) {
                    return false;
                }
            }
            return true;
        }

        int indexOf(long delta) {
            return deltas.indexOf(delta);
        }

        private void index() {
            int n = 0;
            for (Block b : blocks) {
                n += b.insns.length;
            }
            all = new Insn[n];
            deltaOf = new long[n];
            positionOf = new int[n];
            int g = 0;
            for (int i = 0; i < blocks.size(); i++) {
                Insn[] insns = blocks.get(i).insns;
                for (int k = 0; k < insns.length; k++, g++) {
                    all[g] = insns[k];
                    deltaOf[g] = deltas.get(i);
                    positionOf[g] = k;
                }
            }
        }
    }

    /** How an instruction touches the flags, for the liveness pass. */
    private enum FlagUse {
        /** Neither reads nor writes them. */
        NONE,
        /** Reads them (or may: a fallback, a conditional, DIV's slow path). */
        READS,
        /** Replaces all six. */
        WRITES,
        /** Replaces some and keeps the rest (INC/DEC keep CF, ROL/ROR change only CF and OF). */
        UPDATES
    }

    /** One block's class. */
    private static final class Emitter {
        private final Region region;
        /** The block being emitted, its instructions, its offset from the entry and its index in the region. */
        private Block block;
        private Insn[] insns;
        private long delta;
        private int blockIndex;
        private final Label[] entries;
        private MethodVisitor mv;
        /** Flags kind (Flags.ADD...) of the producer whose operands are in FD/FS/FR, or -1. */
        private int known = -1;
        private int knownSize;
        private final List<Label> handlers = new ArrayList<>();
        private final List<Integer> faultIndexes = new ArrayList<>();
        private final java.util.IdentityHashMap<Insn, Integer> global = new java.util.IdentityHashMap<>();

        Emitter(Region region) {
            this.region = region;
            this.entries = new Label[region.blocks.size()];
            for (int i = 0; i < entries.length; i++) {
                entries[i] = new Label();
            }
            for (int g = 0; g < region.all.length; g++) {
                global.put(region.all[g], g);
            }
        }

        byte[] classBytes() {
            ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS) {
                @Override
                protected String getCommonSuperClass(String a, String b) {
                    return "java/lang/Object";
                }
            };
            cw.visit(Opcodes.V17, Opcodes.ACC_FINAL | Opcodes.ACC_SUPER, PKG + "JitBlock", null, BASE, null);
            String ctorDesc = "([L" + INSN + ";[J[I)V";
            MethodVisitor init = cw.visitMethod(0, "<init>", ctorDesc, null, null);
            init.visitCode();
            init.visitVarInsn(Opcodes.ALOAD, 0);
            init.visitVarInsn(Opcodes.ALOAD, 1);
            init.visitVarInsn(Opcodes.ALOAD, 2);
            init.visitVarInsn(Opcodes.ALOAD, 3);
            init.visitMethodInsn(Opcodes.INVOKESPECIAL, BASE, "<init>", ctorDesc, false);
            init.visitInsn(Opcodes.RETURN);
            init.visitMaxs(0, 0);
            init.visitEnd();

            mv = cw.visitMethod(0, "run", RUN_DESC, null, null);
            mv.visitCode();
            // Locals the verifier must see as assigned on every path.
            for (int slot = FD; slot <= COUNT; slot += 2) {
                mv.visitInsn(Opcodes.LCONST_0);
                mv.visitVarInsn(Opcodes.LSTORE, slot);
            }
            for (int i = 0; i < region.blocks.size(); i++) {
                emitBlock(i);
            }
            for (int h = 0; h < handlers.size(); h++) {
                mv.visitLabel(handlers.get(h));
                // [fault] -> record which instruction faulted, what ran before its block, and rethrow
                mv.visitVarInsn(Opcodes.ALOAD, X);
                pushInt(faultIndexes.get(h));
                mv.visitFieldInsn(Opcodes.PUTFIELD, EXECUTOR, "faultIndex", "I");
                mv.visitVarInsn(Opcodes.ALOAD, X);
                mv.visitVarInsn(Opcodes.LLOAD, COUNT);
                mv.visitFieldInsn(Opcodes.PUTFIELD, EXECUTOR, "faultRetired", "J");
                mv.visitInsn(Opcodes.ATHROW);
            }
            mv.visitMaxs(0, 0);
            mv.visitEnd();
            cw.visitEnd();
            return cw.toByteArray();
        }

        private void emitBlock(int i) {
            blockIndex = i;
            block = region.blocks.get(i);
            insns = block.insns;
            delta = region.deltas.get(i);
            known = -1; // reached from elsewhere: nothing is known of the flags
            mv.visitLabel(entries[i]);
            boolean[] dead = deadFlags();
            for (int k = 0; k < insns.length; k++) {
                Insn in = insns[k];
                boolean last = k == insns.length - 1;
                boolean faults = mayFault(in);
                Label start = new Label();
                Label end = new Label();
                if (faults) {
                    Label handler = new Label();
                    mv.visitTryCatchBlock(start, end, handler, PKG + "GuestFault");
                    handlers.add(handler);
                    faultIndexes.add(global.get(in));
                    mv.visitLabel(start);
                }
                Ending ending = emit(in, dead[k], last);
                if (faults) {
                    mv.visitLabel(end);
                }
                if (!last && mayStore(in)) {
                    leaveIfCodeChanged(in, k);
                }
                if (last) {
                    finish(in, ending);
                }
            }
        }

        /** How an emitted instruction left things: go on, RIP set (return), or the path is closed. */
        private enum Ending { NEXT, RIP_SET, CLOSED }

        /** After the block's last instruction: where to go, and the instruction count. */
        private void finish(Insn in, Ending ending) {
            if (ending == Ending.CLOSED) {
                return;
            }
            if (block.fusedCc >= 0) {
                // The producer carries the Jcc (even one handed to the interpreter, like SBB).
                Label taken = new Label();
                condJump(block.fusedCc, taken);
                edge(in.next);
                mv.visitLabel(taken);
                edge(in.next + block.fusedRel);
            } else if (ending == Ending.RIP_SET) {
                returnCount(block.count);
            } else {
                edge(in.next);
            }
        }

        /**
         * Leaves the block for the instruction at {@code offset} from its start: a jump within the
         * region when that is a block of it (and no kick is pending), else RIP set and a return.
         */
        private void edge(long offset) {
            long target = delta + offset;
            int t = region.indexOf(target);
            if (t >= 0 && Region.allNative(block)) {
                Label leave = new Label();
                mv.visitVarInsn(Opcodes.LLOAD, COUNT);
                pushLong(block.count);
                mv.visitInsn(Opcodes.LADD);
                mv.visitVarInsn(Opcodes.LSTORE, COUNT);
                mv.visitVarInsn(Opcodes.ALOAD, X);
                mv.visitFieldInsn(Opcodes.GETFIELD, EXECUTOR, "kicked", "Z");
                mv.visitJumpInsn(Opcodes.IFNE, leave);
                Label stay = new Label();
                mv.visitVarInsn(Opcodes.ALOAD, X);
                mv.visitFieldInsn(Opcodes.GETFIELD, EXECUTOR, "irqPending", "Z"); // an interrupt may be due...
                mv.visitJumpInsn(Opcodes.IFEQ, stay);
                mv.visitVarInsn(Opcodes.ALOAD, S);
                mv.visitFieldInsn(Opcodes.GETFIELD, STATE, "rflags", "J"); // ...and the CPU may take it
                pushLong(CpuState.IF);
                mv.visitInsn(Opcodes.LAND);
                mv.visitInsn(Opcodes.LCONST_0);
                mv.visitInsn(Opcodes.LCMP);
                mv.visitJumpInsn(Opcodes.IFNE, leave);
                mv.visitLabel(stay);
                // Now and then back to the run loop, which keeps the instruction count others read.
                mv.visitVarInsn(Opcodes.LLOAD, COUNT);
                pushLong(REGION_BUDGET);
                mv.visitInsn(Opcodes.LCMP);
                mv.visitJumpInsn(Opcodes.IFLT, entries[t]);
                mv.visitLabel(leave);
                setRipAt(target);
                returnCount(0);
                return;
            }
            setRipAt(target);
            returnCount(block.count);
        }

        /** Returns COUNT + {@code more}. */
        private void returnCount(long more) {
            mv.visitVarInsn(Opcodes.LLOAD, COUNT);
            if (more != 0) {
                pushLong(more);
                mv.visitInsn(Opcodes.LADD);
            }
            mv.visitInsn(Opcodes.LRETURN);
        }

        /** After a possible store: when it hit decoded code, stop after this instruction. */
        private void leaveIfCodeChanged(Insn in, int k) {
            Label go = new Label();
            mv.visitVarInsn(Opcodes.ALOAD, X);
            mv.visitFieldInsn(Opcodes.GETFIELD, EXECUTOR, "code", "L" + CODE + ";");
            mv.visitFieldInsn(Opcodes.GETFIELD, CODE, "invalidated", "Z");
            mv.visitJumpInsn(Opcodes.IFEQ, go);
            setRip(in.next, 0);
            mv.visitVarInsn(Opcodes.ALOAD, X);
            mv.visitInsn(Opcodes.ICONST_1);
            mv.visitFieldInsn(Opcodes.PUTFIELD, EXECUTOR, "leftEarly", "Z");
            returnCount(k + 1);
            mv.visitLabel(go);
        }

        // ---- what each instruction does to the flags ----

        /** For each instruction, whether the flags it produces are overwritten unseen. */
        private boolean[] deadFlags() {
            boolean[] dead = new boolean[insns.length];
            boolean live = true; // what follows the block sees the flags
            for (int k = insns.length - 1; k >= 0; k--) {
                Insn in = insns[k];
                boolean faults = mayFault(in);
                switch (flagUse(in)) {
                    case WRITES:
                        dead[k] = !live;
                        live = faults;
                        break;
                    case UPDATES:
                        dead[k] = !live;
                        live = live || faults;
                        break;
                    case READS:
                        live = true;
                        break;
                    default:
                        live = live || faults;
                }
            }
            return dead;
        }

        private static FlagUse flagUse(Insn in) {
            if (!isNative(in)) {
                return FlagUse.READS;
            }
            switch (in.op) {
                case Op.ALU64_RR: case Op.ALU64_RI: case Op.ALU32_RR: case Op.ALU32_RI:
                case Op.TEST_RR: case Op.TEST_EI: case Op.TEST_EG: case Op.IMUL_GE: case Op.IMUL_GEI:
                    return FlagUse.WRITES;
                case Op.SHIFT_I:
                    return in.sub == Bits.ROL || in.sub == Bits.ROR ? FlagUse.UPDATES : FlagUse.WRITES;
                case Op.INC_R: case Op.DEC_R:
                    return FlagUse.UPDATES;
                case Op.JCC: case Op.CMOVCC: case Op.SETCC: case Op.DIV:
                    return FlagUse.READS;
                default:
                    return FlagUse.NONE;
            }
        }

        /** Whether the compiled form can raise a fault (memory access, or a hand-off to the interpreter). */
        private static boolean mayFault(Insn in) {
            if (!isNative(in)) {
                return true;
            }
            switch (in.op) {
                case Op.LOAD: case Op.STORE: case Op.PUSH: case Op.POP: case Op.CALL: case Op.RET: case Op.DIV:
                    return true;
                case Op.MOVZX: case Op.MOVSX: case Op.IMUL_GE: case Op.IMUL_GEI: case Op.CMOVCC: case Op.LEA64:
                    return in.mem && in.op != Op.LEA64;
                default:
                    return false;
            }
        }

        private static boolean mayStore(Insn in) {
            return !isNative(in) || in.op == Op.STORE || in.op == Op.PUSH || in.op == Op.CALL;
        }

        /** Whether {@code in} is compiled inline (else it goes to the interpreter). */
        static boolean isNative(Insn in) {
            boolean wide = in.size == 8 || in.size == 4;
            switch (in.op) {
                case Op.NOP: case Op.MOV_RR: case Op.MOV_RI: case Op.LEA64: case Op.JMP: case Op.JCC:
                case Op.TEST_RR: case Op.INC_R: case Op.DEC_R:
                    return true;
                case Op.TEST_EI: case Op.TEST_EG:
                    return !in.mem && !in.lock;
                case Op.LOAD: case Op.STORE:
                    return wide;
                case Op.ALU64_RR: case Op.ALU64_RI: case Op.ALU32_RR: case Op.ALU32_RI:
                    return in.sub != Arith.ADC && in.sub != Arith.SBB;
                case Op.SHIFT_I:
                    return !in.mem && wide && (in.imm & (in.size == 8 ? 63 : 31)) != 0
                            && in.sub != Bits.RCL && in.sub != Bits.RCR;
                case Op.MOVZX: case Op.MOVSX:
                    return !in.lock;
                case Op.IMUL_GE: case Op.IMUL_GEI: case Op.CMOVCC:
                    return wide && !in.lock;
                case Op.SETCC:
                    return !in.mem;
                case Op.DIV:
                    return in.size == 8 && !in.mem;
                case Op.PUSH: case Op.POP:
                    return in.size == 8 && !in.mem;
                case Op.CALL: case Op.RET:
                    return in.size == 8;
                default:
                    return false;
            }
        }

        // ---- instructions ----

        /** Emits one instruction. */
        private Ending emit(Insn in, boolean dead, boolean last) {
            if (!isNative(in)) {
                // The interpreter runs it, with RIP at the next instruction as it expects.
                callInterpreter(in);
                known = -1;
                return Ending.RIP_SET;
            }
            switch (in.op) {
                case Op.NOP:
                    return Ending.NEXT;
                case Op.MOV_RR:
                    loadR(in.reg);
                    if (in.size == 4) {
                        mask(4);
                    }
                    storeRFromStack(in.rm);
                    return Ending.NEXT;
                case Op.MOV_RI:
                    pushLong(in.imm);
                    storeRFromStack(in.rm);
                    return Ending.NEXT;
                case Op.LEA64:
                    ea(in);
                    storeRFromStack(in.reg);
                    return Ending.NEXT;
                case Op.LOAD:
                    mmuRead(in, in.size);
                    storeRFromStack(in.reg);
                    return Ending.NEXT;
                case Op.STORE:
                    mv.visitVarInsn(Opcodes.ALOAD, X);
                    mv.visitFieldInsn(Opcodes.GETFIELD, EXECUTOR, "mmu", "L" + MMU + ";");
                    linear(in);
                    pushInt(in.size);
                    loadR(in.reg);
                    mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, MMU, "write", "(JIJ)V", false);
                    return Ending.NEXT;
                case Op.ALU64_RR: case Op.ALU64_RI: case Op.ALU32_RR: case Op.ALU32_RI:
                    alu(in, dead);
                    return Ending.NEXT;
                case Op.TEST_RR:
                    loadR(in.rm);
                    loadR(in.reg);
                    mv.visitInsn(Opcodes.LAND);
                    mask(in.size);
                    mv.visitVarInsn(Opcodes.LSTORE, FR);
                    produced(Flags.LOGIC, in.size, dead);
                    return Ending.NEXT;
                case Op.INC_R: case Op.DEC_R:
                    incDec(in, dead);
                    return Ending.NEXT;
                case Op.TEST_EI: case Op.TEST_EG:
                    // r/m & (imm or reg), any width (AH..BH included), as Executor.exec does
                    readReg(in.rm, in.size);
                    if (in.op == Op.TEST_EI) {
                        pushLong(in.imm);
                    } else {
                        readReg(in.reg, in.size);
                    }
                    mv.visitInsn(Opcodes.LAND);
                    mask(in.size);
                    mv.visitVarInsn(Opcodes.LSTORE, FR);
                    produced(Flags.LOGIC, in.size, dead);
                    return Ending.NEXT;
                case Op.SHIFT_I:
                    shift(in, dead);
                    return Ending.NEXT;
                case Op.MOVZX: case Op.MOVSX:
                    readE(in, in.sub);
                    if (in.op == Op.MOVSX) {
                        signExtend(in.sub);
                    }
                    mv.visitVarInsn(Opcodes.LSTORE, T1);
                    setReg(in.reg, in.size, T1);
                    return Ending.NEXT;
                case Op.IMUL_GE: case Op.IMUL_GEI:
                    imul(in, dead);
                    return Ending.NEXT;
                case Op.CMOVCC: {
                    readE(in, in.size);
                    mv.visitVarInsn(Opcodes.LSTORE, T1);
                    Label no = new Label();
                    Label done = new Label();
                    condJump(in.sub ^ 1, no);
                    setReg(in.reg, in.size, T1);
                    mv.visitJumpInsn(Opcodes.GOTO, done);
                    mv.visitLabel(no);
                    if (in.size == 4) {
                        loadR(in.reg);
                        mask(4);
                        storeRFromStack(in.reg);
                    }
                    mv.visitLabel(done);
                    return Ending.NEXT;
                }
                case Op.SETCC: {
                    condValue(in.sub);
                    mv.visitVarInsn(Opcodes.LSTORE, T1);
                    setReg(in.rm, 1, T1);
                    return Ending.NEXT;
                }
                case Op.DIV:
                    divide(in);
                    return Ending.NEXT;
                case Op.PUSH:
                    // v = r[rm]; sp = rsp - 8; write; rsp = sp (PUSH RSP pushes the old value)
                    loadR(in.rm);
                    mv.visitVarInsn(Opcodes.LSTORE, T1);
                    loadR(CpuState.RSP);
                    pushLong(8);
                    mv.visitInsn(Opcodes.LSUB);
                    mv.visitVarInsn(Opcodes.LSTORE, T2);
                    mmuWrite(T2, 8, T1);
                    mv.visitVarInsn(Opcodes.LLOAD, T2);
                    storeRFromStack(CpuState.RSP);
                    return Ending.NEXT;
                case Op.POP:
                    loadR(CpuState.RSP);
                    mv.visitVarInsn(Opcodes.LSTORE, T2);
                    mmuReadAt(T2, 8);
                    mv.visitVarInsn(Opcodes.LSTORE, T1);
                    mv.visitVarInsn(Opcodes.LLOAD, T2);
                    pushLong(8);
                    mv.visitInsn(Opcodes.LADD);
                    storeRFromStack(CpuState.RSP);
                    mv.visitVarInsn(Opcodes.LLOAD, T1);
                    storeRFromStack(in.rm);
                    return Ending.NEXT;
                case Op.CALL:
                    loadR(CpuState.RSP);
                    pushLong(8);
                    mv.visitInsn(Opcodes.LSUB);
                    mv.visitVarInsn(Opcodes.LSTORE, T2);
                    mv.visitVarInsn(Opcodes.LLOAD, RIP);
                    pushLong(delta + in.next); // the return address
                    mv.visitInsn(Opcodes.LADD);
                    mv.visitVarInsn(Opcodes.LSTORE, T1);
                    mmuWrite(T2, 8, T1);
                    mv.visitVarInsn(Opcodes.LLOAD, T2);
                    storeRFromStack(CpuState.RSP);
                    setRip(in.next, in.imm);
                    return Ending.RIP_SET;
                case Op.RET:
                    loadR(CpuState.RSP);
                    mv.visitVarInsn(Opcodes.LSTORE, T2);
                    mmuReadAt(T2, 8);
                    mv.visitVarInsn(Opcodes.LSTORE, T1);
                    mv.visitVarInsn(Opcodes.LLOAD, T2);
                    pushLong(8 + in.imm);
                    mv.visitInsn(Opcodes.LADD);
                    storeRFromStack(CpuState.RSP);
                    mv.visitVarInsn(Opcodes.ALOAD, S);
                    mv.visitVarInsn(Opcodes.LLOAD, T1);
                    mv.visitFieldInsn(Opcodes.PUTFIELD, STATE, "rip", "J");
                    return Ending.RIP_SET;
                case Op.JMP:
                    if (!last) {
                        setRip(in.next, in.imm);
                        return Ending.RIP_SET;
                    }
                    edge(in.next + in.imm);
                    return Ending.CLOSED;
                case Op.JCC: {
                    Label taken = new Label();
                    if (!last) { // (a Jcc always ends its block)
                        Label done = new Label();
                        condJump(in.sub, taken);
                        setRip(in.next, 0);
                        mv.visitJumpInsn(Opcodes.GOTO, done);
                        mv.visitLabel(taken);
                        setRip(in.next, in.imm);
                        mv.visitLabel(done);
                        return Ending.RIP_SET;
                    }
                    condJump(in.sub, taken);
                    edge(in.next);
                    mv.visitLabel(taken);
                    edge(in.next + in.imm);
                    return Ending.CLOSED;
                }
                default:
                    throw new IllegalStateException("op " + in.op + " is not compiled inline");
            }
        }

        /** x.step(insns[i]) with RIP at the next instruction, as the interpreter expects. */
        private void callInterpreter(Insn in) {
            setRip(in.next, 0);
            mv.visitVarInsn(Opcodes.ALOAD, X);
            mv.visitVarInsn(Opcodes.ALOAD, 0);
            mv.visitFieldInsn(Opcodes.GETFIELD, BASE, "insns", "[L" + INSN + ";");
            pushInt(indexOf(in));
            mv.visitInsn(Opcodes.AALOAD);
            mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, EXECUTOR, "step", "(L" + INSN + ";)Z", false);
            mv.visitInsn(Opcodes.POP);
        }

        /** The instruction's index in the region (in {@link CompiledBlock#insns}). */
        private int indexOf(Insn in) {
            return global.get(in);
        }

        private void alu(Insn in, boolean dead) {
            int size = in.size;
            boolean rr = in.op == Op.ALU64_RR || in.op == Op.ALU32_RR;
            loadR(in.rm);
            mask(size);
            mv.visitVarInsn(Opcodes.LSTORE, FD);
            if (rr) {
                loadR(in.reg);
            } else {
                pushLong(in.imm);
            }
            mask(size);
            mv.visitVarInsn(Opcodes.LSTORE, FS);
            mv.visitVarInsn(Opcodes.LLOAD, FD);
            mv.visitVarInsn(Opcodes.LLOAD, FS);
            int kind;
            switch (in.sub) {
                case Arith.ADD: mv.visitInsn(Opcodes.LADD); kind = Flags.ADD; break;
                case Arith.SUB: case Arith.CMP: mv.visitInsn(Opcodes.LSUB); kind = Flags.SUB; break;
                case Arith.AND: mv.visitInsn(Opcodes.LAND); kind = Flags.LOGIC; break;
                case Arith.OR: mv.visitInsn(Opcodes.LOR); kind = Flags.LOGIC; break;
                case Arith.XOR: mv.visitInsn(Opcodes.LXOR); kind = Flags.LOGIC; break;
                default: throw new IllegalStateException("ALU sub " + in.sub);
            }
            mask(size);
            mv.visitVarInsn(Opcodes.LSTORE, FR);
            if (in.sub != Arith.CMP) {
                mv.visitVarInsn(Opcodes.LLOAD, FR);
                storeRFromStack(in.rm);
            }
            produced(kind, size, dead);
        }

        private void incDec(Insn in, boolean dead) {
            int size = in.size;
            if (!dead) {
                condValue(Flags.B); // CF passes through: aux = the current CF
                mv.visitVarInsn(Opcodes.LSTORE, FA);
            }
            loadR(in.rm);
            mask(size);
            mv.visitVarInsn(Opcodes.LSTORE, FD);
            pushLong(1);
            mv.visitVarInsn(Opcodes.LSTORE, FS);
            mv.visitVarInsn(Opcodes.LLOAD, FD);
            pushLong(1);
            mv.visitInsn(in.op == Op.INC_R ? Opcodes.LADD : Opcodes.LSUB);
            mask(size);
            mv.visitVarInsn(Opcodes.LSTORE, FR);
            mv.visitVarInsn(Opcodes.LLOAD, FR);
            storeRFromStack(in.rm);
            produced(in.op == Op.INC_R ? Flags.INC : Flags.DEC, size, dead);
        }

        private void shift(Insn in, boolean dead) {
            int size = in.size;
            int count = (int) in.imm & (size == 8 ? 63 : 31);
            loadR(in.rm);
            mask(size);
            mv.visitVarInsn(Opcodes.LSTORE, FD);
            mv.visitVarInsn(Opcodes.LLOAD, FD);
            int kind = -1;
            switch (in.sub) {
                case Bits.SHL: case Bits.SAL:
                    pushInt(count);
                    mv.visitInsn(Opcodes.LSHL);
                    mask(size);
                    kind = Flags.SHL;
                    break;
                case Bits.SHR:
                    pushInt(count);
                    mv.visitInsn(Opcodes.LUSHR);
                    kind = Flags.SHR;
                    break;
                case Bits.SAR:
                    signExtend(size);
                    pushInt(count);
                    mv.visitInsn(Opcodes.LSHR);
                    mask(size);
                    kind = Flags.SAR;
                    break;
                case Bits.ROL: case Bits.ROR: {
                    int left = in.sub == Bits.ROL ? count : size * 8 - count;
                    if (size == 8) {
                        pushInt(left);
                        mv.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/Long", "rotateLeft", "(JI)J", false);
                    } else {
                        mv.visitInsn(Opcodes.L2I);
                        pushInt(left);
                        mv.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/Integer", "rotateLeft", "(II)I", false);
                        mv.visitInsn(Opcodes.I2L);
                        mask(4);
                    }
                    break;
                }
                default:
                    throw new IllegalStateException("shift sub " + in.sub);
            }
            mv.visitVarInsn(Opcodes.LSTORE, FR);
            mv.visitVarInsn(Opcodes.LLOAD, FR);
            storeRFromStack(in.rm);
            if (kind >= 0) {
                pushLong(count);
                mv.visitVarInsn(Opcodes.LSTORE, FS);
                produced(kind, size, dead);
            } else {
                if (!dead) {
                    mv.visitVarInsn(Opcodes.ALOAD, S);
                    mv.visitFieldInsn(Opcodes.GETFIELD, STATE, "flags", "L" + FLAGS + ";");
                    mv.visitVarInsn(Opcodes.LLOAD, FR);
                    pushInt(size);
                    pushInt(in.sub == Bits.ROL ? 1 : 0);
                    mv.visitMethodInsn(Opcodes.INVOKESTATIC, BASE, "rotated", "(L" + FLAGS + ";JIZ)V", false);
                }
                known = -1;
            }
        }

        private void imul(Insn in, boolean dead) {
            int size = in.size;
            // a, b sign-extended to 64 bits in T1, T2
            if (in.op == Op.IMUL_GE) {
                loadR(in.reg);
                signExtend(size);
                mv.visitVarInsn(Opcodes.LSTORE, T1);
                readE(in, size);
                signExtend(size);
                mv.visitVarInsn(Opcodes.LSTORE, T2);
            } else {
                readE(in, size);
                signExtend(size);
                mv.visitVarInsn(Opcodes.LSTORE, T1);
                pushLong(size == 8 ? in.imm : (int) in.imm);
                mv.visitVarInsn(Opcodes.LSTORE, T2);
            }
            mv.visitVarInsn(Opcodes.LLOAD, T1);
            mv.visitVarInsn(Opcodes.LLOAD, T2);
            mv.visitInsn(Opcodes.LMUL);
            mv.visitVarInsn(Opcodes.LSTORE, T3);
            if (!dead) {
                Label no = new Label();
                Label done = new Label();
                if (size == 8) {
                    mv.visitVarInsn(Opcodes.LLOAD, T1);
                    mv.visitVarInsn(Opcodes.LLOAD, T2);
                    mv.visitMethodInsn(Opcodes.INVOKESTATIC, BASE, "imulOverflows64", "(JJ)Z", false);
                    mv.visitJumpInsn(Opcodes.IFEQ, no);
                } else {
                    mv.visitVarInsn(Opcodes.LLOAD, T3);
                    signExtend(4);
                    mv.visitVarInsn(Opcodes.LLOAD, T3);
                    mv.visitInsn(Opcodes.LCMP);
                    mv.visitJumpInsn(Opcodes.IFEQ, no);
                }
                mv.visitInsn(Opcodes.LCONST_1);
                mv.visitJumpInsn(Opcodes.GOTO, done);
                mv.visitLabel(no);
                mv.visitInsn(Opcodes.LCONST_0);
                mv.visitLabel(done);
                mv.visitVarInsn(Opcodes.LSTORE, FA);
            }
            mv.visitVarInsn(Opcodes.LLOAD, T3);
            mask(size);
            mv.visitVarInsn(Opcodes.LSTORE, FR);
            mv.visitVarInsn(Opcodes.LLOAD, FR);
            storeRFromStack(in.reg);
            mv.visitInsn(Opcodes.LCONST_0);
            mv.visitVarInsn(Opcodes.LSTORE, FD);
            mv.visitInsn(Opcodes.LCONST_0);
            mv.visitVarInsn(Opcodes.LSTORE, FS);
            produced(Flags.MUL, size, dead);
        }

        /** 64-bit DIV by a register: inline when RDX is 0 and the divisor is not; else the interpreter (which faults). */
        private void divide(Insn in) {
            Label slow = new Label();
            Label done = new Label();
            loadR(in.rm);
            mv.visitVarInsn(Opcodes.LSTORE, T1);
            mv.visitVarInsn(Opcodes.LLOAD, T1);
            mv.visitInsn(Opcodes.LCONST_0);
            mv.visitInsn(Opcodes.LCMP);
            mv.visitJumpInsn(Opcodes.IFEQ, slow);
            loadR(CpuState.RDX);
            mv.visitInsn(Opcodes.LCONST_0);
            mv.visitInsn(Opcodes.LCMP);
            mv.visitJumpInsn(Opcodes.IFNE, slow);
            loadR(CpuState.RAX);
            mv.visitVarInsn(Opcodes.LSTORE, T2);
            mv.visitVarInsn(Opcodes.LLOAD, T2);
            mv.visitVarInsn(Opcodes.LLOAD, T1);
            mv.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/Long", "divideUnsigned", "(JJ)J", false);
            storeRFromStack(CpuState.RAX);
            mv.visitVarInsn(Opcodes.LLOAD, T2);
            mv.visitVarInsn(Opcodes.LLOAD, T1);
            mv.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/Long", "remainderUnsigned", "(JJ)J", false);
            storeRFromStack(CpuState.RDX);
            mv.visitJumpInsn(Opcodes.GOTO, done);
            mv.visitLabel(slow);
            callInterpreter(in);
            mv.visitLabel(done);
            known = -1;
        }

        // ---- flags ----

        /** A flag producer's operands are in FD/FS/FR (and FA): record them unless they are dead. */
        private void produced(int kind, int size, boolean dead) {
            known = kind;
            knownSize = size;
            if (dead) {
                return;
            }
            mv.visitVarInsn(Opcodes.ALOAD, S);
            pushInt(kind << 2 | Flags.sizeIndex(size));
            mv.visitFieldInsn(Opcodes.PUTFIELD, STATE, "ccOp", "I");
            putCc("ccRes", FR);
            if (kind == Flags.LOGIC) {
                return; // as Flags.logic records it
            }
            putCc("ccDst", FD);
            putCc("ccSrc", FS);
            if (kind == Flags.INC || kind == Flags.DEC || kind == Flags.MUL) {
                putCc("ccAux", FA);
            }
        }

        private void putCc(String field, int slot) {
            mv.visitVarInsn(Opcodes.ALOAD, S);
            mv.visitVarInsn(Opcodes.LLOAD, slot);
            mv.visitFieldInsn(Opcodes.PUTFIELD, STATE, field, "J");
        }

        /** Leaves 1L or 0L on the stack: whether condition code {@code cc} holds. */
        private void condValue(int cc) {
            Label yes = new Label();
            Label done = new Label();
            condJump(cc, yes);
            mv.visitInsn(Opcodes.LCONST_0);
            mv.visitJumpInsn(Opcodes.GOTO, done);
            mv.visitLabel(yes);
            mv.visitInsn(Opcodes.LCONST_1);
            mv.visitLabel(done);
        }

        /** Jumps to {@code target} when condition code {@code cc} holds. */
        private void condJump(int cc, Label target) {
            boolean negate = (cc & 1) != 0;
            int test = cc & ~1;
            int sh = 64 - 8 * knownSize;
            boolean sub = known == Flags.SUB;
            boolean logic = known == Flags.LOGIC;
            boolean zs = known > Flags.EFLAGS; // ZF and SF come from the result of every recorded kind
            if (zs && test == Flags.Z) {
                mv.visitVarInsn(Opcodes.LLOAD, FR);
                mv.visitInsn(Opcodes.LCONST_0);
                mv.visitInsn(Opcodes.LCMP);
                mv.visitJumpInsn(negate ? Opcodes.IFNE : Opcodes.IFEQ, target);
            } else if (zs && test == Flags.S || logic && test == Flags.L) {
                mv.visitVarInsn(Opcodes.LLOAD, FR);
                pushInt(sh);
                mv.visitInsn(Opcodes.LSHL);
                mv.visitInsn(Opcodes.LCONST_0);
                mv.visitInsn(Opcodes.LCMP);
                mv.visitJumpInsn(negate ? Opcodes.IFGE : Opcodes.IFLT, target);
            } else if (sub && (test == Flags.B || test == Flags.BE)) {
                mv.visitVarInsn(Opcodes.LLOAD, FD);
                mv.visitVarInsn(Opcodes.LLOAD, FS);
                mv.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/Long", "compareUnsigned", "(JJ)I", false);
                jumpOnCompare(test == Flags.B, negate, target);
            } else if (sub && (test == Flags.L || test == Flags.LE)) {
                mv.visitVarInsn(Opcodes.LLOAD, FD);
                pushInt(sh);
                mv.visitInsn(Opcodes.LSHL);
                mv.visitVarInsn(Opcodes.LLOAD, FS);
                pushInt(sh);
                mv.visitInsn(Opcodes.LSHL);
                mv.visitInsn(Opcodes.LCMP);
                jumpOnCompare(test == Flags.L, negate, target);
            } else if (logic && (test == Flags.B || test == Flags.O)) {
                if (negate) {
                    mv.visitJumpInsn(Opcodes.GOTO, target); // CF = OF = 0
                }
            } else if (logic && test == Flags.BE) {
                condJump(Flags.Z | (negate ? 1 : 0), target);
            } else {
                mv.visitVarInsn(Opcodes.ALOAD, S);
                mv.visitFieldInsn(Opcodes.GETFIELD, STATE, "flags", "L" + FLAGS + ";");
                pushInt(cc);
                mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, FLAGS, "cond", "(I)Z", false);
                mv.visitJumpInsn(Opcodes.IFNE, target);
            }
        }

        /** With a comparison result (int, <0 / 0 / >0) on the stack: jump on < (or <=), or the negation. */
        private void jumpOnCompare(boolean strict, boolean negate, Label target) {
            int op = strict ? (negate ? Opcodes.IFGE : Opcodes.IFLT) : (negate ? Opcodes.IFGT : Opcodes.IFLE);
            mv.visitJumpInsn(op, target);
        }

        // ---- operands ----

        /** s.rip = the address {@code next + plus} bytes from the current block's start. */
        private void setRip(long next, long plus) {
            setRipAt(delta + next + plus);
        }

        /** s.rip = the address {@code offset} bytes from the entry block's start. */
        private void setRipAt(long offset) {
            mv.visitVarInsn(Opcodes.ALOAD, S);
            mv.visitVarInsn(Opcodes.LLOAD, RIP);
            if (offset != 0) {
                pushLong(offset);
                mv.visitInsn(Opcodes.LADD);
            }
            mv.visitFieldInsn(Opcodes.PUTFIELD, STATE, "rip", "J");
        }

        private void loadR(int n) {
            mv.visitVarInsn(Opcodes.ALOAD, R);
            pushInt(n);
            mv.visitInsn(Opcodes.LALOAD);
        }

        /** r[n] = the long on the stack. */
        private void storeRFromStack(int n) {
            mv.visitVarInsn(Opcodes.LSTORE, TMP);
            mv.visitVarInsn(Opcodes.ALOAD, R);
            pushInt(n);
            mv.visitVarInsn(Opcodes.LLOAD, TMP);
            mv.visitInsn(Opcodes.LASTORE);
        }

        /** A register write with x86 semantics, of the value in local {@code slot}. */
        private void setReg(int n, int size, int slot) {
            if (size == 8 || size == 4) {
                mv.visitVarInsn(Opcodes.LLOAD, slot);
                mask(size);
                storeRFromStack(n);
                return;
            }
            mv.visitVarInsn(Opcodes.ALOAD, S);
            pushInt(n);
            pushInt(size);
            mv.visitVarInsn(Opcodes.LLOAD, slot);
            mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, STATE, "setReg", "(IIJ)V", false);
        }

        /** Register {@code n} of {@code size} bytes, zero-extended (AH..BH for 16..19). */
        private void readReg(int n, int size) {
            if (size == 8 || size == 4) {
                loadR(n);
                mask(size);
                return;
            }
            mv.visitVarInsn(Opcodes.ALOAD, S);
            pushInt(n);
            pushInt(size);
            mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, STATE, "reg", "(II)J", false);
        }

        /** The r/m operand of {@code size} bytes: a register, or memory through the MMU. */
        private void readE(Insn in, int size) {
            if (in.mem) {
                mmuRead(in, size);
            } else {
                readReg(in.rm, size);
            }
        }

        private void mmuRead(Insn in, int size) {
            mv.visitVarInsn(Opcodes.ALOAD, X);
            mv.visitFieldInsn(Opcodes.GETFIELD, EXECUTOR, "mmu", "L" + MMU + ";");
            linear(in);
            pushInt(size);
            mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, MMU, "read", "(JI)J", false);
        }

        private void mmuReadAt(int addressSlot, int size) {
            mv.visitVarInsn(Opcodes.ALOAD, X);
            mv.visitFieldInsn(Opcodes.GETFIELD, EXECUTOR, "mmu", "L" + MMU + ";");
            mv.visitVarInsn(Opcodes.LLOAD, addressSlot);
            pushInt(size);
            mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, MMU, "read", "(JI)J", false);
        }

        private void mmuWrite(int addressSlot, int size, int valueSlot) {
            mv.visitVarInsn(Opcodes.ALOAD, X);
            mv.visitFieldInsn(Opcodes.GETFIELD, EXECUTOR, "mmu", "L" + MMU + ";");
            mv.visitVarInsn(Opcodes.LLOAD, addressSlot);
            pushInt(size);
            mv.visitVarInsn(Opcodes.LLOAD, valueSlot);
            mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, MMU, "write", "(JIJ)V", false);
        }

        /** The effective address (as {@link Executor#ea}) on the stack. */
        private void ea(Insn in) {
            pushLong(in.disp);
            if (in.base >= 0) {
                loadR(in.base);
                mv.visitInsn(Opcodes.LADD);
            } else if (in.ripRel) {
                mv.visitVarInsn(Opcodes.LLOAD, RIP);
                pushLong(delta + in.next);
                mv.visitInsn(Opcodes.LADD);
                mv.visitInsn(Opcodes.LADD);
            }
            if (in.index >= 0) {
                loadR(in.index);
                if (in.scale != 0) {
                    pushInt(in.scale);
                    mv.visitInsn(Opcodes.LSHL);
                }
                mv.visitInsn(Opcodes.LADD);
            }
            if (in.addr32) {
                mask(4);
            }
        }

        /** The linear address (as {@link Executor#linear}) on the stack. */
        private void linear(Insn in) {
            ea(in);
            if (in.seg != 0) {
                mv.visitVarInsn(Opcodes.ALOAD, S);
                mv.visitFieldInsn(Opcodes.GETFIELD, STATE, in.seg == CpuState.FS ? "fsBase" : "gsBase", "J");
                mv.visitInsn(Opcodes.LADD);
            }
        }

        private void mask(int size) {
            if (size == 8) {
                return;
            }
            pushLong(CpuState.mask(size));
            mv.visitInsn(Opcodes.LAND);
        }

        /** Sign-extends the low {@code size} bytes of the long on the stack. */
        private void signExtend(int size) {
            if (size == 8) {
                return;
            }
            int sh = 64 - size * 8;
            pushInt(sh);
            mv.visitInsn(Opcodes.LSHL);
            pushInt(sh);
            mv.visitInsn(Opcodes.LSHR);
        }

        private void pushInt(int v) {
            if (v >= -1 && v <= 5) {
                mv.visitInsn(Opcodes.ICONST_0 + v);
            } else if (v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE) {
                mv.visitIntInsn(Opcodes.BIPUSH, v);
            } else if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) {
                mv.visitIntInsn(Opcodes.SIPUSH, v);
            } else {
                mv.visitLdcInsn(v);
            }
        }

        private void pushLong(long v) {
            if (v == 0 || v == 1) {
                mv.visitInsn(Opcodes.LCONST_0 + (int) v);
            } else {
                mv.visitLdcInsn(v);
            }
        }
    }
}
