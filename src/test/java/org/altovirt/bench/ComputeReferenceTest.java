package org.altovirt.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ComputeReferenceTest {
    @Test
    void matchesTheChecksumsTheGuestReadmeGives() {
        // guest-images/conformance-guest/README.md, `compute N`
        assertThat(ComputeReference.hex(1000)).isEqualTo("95c1fa3e17177f7c");
        assertThat(ComputeReference.hex(200_000)).isEqualTo("c9832333da5d4e6f");
    }

    @Test
    void matchesTheReferenceScriptForALargerN() {
        // python3 guest-images/conformance-guest/test/reference.py 2000000
        assertThat(ComputeReference.hex(2_000_000)).isEqualTo("7c1cc531a37d9ef6");
    }

    @Test
    void zeroIterationsIsTheFnvOffsetBasis() {
        assertThat(ComputeReference.hex(0)).isEqualTo("cbf29ce484222325");
    }
}
