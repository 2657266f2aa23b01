package io.tollgate.devstack.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits the machine's CPUs with {@code taskset}: the load generator and the simulated upstream (which
 * in production run on other machines) get CPU 0, the system under test (gateway and Postgres) the
 * rest. Without this they all compete for the same cores and the bench measures the competition.
 */
final class Cores {
    private static final Path TASKSET = Path.of("/usr/bin/taskset");
    /** Read once: after pinning, this JVM would see only its own CPU. */
    private static final int CPUS = Runtime.getRuntime().availableProcessors();

    private Cores() {
    }

    static boolean canSplit() {
        return CPUS >= 2 && Files.isExecutable(TASKSET);
    }

    static String driverCpus() {
        return "0";
    }

    static String systemCpus() {
        return "1-" + (CPUS - 1);
    }

    /** Pins every thread of {@code pid} and of its current child processes; threads and processes they start inherit it. */
    static void pin(long pid, String cpus) throws IOException, InterruptedException {
        for (long p : withChildren(pid)) {
            Process taskset = new ProcessBuilder(TASKSET.toString(), "-a", "-p", "-c", cpus, Long.toString(p))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (taskset.waitFor() != 0) {
                throw new IOException("taskset could not pin process " + p + " to CPUs " + cpus);
            }
        }
    }

    /** CPU time (user + system) used so far by {@code pid} and its child processes alive now, in ms. */
    static long cpuMillis(long pid) {
        return withChildren(pid).stream().mapToLong(Cores::ownCpuMillis).sum();
    }

    /** CPU time used so far by {@code pid} itself, without its children, in ms. */
    static long ownCpuMillis(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // Fields after the command name, which is in parentheses and may hold spaces.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;  // USER_HZ is 100 on Linux
        } catch (IOException | RuntimeException gone) {
            return 0;  // a process that ended between listing and reading counts nothing
        }
    }

    private static List<Long> withChildren(long pid) {
        List<Long> pids = new ArrayList<>(List.of(pid));
        ProcessHandle.of(pid).ifPresent(p -> p.descendants().forEach(d -> pids.add(d.pid())));
        return pids;
    }

    /** The postmaster's pid, first line of {@code postmaster.pid} in its data directory. */
    static long postmaster(Path dataDir) throws IOException {
        return Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).getFirst().trim());
    }
}
