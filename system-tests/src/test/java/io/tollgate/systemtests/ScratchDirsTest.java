package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import io.tollgate.devstack.ScratchDirs;

/** What benchmarks, drills and the test run delete when done: whole trees, quietly when already gone. */
class ScratchDirsTest {
    @Test
    void aNestedTreeIsDeletedWholeAndAMissingOneCountsAsGone() throws Exception {
        Path dir = TestStack.tempDir("scratch");
        Files.createDirectories(dir.resolve("pg/base/1"));
        Files.writeString(dir.resolve("pg/base/1/16384"), "rows");
        Files.writeString(dir.resolve("postmaster.pid"), "1");
        assertTrue(ScratchDirs.deleteTree(dir));
        assertFalse(Files.exists(dir));
        assertTrue(ScratchDirs.deleteTree(dir), "nothing left to delete is done");
    }
}
