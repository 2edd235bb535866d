package dev.tandem.install;

import java.util.Arrays;

/**
 * An open-addressing map from long keys (hash prefixes) to long values, in two primitive arrays: lookups
 * over millions of blocks without an object per entry. The first value stored for a key wins.
 */
public final class LongLongMap {

    private static final long EMPTY = 0x8000_0000_0000_0000L;

    private long[] keys;
    private long[] values;
    private boolean hasEmptyKey;
    private long emptyKeyValue;
    private int size;

    public LongLongMap(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new long[cap];
        values = new long[cap];
        Arrays.fill(keys, EMPTY);
    }

    int size() {
        return size;
    }

    /** Adds the key unless it is present. */
    public void putIfAbsent(long key, long value) {
        if (key == EMPTY) {
            if (!hasEmptyKey) {
                hasEmptyKey = true;
                emptyKeyValue = value;
                size++;
            }
            return;
        }
        if ((size + 1) * 2L > keys.length) {
            grow();
        }
        int mask = keys.length - 1;
        int at = mix(key) & mask;
        while (keys[at] != EMPTY) {
            if (keys[at] == key) {
                return;
            }
            at = (at + 1) & mask;
        }
        keys[at] = key;
        values[at] = value;
        size++;
    }

    /**
     * Sets the value of a present key whose value is {@code expected} (one probe: the block scan calls this
     * once per local block).
     *
     * @return whether the value was replaced
     */
    boolean replaceIf(long key, long expected, long value) {
        if (key == EMPTY) {
            if (hasEmptyKey && emptyKeyValue == expected) {
                emptyKeyValue = value;
                return true;
            }
            return false;
        }
        int mask = keys.length - 1;
        int at = mix(key) & mask;
        while (keys[at] != EMPTY) {
            if (keys[at] == key) {
                if (values[at] == expected) {
                    values[at] = value;
                    return true;
                }
                return false;
            }
            at = (at + 1) & mask;
        }
        return false;
    }

    /** Forgets every key, keeping the arrays (the block planner reuses one map for every batch). */
    void clear() {
        Arrays.fill(keys, EMPTY);
        hasEmptyKey = false;
        size = 0;
    }

    /** The value for {@code key}, or {@code missing}. */
    public long get(long key, long missing) {
        if (key == EMPTY) {
            return hasEmptyKey ? emptyKeyValue : missing;
        }
        int mask = keys.length - 1;
        int at = mix(key) & mask;
        while (keys[at] != EMPTY) {
            if (keys[at] == key) {
                return values[at];
            }
            at = (at + 1) & mask;
        }
        return missing;
    }

    private void grow() {
        long[] oldKeys = keys;
        long[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new long[oldKeys.length * 2];
        Arrays.fill(keys, EMPTY);
        int kept = hasEmptyKey ? 1 : 0;
        size = kept;
        for (int k = 0; k < oldKeys.length; k++) {
            if (oldKeys[k] != EMPTY) {
                putIfAbsent(oldKeys[k], oldValues[k]);
            }
        }
    }

    /** Keys are hash bytes already, but clustering in the low bits would hurt linear probing. */
    private static int mix(long key) {
        long h = key * 0x9E37_79B9_7F4A_7C15L;
        return (int) (h ^ (h >>> 32));
    }
}
