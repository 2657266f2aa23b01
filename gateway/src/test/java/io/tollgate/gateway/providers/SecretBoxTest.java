package io.tollgate.gateway.providers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class SecretBoxTest {
    @Test
    void sealedKeysOpenOnlyWithTheSameMasterKey() {
        SecretBox box = new SecretBox(SecretBox.newMasterKey());
        byte[] sealed = box.seal("sk-live-secret");
        assertEquals("sk-live-secret", box.open(sealed));
        assertFalse(new String(sealed, StandardCharsets.ISO_8859_1).contains("sk-live-secret"));
        assertThrows(IllegalStateException.class, () -> new SecretBox(SecretBox.newMasterKey()).open(sealed));
    }

    @Test
    void tamperedCiphertextIsRejected() {
        SecretBox box = new SecretBox(SecretBox.newMasterKey());
        byte[] sealed = box.seal("sk-live-secret");
        sealed[sealed.length - 1] ^= 1;
        assertThrows(IllegalStateException.class, () -> box.open(sealed));
    }

    @Test
    void aMasterKeyOfTheWrongSizeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new SecretBox("c2hvcnQ="));
        assertThrows(IllegalArgumentException.class, () -> new SecretBox("not base64!"));
    }
}
