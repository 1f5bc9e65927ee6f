package org.altovirt.config;

import java.util.List;

/**
 * {@code -smp [cpus=]N[,maxcpus=M][,sockets=S][,dies=D][,clusters=C][,cores=C][,threads=T]}, with
 * missing counts derived as QEMU does for machines that prefer sockets (StratoVirt's rule, and
 * what the document's query-cpus example shows: two vCPUs are two sockets).
 */
final class SmpOption {
    private static final List<String> KEYS =
            List.of("cpus", "maxcpus", "sockets", "dies", "clusters", "cores", "threads");
    private static final int MAX = CpuTopology.MAX_CPUS;

    private SmpOption() {}

    /** Parses and derives; every error names the value and the rule it breaks. */
    static CpuTopology parse(String raw) throws ConfigException {
        KeyValues kv = KeyValues.parse(raw, "cpus").named("-smp " + raw).allow(KEYS);
        int cpus = (int) kv.number("cpus", 1, MAX, 0);
        int maxCpus = (int) kv.number("maxcpus", 1, MAX, 0);
        int sockets = (int) kv.number("sockets", 1, MAX, 0);
        int dies = (int) kv.number("dies", 1, MAX, 1);
        int clusters = (int) kv.number("clusters", 1, MAX, 1);
        int cores = (int) kv.number("cores", 1, MAX, 0);
        int threads = (int) kv.number("threads", 1, MAX, 0);
        return derive(kv.where(), cpus, maxCpus, sockets, dies, clusters, cores, threads);
    }

    /**
     * Fills in the counts given as 0 (dies and clusters must be given, default 1), then checks
     * that the product equals maxcpus, maxcpus is at most 254 and cpus at most maxcpus.
     */
    static CpuTopology derive(String where, int cpus, int maxCpus, int sockets, int dies,
            int clusters, int cores, int threads) throws ConfigException {
        if (cpus == 0 && maxCpus == 0) {
            sockets = sockets > 0 ? sockets : 1;
            cores = cores > 0 ? cores : 1;
            threads = threads > 0 ? threads : 1;
        } else {
            maxCpus = maxCpus > 0 ? maxCpus : cpus;
            if (sockets == 0) {
                cores = cores > 0 ? cores : 1;
                threads = threads > 0 ? threads : 1;
                sockets = (int) (maxCpus / ((long) dies * clusters * cores * threads));
            } else if (cores == 0) {
                threads = threads > 0 ? threads : 1;
                cores = (int) (maxCpus / ((long) sockets * dies * clusters * threads));
            }
            if (threads == 0) {
                threads = (int) (maxCpus / ((long) sockets * dies * clusters * cores));
            }
        }
        long product = (long) sockets * dies * clusters * cores * threads;
        if (maxCpus == 0) {
            if (product > MAX) {
                throw new ConfigException(where + ": maxcpus must be between 1 and " + MAX
                        + " (sockets * dies * clusters * cores * threads = " + product + ")");
            }
            maxCpus = (int) product;
        }
        cpus = cpus > 0 ? cpus : maxCpus;
        if (product != maxCpus) {
            throw new ConfigException(where + ": sockets (" + sockets + ") * dies (" + dies
                    + ") * clusters (" + clusters + ") * cores (" + cores + ") * threads (" + threads
                    + ") = " + product + " must equal maxcpus (" + maxCpus + ")");
        }
        if (cpus > maxCpus) {
            throw new ConfigException(where + ": cpus (" + cpus + ") must not be more than maxcpus ("
                    + maxCpus + ")");
        }
        return new CpuTopology(cpus, maxCpus, sockets, dies, clusters, cores, threads);
    }
}
