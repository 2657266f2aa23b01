package io.tollgate.ledger.projection;

import java.time.Instant;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

import it.unimi.dsi.fastutil.longs.Long2ObjectMap;
import it.unimi.dsi.fastutil.longs.Long2ObjectOpenHashMap;

import io.tollgate.ledger.account.Granularity;
import io.tollgate.ledger.projection.Rows.WindowCounts;
import io.tollgate.ledger.projection.Rows.WindowKey;

/**
 * The rate-window read model as a map from {@link WindowKey} to {@link WindowCounts}, stored per
 * subject and granularity as window starts in ascending order with their counts alongside.
 *
 * <p>Why not a {@code HashMap}: windows are most of the rows replay builds (1.7 million for a million
 * events), and as hash-map entries each cost ~120 bytes in four objects and a cache miss or two per
 * lookup; replay spent more time in those lookups than anywhere else. Here a subject's windows sit
 * together, an event almost always lands in its subject's newest window (the last array slot), and
 * a window costs 24 bytes.
 */
public final class RateWindows extends AbstractMap<WindowKey, WindowCounts> {
    /**
     * One subject's windows of one granularity, starts ascending (epoch seconds). The newest window,
     * where nearly every event lands, is in fields; the older ones in one array of (start, requests,
     * tokens) triples. Replay is memory-bound here: with the newest window in an array, reading it was
     * a cache miss per event and granularity, and growing three parallel arrays by half a fifth of
     * replay's projection time.
     */
    private static final class Series {
        /** Windows {@code 0 .. size - 2}; window {@code size - 1} is the newest. */
        long[] older = new long[3 * 4];
        int size;
        long newestStart;
        long newestRequests;
        long newestTokens;

        long start(int i) {
            return i == size - 1 ? newestStart : older[3 * i];
        }

        long requests(int i) {
            return i == size - 1 ? newestRequests : older[3 * i + 1];
        }

        long tokens(int i) {
            return i == size - 1 ? newestTokens : older[3 * i + 2];
        }

        void add(int i, long r, long t) {
            set(i, requests(i) + r, tokens(i) + t);
        }

        void set(int i, long r, long t) {
            if (i == size - 1) {
                newestRequests = r;
                newestTokens = t;
            } else {
                older[3 * i + 1] = r;
                older[3 * i + 2] = t;
            }
        }

        /** The slot of {@code start}, or {@code -(insertion point) - 1}; the newest window is checked first. */
        int find(long start) {
            if (size == 0 || newestStart < start) {
                return -size - 1;
            }
            if (newestStart == start) {
                return size - 1;
            }
            int lo = 0;
            int hi = size - 2;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                long m = older[3 * mid];
                if (m < start) {
                    lo = mid + 1;
                } else if (m > start) {
                    hi = mid - 1;
                } else {
                    return mid;
                }
            }
            return -lo - 1;
        }

        void insert(int at, long start, long r, long t) {
            if (at == size) {
                if (size > 0) {
                    insertOlder(size - 1, newestStart, newestRequests, newestTokens);
                }
                newestStart = start;
                newestRequests = r;
                newestTokens = t;
            } else {
                insertOlder(at, start, r, t);
            }
            size++;
        }

        /** Inserts into the older windows ({@code 0 .. size - 2}) at {@code at}; size is the caller's to change. */
        private void insertOlder(int at, long start, long r, long t) {
            int olderSize = size - 1;
            if (3 * olderSize == older.length) {
                older = Arrays.copyOf(older, 2 * older.length);
            }
            System.arraycopy(older, 3 * at, older, 3 * at + 3, 3 * (olderSize - at));
            older[3 * at] = start;
            older[3 * at + 1] = r;
            older[3 * at + 2] = t;
        }

