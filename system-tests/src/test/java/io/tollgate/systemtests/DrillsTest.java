package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.tollgate.devstack.drill.Drill;

/**
 * The fast reliability drills, exactly as {@code ./tollgate drill NAME} runs them (provider-outage with a
 * 3 s outage instead of 30 s). kill-gateway restarts a gateway process five times and is opt-in:
 * {@code ./tollgate drill kill-gateway}.
 */
class DrillsTest {
    static {
        System.setProperty("tollgate.drill.outage.seconds", "3");
    }

    @ParameterizedTest
    @ValueSource(strings = {"budget-race", "fuzz", "postgres-outage", "provider-outage"})
    void theDrillPasses(String name) throws Exception {
        Drill.Result result = Drill.run(name, TestStack.tempDir("tollgate-drill-" + name), System.out);
        System.out.println(result.line());
        assertTrue(result.passed(), result.line());
    }
}
