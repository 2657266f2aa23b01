package io.tollgate.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.tollgate.gateway.auth.Access.CallerKind;

/** The rules docs/security.md's table shows: power is the role and the credential together. */
class AccessTest {
    @Test
    void adminPowerNeedsTheRoleAndACredentialThatCarriesIt() {
        assertTrue(CallerKind.ADMIN_SESSION.may(Access.ADMIN, true));
        assertTrue(CallerKind.ADMIN_KEY.may(Access.ADMIN, true));
        assertFalse(CallerKind.ADMIN_PLAIN_KEY.may(Access.ADMIN, false));
        assertFalse(CallerKind.ADMIN_PLAIN_KEY.may(Access.OWN_MANAGE, true));
        assertTrue(CallerKind.ADMIN_PLAIN_KEY.may(Access.INVOKE, true));
    }

    @Test
    void dataPlaneKeysAndVirtualKeysManageNothingAndReadTheirOwn() {
        for (CallerKind k : new CallerKind[] {CallerKind.API_KEY, CallerKind.VIRTUAL_KEY}) {
            assertTrue(k.may(Access.INVOKE, true));
            assertTrue(k.may(Access.OWN_READ, false));
            for (Access a : new Access[] {Access.OWN_MANAGE, Access.MODEL_WRITE, Access.FINANCE, Access.ADMIN}) {
                assertFalse(k.may(a, false) || k.may(a, true), k + " " + a);
            }
        }
    }

    @Test
    void financeReadsAllSpendAndManagesMoneyButNotUsersProvidersOrModels() {
        assertTrue(CallerKind.FINANCE_SESSION.may(Access.FINANCE, true));
        assertTrue(CallerKind.FINANCE_KEY.may(Access.FINANCE, true));
        assertFalse(CallerKind.FINANCE_SESSION.may(Access.ADMIN, false));
        assertFalse(CallerKind.FINANCE_SESSION.may(Access.MODEL_WRITE, true));
        assertFalse(CallerKind.USER_SESSION.may(Access.FINANCE, false));
    }

    @Test
    void aReadOnlyTokenReadsWhatAManagerCanButChangesNothingAndCallsNoModel() {
        assertTrue(CallerKind.READ_TOKEN.may(Access.OWN_MANAGE, false));
        assertFalse(CallerKind.READ_TOKEN.may(Access.OWN_MANAGE, true));
        assertFalse(CallerKind.READ_TOKEN.may(Access.INVOKE, true));
        assertFalse(CallerKind.READ_TOKEN.may(Access.OWN_READ, true));
        assertTrue(CallerKind.WRITE_TOKEN.may(Access.OWN_MANAGE, true));
    }

    @Test
    void aSessionManagesButCallsModelsOnlyThroughAKey() {
        assertTrue(CallerKind.USER_SESSION.may(Access.OWN_MANAGE, true));
        assertFalse(CallerKind.USER_SESSION.may(Access.INVOKE, true));
        assertFalse(CallerKind.ANONYMOUS.may(Access.OWN_READ, false));
        assertTrue(CallerKind.ANONYMOUS.may(Access.PUBLIC, true));
    }

    @Test
    void aChosenBootstrapKeyMustLookRandom() {
        assertNull(ApiKeys.weakness("tg_live_Bootstrap9kQ2xV7mN4pL8rT3wY6zA1cE5"));
        assertNotNull(ApiKeys.weakness("admin"));
        assertNotNull(ApiKeys.weakness("changeme-changeme-changeme-changeme"));
        assertEquals(null, ApiKeys.weakness(ApiKeys.generate("live")));
    }
}
