/**
 * A small in-process cache with a fixed time to live, for the lookups every authenticated
 * request makes. Entries expire on their own; callers delete what their own writes change, so
 * this instance sees its changes at once and other instances within the TTL.
 */
export interface TtlCache<V> {
  /** `{ value }` for a live entry (the value may be null: "known absent"), else undefined. */
  get(key: string): { value: V } | undefined;
  set(key: string, value: V): void;
  delete(key: string): void;
  /** Drops every entry whose value matches, e.g. all sessions of one user. */
  deleteWhere(matches: (value: V) => boolean): void;
}

export function createTtlCache<V>(ttlMs: number, maxEntries = 10_000): TtlCache<V> {
  const entries = new Map<string, { value: V; expires: number }>();
  return {
    get(key) {
      if (ttlMs <= 0) return undefined;
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expires <= Date.now()) {
        entries.delete(key);
        return undefined;
      }
      return { value: entry.value };
    },
    set(key, value) {
      if (ttlMs <= 0) return;
      entries.delete(key);
      // Maps iterate in insertion order: the first key is the oldest.
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
      entries.set(key, { value, expires: Date.now() + ttlMs });
    },
    delete(key) {
      entries.delete(key);
    },
    deleteWhere(matches) {
      for (const [key, entry] of entries) if (matches(entry.value)) entries.delete(key);
    },
  };
}