        /** Removes the windows before slot {@code keep}; returns how many went. */
        int dropBefore(int keep) {
            if (keep == size) {
                size = 0;
            } else if (keep > 0) {
                System.arraycopy(older, 3 * keep, older, 0, 3 * (size - 1 - keep));
                size -= keep;
            }
            return keep;
        }
    }

    private static final Granularity[] GRANULARITIES = Granularity.values();
    /** subject ("key", "user") → subject id → one series per granularity. */
    private final Map<String, Long2ObjectOpenHashMap<Series[]>> subjects = new HashMap<>();
    private int size;

    /** Adds a request and its tokens to the window of {@code subject} starting at {@code start} (epoch seconds). */
    public void add(String subject, long subjectId, Granularity granularity, long start, long requests, long tokens) {
        add(series(subject, subjectId, granularity, true), start, requests, tokens);
    }

    /**
     * Adds a request and its tokens to the minute, hour and day windows of {@code subject} that contain
     * {@code epochSecond}: one lookup of the subject for all three.
     */
    public void addToAll(String subject, long subjectId, long epochSecond, long requests, long tokens) {
        Series[] byGranularity = seriesOf(subject, subjectId, true);
        for (Granularity g : GRANULARITIES) {
            Series s = byGranularity[g.ordinal()];
            if (s == null) {
                s = new Series();
                byGranularity[g.ordinal()] = s;
            }
            add(s, g.windowStart(epochSecond), requests, tokens);
        }
    }

    private void add(Series s, long start, long requests, long tokens) {
        int at = s.find(start);
        if (at >= 0) {
            s.add(at, requests, tokens);
        } else {
            s.insert(-at - 1, start, requests, tokens);
            size++;
        }
    }

    /** Adds every window of {@code other} to these (shards summed). */
    public void addAll(RateWindows other) {
        other.subjects.forEach((subject, ids) -> ids.long2ObjectEntrySet().fastForEach(e -> {
            Series[] byGranularity = e.getValue();
            for (Granularity g : GRANULARITIES) {
                Series s = byGranularity[g.ordinal()];
                for (int i = 0; s != null && i < s.size; i++) {
                    add(subject, e.getLongKey(), g, s.start(i), s.requests(i), s.tokens(i));
                }
            }
        }));
    }

    /**
     * Drops windows past their granularity's retention counted back from the newest minute window
     * (see {@link Granularity}); returns how many went.
     */
    public int dropExpired() {
        long newest = Long.MIN_VALUE;
        for (Series s : all(Granularity.MINUTE)) {
            if (s.size > 0) {
                newest = Math.max(newest, s.start(s.size - 1));
            }
        }
        if (newest == Long.MIN_VALUE) {
            return 0;
        }
        int dropped = 0;
        for (Granularity g : GRANULARITIES) {
            if (g.retentionSeconds() == Long.MAX_VALUE) {
                continue;
            }
            long oldestKept = g.oldestKept(newest);
            for (Series s : all(g)) {
                int keep = s.find(oldestKept);
                dropped += s.dropBefore(keep >= 0 ? keep : -keep - 1);
            }
        }
        size -= dropped;
        return dropped;
    }

    private List<Series> all(Granularity g) {
        List<Series> out = new ArrayList<>();
        for (Long2ObjectOpenHashMap<Series[]> ids : subjects.values()) {
            for (Series[] byGranularity : ids.values()) {
                if (byGranularity[g.ordinal()] != null) {
                    out.add(byGranularity[g.ordinal()]);
                }
            }
        }
        return out;
    }

    private Series[] seriesOf(String subject, long subjectId, boolean create) {
        Long2ObjectOpenHashMap<Series[]> ids = subjects.get(subject);
        if (ids == null) {
            if (!create) {
                return null;
            }
            ids = new Long2ObjectOpenHashMap<>();
            subjects.put(subject, ids);
        }
        Series[] byGranularity = ids.get(subjectId);
        if (byGranularity == null && create) {
            byGranularity = new Series[GRANULARITIES.length];
            ids.put(subjectId, byGranularity);
        }
        return byGranularity;
    }

    private Series series(String subject, long subjectId, Granularity g, boolean create) {
        Series[] byGranularity = seriesOf(subject, subjectId, create);
        if (byGranularity == null) {
            return null;
        }
        Series s = byGranularity[g.ordinal()];
        if (s == null && create) {
            s = new Series();
            byGranularity[g.ordinal()] = s;
        }
        return s;
    }

    @Override
    public WindowCounts get(Object key) {
        if (!(key instanceof WindowKey k)) {
            return null;
        }
        Series s = series(k.subject(), k.subjectId(), k.granularity(), false);
        int at = s == null ? -1 : s.find(k.start().getEpochSecond());
        return at >= 0 ? new WindowCounts(s.requests(at), s.tokens(at)) : null;
    }

    @Override
    public boolean containsKey(Object key) {
        return get(key) != null;
    }

    @Override
    public WindowCounts put(WindowKey k, WindowCounts v) {
        Series s = series(k.subject(), k.subjectId(), k.granularity(), true);
        long start = k.start().getEpochSecond();
        int at = s.find(start);
        if (at >= 0) {
            WindowCounts before = new WindowCounts(s.requests(at), s.tokens(at));
            s.set(at, v.requests(), v.tokens());
            return before;
        }
        s.insert(-at - 1, start, v.requests(), v.tokens());
        size++;
        return null;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public void clear() {
        subjects.clear();
        size = 0;
    }

    /** Iterates the windows in no particular order; removing through it is not supported (use {@link #dropExpired}). */
    @Override
    public Set<Entry<WindowKey, WindowCounts>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public int size() {
                return size;
            }

            @Override
            public Iterator<Entry<WindowKey, WindowCounts>> iterator() {
                return new Windows();
            }
        };
    }

    /** Walks subject by subject, id by id, granularity by granularity; an entry is made only when asked for. */
    private final class Windows implements Iterator<Entry<WindowKey, WindowCounts>> {
        private final Iterator<Map.Entry<String, Long2ObjectOpenHashMap<Series[]>>> bySubject = subjects.entrySet().iterator();
        private String subject;
        private Iterator<Long2ObjectMap.Entry<Series[]>> ids = Collections.emptyIterator();
        private long id;
        private Series[] series;
        private int granularity = GRANULARITIES.length;
        private int slot;

        @Override
        public boolean hasNext() {
            while (series == null || granularity >= GRANULARITIES.length
                    || series[granularity] == null || slot >= series[granularity].size) {
                if (series != null && granularity < GRANULARITIES.length) {
                    granularity++;
                    slot = 0;
                    continue;
                }
                if (ids.hasNext()) {
                    Long2ObjectMap.Entry<Series[]> e = ids.next();
                    id = e.getLongKey();
                    series = e.getValue();
                    granularity = 0;
                    slot = 0;
                    continue;
                }
                if (!bySubject.hasNext()) {
                    return false;
                }
                Map.Entry<String, Long2ObjectOpenHashMap<Series[]>> e = bySubject.next();
                subject = e.getKey();
                ids = e.getValue().long2ObjectEntrySet().iterator();
                series = null;
            }
            return true;
        }

        @Override
        public Entry<WindowKey, WindowCounts> next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Series s = series[granularity];
            int i = slot++;
            return new SimpleImmutableEntry<>(new WindowKey(subject, id, GRANULARITIES[granularity],
                    Instant.ofEpochSecond(s.start(i))), new WindowCounts(s.requests(i), s.tokens(i)));
        }
    }
}
