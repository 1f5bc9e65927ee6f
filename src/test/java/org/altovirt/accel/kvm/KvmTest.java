package org.altovirt.accel.kvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class KvmTest {
    @Test
    void aMissingDeviceIsAClearErrorWithAWayOut() {
        assertThatThrownBy(() -> Kvm.open("/nonexistent/kvm"))
                .isInstanceOf(KvmException.class)
                .hasMessageContaining("cannot open /nonexistent/kvm")
                .hasMessageContaining("No such file or directory")
                .hasMessageContaining("-accel emu")
                .satisfies(e -> assertThat(((KvmException) e).missingCapability()).isFalse());
    }

    @Test
    void aDeviceThatIsNotKvmIsRefusedByItsAnswer() {
        // /dev/null opens read-write but answers no KVM ioctl.
        assertThatThrownBy(() -> Kvm.open("/dev/null"))
                .isInstanceOf(KvmException.class)
                .hasMessageContaining("KVM_GET_API_VERSION on /dev/null");
    }

    @Test
    void kvmReportsWhatAGuestCpuCanHave() throws Exception {
        try (Kvm kvm = TestGuest.openKvmOrSkip()) {
            assertThat(kvm.vcpuMmapSize()).isGreaterThanOrEqualTo(4096);
            assertThat(kvm.checkExtension(KvmAbi.KVM_CAP_IMMEDIATE_EXIT)).isPositive();
            assertThat(kvm.supportedCpuid()).extracting(CpuidEntry::function).contains(0, 1, 0x8000_0000);
            assertThat(kvm.supportedCpuid()).isSameAs(kvm.supportedCpuid());
        }
    }
}
