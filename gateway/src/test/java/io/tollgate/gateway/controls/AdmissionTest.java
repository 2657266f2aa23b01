package io.tollgate.gateway.controls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class AdmissionTest {
    @Test
    void resetTimesUseOpenAisFormatRoundedUpToASecond() {
        assertEquals("1s", Admission.resetText(Duration.ofMillis(10)));
        assertEquals("59s", Admission.resetText(Duration.ofMillis(58_001)));
        assertEquals("6m0s", Admission.resetText(Duration.ofMinutes(6)));
        assertEquals("1h2m3s", Admission.resetText(Duration.ofSeconds(3723)));
    }
}
