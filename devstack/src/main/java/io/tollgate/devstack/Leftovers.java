package io.tollgate.devstack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A server left running by a launcher that was killed (SIGKILL skips shutdown hooks) still holds its
 * data directory, so the next start would fail. Before starting, the server recorded in the directory's
 * pid file is stopped: politely first, then by force (Postgres and Kafka both recover from that).
 */
final class Leftovers {
    private Leftovers() {
    }

    static void stopIfRunning(Path pidFile) {
        if (!Files.exists(pidFile)) {
            return;
        }
        long pid;
        try {
            pid = Long.parseLong(Files.readAllLines(pidFile).getFirst().trim());
        } catch (IOException | RuntimeException e) {
            return;
        }
        ProcessHandle.of(pid).filter(ProcessHandle::isAlive).ifPresent(p -> {
            System.err.println("stopping a server left running in " + pidFile.getParent() + " (pid " + pid + ")");
            p.destroy();
            try {
                p.onExit().get(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
                try {
                    p.onExit().get(10, TimeUnit.SECONDS);
                } catch (Exception ignored) {
                    // reported by the start that follows
                }
            }
        });
    }
}
