package org.altovirt.accel.emu;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The executor's branch trees dispatch operations 0..31 by their numbers (half of each pair is
 * implied by the other's test), so the numbering in {@link Op} is part of the executor's logic:
 * these are the numbers it was written for, and every operation has a number of its own.
 */
class OpNumberingTest {
    private static final String[] TREES = {
        "ALU64_RR", "ALU64_RI", "ALU32_RR", "ALU32_RI", "MOV_RR", "MOV_RI", "LOAD", "STORE",
        "JCC", "LEA64", "TEST_RR", "INC_R", "DEC_R", "JMP", "CALL", "RET",
        "SHIFT_I", "LEA", "IMUL_GE", "IMUL_GEI", "NEG", "PUSH", "POP", "MOVZX",
        "MOVSX", "MOV_EG", "MOV_GE", "CMOVCC", "SETCC", "ALU_EG", "ALU_EI", "ALU_GE"};

    @Test
    void theInlineDispatchTreesSeeTheNumbersTheyWereWrittenFor() throws Exception {
        for (int i = 0; i < TREES.length; i++) {
            assertThat(Op.class.getDeclaredField(TREES[i]).getInt(null)).as(TREES[i]).isEqualTo(i);
        }
    }

    @Test
    void everyOperationHasItsOwnNumberBelowCount() throws Exception {
        Set<Integer> seen = new HashSet<>();
        for (Field f : Op.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class && !f.getName().equals("COUNT")) {
                int v = f.getInt(null);
                assertThat(seen.add(v)).as("%s = %d is taken twice", f.getName(), v).isTrue();
                assertThat(v).as(f.getName()).isBetween(0, Op.COUNT - 1);
            }
        }
        assertThat(seen).hasSize(Op.COUNT);
    }
}
