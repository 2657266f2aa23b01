package io.tollgate.gateway.controls;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.tollgate.gateway.plans.Limits;
import io.tollgate.ledger.account.Account;
import io.tollgate.ledger.account.AccountState;
import io.tollgate.ledger.account.Ask;
import io.tollgate.ledger.account.Decision;
import io.tollgate.ledger.account.Granularity;
import io.tollgate.ledger.account.Policy;
import io.tollgate.ledger.account.Windows;
import io.tollgate.ledger.events.ApiKeyCreated;
import io.tollgate.ledger.events.CreditsAdded;
import io.tollgate.ledger.events.RecordedEvent;
import io.tollgate.ledger.events.UsageRecorded;
import io.tollgate.ledger.store.EventStore;

/**
 * Decides, before any upstream call, whether a request may go ahead, and holds back its worst-case
 * cost while it runs. The decision is the account kernel's ({@link Account#decide}); this class keeps
 * each account's {@link AccountState} in memory and makes the decision and the reservation one step
 * under the account's lock, so concurrent requests cannot all pass a check only one of them fits.
 *
 * <p>State starts from the ledger, folded through {@link Account#evolve} up to the follower's position,
 * and then follows it: other instances' usage and every credit top-up arrive through
 * {@link LedgerFollower}; this instance's own usage is counted when it settles, and its events are
 * skipped when the follower reads them.
 */
public final class Admission {
    public record Balance(long creditsMicros, long spentMicros, long reservedMicros, long monthSpentMicros,
                          long monthTokens) {
        public long availableMicros() {
            return Math.subtractExact(Math.subtractExact(creditsMicros, spentMicros), reservedMicros);
        }
    }

    /** Requests and tokens used in one window, with its limit (null: none) and when it resets. */
    public record WindowUsage(String subject, Granularity granularity, long requests, Long requestLimit, long tokens,
                              Long tokenLimit, Instant resetsAt) {
    }

    /** The events that change an account's money, rate windows or key lineage. */
    private static final Set<String> ACCOUNT_EVENTS = Set.of("UsageRecorded", "CreditsAdded", "ApiKeyCreated");

    private final EventStore events;
    private final LedgerFollower follower;
    private final Clock clock;
    private final ConcurrentHashMap<Long, Held> accounts = new ConcurrentHashMap<>();
    private final Set<UUID> own = ConcurrentHashMap.newKeySet();

    public Admission(EventStore events, LedgerFollower follower, Clock clock) {
        this.events = events;
        this.follower = follower;
        this.clock = clock;
        follower.listen(this::apply);
    }

    /**
     * Admits the call and reserves its worst case, or refuses it (a {@link Refusal} carrying the kernel's
     * reason). A key created from another key counts against that key's limits too: the whole family
     * stays inside them.
     */
    public Ticket admit(long userId, Policy policy, Ask ask) {
        Held a = account(userId);
        Instant now = clock.instant();
        synchronized (a) {
            return switch (Account.decide(a.state, ask, policy, now)) {
                case Decision.Refused refused -> throw new Refusal(refused);
                case Decision.Admitted admitted -> {
                    a.state = Account.reserve(a.state, admitted.reservation(), now);
                    yield new Ticket(a, admitted);
                }
            };
        }
    }

    public Balance balance(long userId) {
        Held a = account(userId);
        synchronized (a) {
            AccountState s = Account.at(a.state, clock.instant());
            return new Balance(s.balance().creditsMicros(), s.balance().spentMicros(), s.reservedMicros(),
                    s.monthSpentMicros(), s.monthTokens());
        }
    }

    /** The windows of a user and one of its keys with their limits, for {@code GET /api/user/limit}. */
    public List<WindowUsage> windows(long userId, long keyId, Limits keyLimits, Limits userLimits) {
        Held a = account(userId);
        Instant now = clock.instant();
        AccountState s;
        synchronized (a) {
            s = a.state;
        }
        List<WindowUsage> out = new ArrayList<>();
        usage("key", s.key(keyId).windows(), keyLimits, now, out);
        usage("user", s.windows(), userLimits, now, out);
        return out;
    }

    private static void usage(String subject, Windows w, Limits limits, Instant now, List<WindowUsage> out) {
        for (Granularity g : Granularity.values()) {
            out.add(new WindowUsage(subject, g, w.requests(g, now), limits.requests(g), w.tokens(g, now),
                    limits.tokens(g), g.windowEnd(now)));
        }
    }

    private Held account(long userId) {
        Held a = accounts.get(userId);
        if (a != null) {
            return a;
        }
        // Loaded with the follower held still, so the fold and the events applied after it meet exactly.
        return follower.atPosition(position -> accounts.computeIfAbsent(userId, id -> load(id, position)));
    }

    private Held load(long userId, long position) {
        try {
            return new Held(events.foldAccount(Long.toString(userId), position, ACCOUNT_EVENTS, AccountState.EMPTY,
                    Account::evolve));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read account " + userId + " from the ledger", e);
        }
    }

    /** Another instance's usage, a top-up or a new key, read from the ledger. This instance's own usage is already counted. */
    private void apply(RecordedEvent e) {
        Held a = switch (e.event()) {
            case UsageRecorded u -> own.remove(e.eventId()) ? null : accounts.get(u.userId());
            case CreditsAdded c -> accounts.get(c.userId());
            case ApiKeyCreated k -> accounts.get(k.userId());
            default -> null;
        };
        if (a != null) {
            synchronized (a) {
                a.state = Account.evolve(a.state, e);
            }
        }
    }

    /** One account's state; its monitor guards it. */
    private static final class Held {
        AccountState state;

        Held(AccountState state) {
            this.state = state;
        }
    }

    /** One admitted request: settle it with its real usage, or close it to release its reservation. */
    public final class Ticket implements AutoCloseable {
        private final Held account;
        private final Decision.Admitted admitted;
        private boolean open = true;

        private Ticket(Held account, Decision.Admitted admitted) {
            this.account = account;
            this.admitted = admitted;
        }

        /** The kernel's admission, with the rate windows a client should pace itself by. */
        public Decision.Admitted admitted() {
            return admitted;
        }

        /**
         * Replaces the reservation by the usage event about to be appended with {@code eventId}; call
         * before appending it, so the follower knows the event is already counted.
         */
        public void settle(UUID eventId, Instant at, UsageRecorded usage) {
            own.add(eventId);
            synchronized (account) {
                if (open) {
                    open = false;
                    account.state = Account.settle(account.state, admitted.reservation(), usage, at);
                }
            }
        }

        /** Releases the reservation of a request that ends without a usage event. */
        @Override
        public void close() {
            synchronized (account) {
                if (open) {
                    open = false;
                    account.state = Account.release(account.state, admitted.reservation());
                }
            }
        }
    }
}
