package org.altovirt.config;

/**
 * The vCPUs from {@code -smp} (or the config file's {@code vcpu_count}): {@code cpus} are online
 * at start, up to {@code maxCpus} may exist, laid out as sockets × dies × clusters × cores ×
 * threads. The product always equals {@code maxCpus}; {@code 1 <= cpus <= maxCpus <=}
 * {@value #MAX_CPUS}.
 */
public record CpuTopology(
        int cpus, int maxCpus, int sockets, int dies, int clusters, int cores, int threads) {

    /** StratoVirt's largest vCPU count. */
    public static final int MAX_CPUS = 254;

    public CpuTopology {
        if (cpus < 1 || cpus > maxCpus || maxCpus > MAX_CPUS) {
            throw new IllegalArgumentException("cpus " + cpus + ", maxcpus " + maxCpus + " out of range");
        }
        if (sockets < 1 || dies < 1 || clusters < 1 || cores < 1 || threads < 1
                || (long) sockets * dies * clusters * cores * threads != maxCpus) {
            throw new IllegalArgumentException("topology " + sockets + "*" + dies + "*" + clusters
                    + "*" + cores + "*" + threads + " does not make maxcpus " + maxCpus);
        }
    }

    /** {@code n} vCPUs, one per socket, as {@code -smp n} gives. */
    public static CpuTopology of(int n) {
        return new CpuTopology(n, n, n, 1, 1, 1, 1);
    }

    /**
     * Where vCPU {@code index} sits, for {@code query-cpus} and {@code query-hotpluggable-cpus}
     * props: threads vary fastest, then cores, clusters, dies, sockets (QEMU's x86 APIC id
     * order).
     *
     * @throws IndexOutOfBoundsException unless {@code 0 <= index < maxCpus}
     */
    public Position position(int index) {
        if (index < 0 || index >= maxCpus) {
            throw new IndexOutOfBoundsException("vCPU " + index + " of " + maxCpus);
        }
        int thread = index % threads;
        int core = index / threads % cores;
        int cluster = index / (threads * cores) % clusters;
        int die = index / (threads * cores * clusters) % dies;
        int socket = index / (threads * cores * clusters * dies);
        return new Position(socket, die, cluster, core, thread);
    }

    /**
     * One vCPU's place in the topology; QMP shows {@code socket-id}, {@code core-id} and
     * {@code thread-id}.
     */
    public record Position(int socket, int die, int cluster, int core, int thread) {}
}
