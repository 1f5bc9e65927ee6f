package org.altovirt.config;

import static org.altovirt.config.CommandLineTest.error;
import static org.altovirt.config.CommandLineTest.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SmpOptionTest {

    @ParameterizedTest(name = "-smp {0}")
    @CsvSource(delimiter = '|', value = {
        // value                                   | cpus | max | sockets | dies | clusters | cores | threads
        "1                                         | 1    | 1   | 1       | 1    | 1        | 1     | 1",
        "4                                         | 4    | 4   | 4       | 1    | 1        | 1     | 1",
        "cpus=4                                    | 4    | 4   | 4       | 1    | 1        | 1     | 1",
        "254                                       | 254  | 254 | 254     | 1    | 1        | 1     | 1",
        "4,maxcpus=8                               | 4    | 8   | 8       | 1    | 1        | 1     | 1",
        "4,cores=2                                 | 4    | 4   | 2       | 1    | 1        | 2     | 1",
        "4,threads=2                               | 4    | 4   | 2       | 1    | 1        | 1     | 2",
        "8,sockets=2                               | 8    | 8   | 2       | 1    | 1        | 4     | 1",
        "8,sockets=2,threads=2                     | 8    | 8   | 2       | 1    | 1        | 2     | 2",
        "8,sockets=2,cores=2                       | 8    | 8   | 2       | 1    | 1        | 2     | 2",
        "8,dies=2                                  | 8    | 8   | 4       | 2    | 1        | 1     | 1",
        "8,dies=2,clusters=2                       | 8    | 8   | 2       | 2    | 2        | 1     | 1",
        "sockets=2,cores=2,threads=2               | 8    | 8   | 2       | 1    | 1        | 2     | 2",
        "sockets=3                                 | 3    | 3   | 3       | 1    | 1        | 1     | 1",
        "4,maxcpus=8,sockets=2                     | 4    | 8   | 2       | 1    | 1        | 4     | 1",
        "2,maxcpus=4,sockets=1,cores=2,threads=2   | 2    | 4   | 1       | 1    | 1        | 2     | 2",
        "maxcpus=6,sockets=3                       | 6    | 6   | 3       | 1    | 1        | 2     | 1",
        "cpus=2,maxcpus=4,sockets=2,cores=2        | 2    | 4   | 2       | 1    | 1        | 2     | 1",
    })
    void derivation(String value, int cpus, int max, int sockets, int dies, int clusters, int cores, int threads)
            throws ConfigException {
        assertThat(parse("-smp", value).cpus())
                .isEqualTo(new CpuTopology(cpus, max, sockets, dies, clusters, cores, threads));
    }

    @ParameterizedTest(name = "-smp {0}")
    @CsvSource(delimiter = '|', value = {
        "0                           | cpus must be between 1 and 254",
        "255                         | cpus must be between 1 and 254",
        "99999999999999999999        | cpus must be between 1 and 254",
        "two                         | cpus must be a whole number between 1 and 254 (got 'two')",
        "-1                          | cpus must be a whole number between 1 and 254 (got '-1')",
        "4,maxcpus=300               | maxcpus must be between 1 and 254",
        "4,sockets=0                 | sockets must be between 1 and 254",
        "4,threads=x                 | threads must be a whole number between 1 and 254 (got 'x')",
        "4,maxcpus=2                 | cpus (4) must not be more than maxcpus (2)",
        "4,sockets=3                 | sockets (3) * dies (1) * clusters (1) * cores (1) * threads (1) = 3 must equal maxcpus (4)",
        "2,cores=4                   | sockets (0) * dies (1) * clusters (1) * cores (4) * threads (1) = 0 must equal maxcpus (2)",
        "6,sockets=2,cores=2,threads=2 | sockets (2) * dies (1) * clusters (1) * cores (2) * threads (2) = 8 must equal maxcpus (6)",
        "sockets=254,cores=2         | maxcpus must be between 1 and 254 (sockets * dies * clusters * cores * threads = 508)",
        "4,nodes=2                   | unknown parameter 'nodes' (allowed: cpus, maxcpus, sockets, dies, clusters, cores, threads)",
        "4,cpus=4                    | parameter 'cpus' is given twice",
    })
    void errors(String value, String message) {
        assertThat(error("-smp", value)).isEqualTo("-smp " + value + ": " + message);
    }

    @Test
    void positionsForQueryCpus() {
        CpuTopology t = new CpuTopology(8, 8, 2, 1, 1, 2, 2);

        assertThat(t.position(0)).isEqualTo(new CpuTopology.Position(0, 0, 0, 0, 0));
        assertThat(t.position(1)).isEqualTo(new CpuTopology.Position(0, 0, 0, 0, 1));
        assertThat(t.position(2)).isEqualTo(new CpuTopology.Position(0, 0, 0, 1, 0));
        assertThat(t.position(5)).isEqualTo(new CpuTopology.Position(1, 0, 0, 0, 1));
        assertThat(t.position(7)).isEqualTo(new CpuTopology.Position(1, 0, 0, 1, 1));
        assertThatThrownBy(() -> t.position(8)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void theDocumentsTwoVcpusAreTwoSockets() throws ConfigException {
        CpuTopology t = parse("-smp", "2").cpus();

        assertThat(t.position(0)).isEqualTo(new CpuTopology.Position(0, 0, 0, 0, 0));
        assertThat(t.position(1)).isEqualTo(new CpuTopology.Position(1, 0, 0, 0, 0));
    }

    @Test
    void positionsWithDiesAndClusters() {
        CpuTopology t = new CpuTopology(16, 16, 2, 2, 2, 2, 1);

        assertThat(t.position(13)).isEqualTo(new CpuTopology.Position(1, 1, 0, 1, 0));
    }

    @Test
    void topologyRecordRejectsInconsistentCounts() {
        assertThatThrownBy(() -> new CpuTopology(4, 4, 3, 1, 1, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CpuTopology(5, 4, 4, 1, 1, 1, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
