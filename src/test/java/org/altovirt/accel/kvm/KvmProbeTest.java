package org.altovirt.accel.kvm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KvmProbeTest {
    @Test
    void aMissingDeviceIsNotUsableAndIsNeverCreated(@TempDir Path dir) {
        Path device = dir.resolve("kvm");

        KvmProbe.Result result = KvmProbe.probe(device);

        assertThat(result.usable()).isFalse();
        assertThat(result.problem()).contains("no such device").contains("-accel emu");
        assertThat(device).doesNotExist();
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void aRegularFileIsNotKvmAndIsLeftAsItWas(@TempDir Path dir) throws Exception {
        Path device = Files.writeString(dir.resolve("kvm"), "");

        KvmProbe.Result result = KvmProbe.probe(device);

        assertThat(result.usable()).isFalse();
        assertThat(result.problem()).contains("not a character device");
        assertThat(device).isEmptyFile();
    }

    @Test
    void aCharacterDeviceThatIsNotKvmIsRefusedByItsAnswer() {
        KvmProbe.Result result = KvmProbe.probe(Path.of("/dev/null"));

        assertThat(result.usable()).isFalse();
        assertThat(result.problem()).contains("KVM_GET_API_VERSION").contains("not KVM");
        assertThat(result.toString()).startsWith("/dev/null: ");
    }

    @Test
    void aDirectoryIsNotKvm(@TempDir Path dir) {
        assertThat(KvmProbe.probe(dir).problem()).contains("not a character device");
    }

    @Test
    void theRealDeviceIsUsableExactlyWhenKvmOpensIt() {
        // Where KVM works both agree it is usable; elsewhere both refuse (never one of each).
        KvmProbe.Result probe = KvmProbe.probe();
        boolean opens;
        try (Kvm kvm = Kvm.open()) {
            opens = true;
        } catch (KvmException e) {
            opens = false;
        }
        assertThat(probe.usable()).as("probe: %s", probe).isEqualTo(opens);
    }
}
