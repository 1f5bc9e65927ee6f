package org.altovirt.devices.virtio.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class VirtioNetTest {
    private final VirtioNet nic = new VirtioNet("eth1", VirtioNet.defaultMac(1));

    @Test
    void aGuestSeesANetworkCardWithItsMacAndTheLinkDown() {
        assertThat(nic.deviceType()).isEqualTo(1);
        assertThat(nic.deviceFeatures() & VirtioNet.F_MAC).isNotZero();
        assertThat(nic.deviceFeatures() & VirtioNet.F_STATUS).isNotZero();
        assertThat(nic.readConfig(0, 4)).isEqualTo(0x12005452L);
        assertThat(nic.readConfig(4, 2)).isEqualTo(0x5734L);
        assertThat(nic.readConfig(6, 2)).as("status: link down").isZero();
        assertThat(nic.queueCount()).isEqualTo(2);
    }

    @Test
    void aMacHasSixBytes() {
        assertThatThrownBy(() -> new VirtioNet("eth0", new byte[5])).hasMessageContaining("6 bytes");
    }
}
