/**
 * Rendered single-session responses, kept per server, so that reading a session that no longer changes costs
 * a map lookup instead of a query, a parse of its document and a render.
 *
 * Only what does not depend on the clock is kept: an open session's durations run, so its body is rendered at
 * two clocks a year apart and kept only when both are the same. An entry is dropped when its session changes —
 * at once for a commit in this process (`Db.onChanged`), within milliseconds for another server's commit (the
 * change feed, read by the `LiveHub`; its poll catches a lost NOTIFY within a second). The cache is trusted only
 * while the feed is being read: when the hub has not read it through for `STALE_MS` (the database is in
 * trouble), every request reads the database. A render that raced with any invalidation is not kept.
 */
import type { Db } from '../db/store.js';
import type { LiveHub } from '../live/hub.js';

/** Renders a loaded session's response body at a given clock (ms since the epoch). */
export type Renderer = (now: number) => string;

export interface ReadCache {
  /**
   * The response body for `lookup` (a session id, or a dialect's own key for it) under `variant` (the dialect
   * and whatever else the body depends on, such as the base URL of its links): from the cache, or from `load`,
   * which reads the session and answers its id and a renderer (null: no such session, nothing kept). The body
   * is UTF-8 bytes: a cached string would be encoded again for every response that sends it.
   */
  get(
    tenantId: string,
    lookup: string,
    variant: string,
    load: () => Promise<{ sessionId: string; render: Renderer } | null>,
    now: number,
  ): Promise<Buffer | null>;
  /** Entries, their size in bytes, hits and misses since start (for /metrics and the bench). */
  stats(): { entries: number; bytes: number; hits: number; misses: number };
  close(): void;
}

export interface ReadCacheOptions {
  /** Most entries kept (default 20,000); the least recently used go first. */
  maxEntries?: number;
  /** Most bytes kept over all bodies (default 64 MiB, outside the JavaScript heap). */
  maxBytes?: number;
}

/** How far behind the change feed may be read before the cache is bypassed. */
export const STALE_MS = 5_000;
/** An entry is rendered afresh after this long even when nothing invalidated it (a bound, not a need). */
const MAX_AGE_MS = 10 * 60_000;
const YEAR_MS = 365 * 86_400_000;

interface Entry {
  key: string;
  sessionKey: string;
  body: Buffer;
  at: number;
}

export function readCache(db: Db, hub: LiveHub, options: ReadCacheOptions = {}): ReadCache {
  const maxEntries = options.maxEntries ?? 20_000;
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  /** By lookup key, in least-recently-used order (a hit moves its entry to the end). */
  const entries = new Map<string, Entry>();
  /** The lookup keys cached for each session. */
  const bySession = new Map<string, Set<string>>();
  let bytes = 0;
  let hits = 0;
  let misses = 0;
  /** Bumped by every invalidation: a render begun before a bump may hold what it invalidated. */
  let epoch = 0;
  let subscription: Promise<() => void> | null = null;

  const sessionKeyOf = (tenantId: string, sessionId: string) => `${tenantId}\u0000${sessionId}`;

  function remove(entry: Entry) {
    entries.delete(entry.key);
    bytes -= entry.body.length;
    const keys = bySession.get(entry.sessionKey);
    keys?.delete(entry.key);
    if (keys?.size === 0) bySession.delete(entry.sessionKey);
  }

  function invalidate(tenantId: string, sessionIds: readonly string[]) {
    epoch++;
    for (const sessionId of sessionIds) {
      const keys = bySession.get(sessionKeyOf(tenantId, sessionId));
      if (!keys) continue;
      for (const key of [...keys]) {
        const entry = entries.get(key);
        if (entry) remove(entry);
      }
    }
  }

  const stopLocal = db.onChanged(invalidate);

  /** Subscribes to every tenant's changes once; a failure is retried on the next miss. */
  function subscribed(): Promise<() => void> {
    subscription ??= hub
      .subscribe({
        tenantId: null,
        deliver: (change) => {
          if (!change.operator) invalidate(change.tenantId, [change.sessionId]);
        },
      })
      .then(({ unsubscribe }) => unsubscribe)
      .catch((error: unknown) => {
        subscription = null;
        throw error;
      });
    return subscription;
  }

  const trusted = () => hub.readThrough() >= Date.now() - STALE_MS;

  function keep(entry: Entry) {
    if (entry.body.length > maxBytes / 16) return;
    entries.set(entry.key, entry);
    bytes += entry.body.length;
    let keys = bySession.get(entry.sessionKey);
    if (!keys) bySession.set(entry.sessionKey, (keys = new Set()));
    keys.add(entry.key);
    for (const oldest of entries.values()) {
      if (entries.size <= maxEntries && bytes <= maxBytes) break;
      remove(oldest);
    }
  }

  return {
    async get(tenantId, lookup, variant, load, now) {
      const key = `${tenantId}\u0000${lookup}\u0000${variant}`;
      const cached = entries.get(key);
      if (cached && trusted() && Date.now() - cached.at < MAX_AGE_MS) {
        hits++;
        entries.delete(key);
        entries.set(key, cached);
        return cached.body;
      }
      misses++;
      if (cached) remove(cached);
      const ready = await subscribed().then(
        () => true,
        () => false,
      );
      const startedAt = epoch;
      const loaded = await load();
      if (!loaded) return null;
      const text = loaded.render(now);
      // Its own memory: a small `Buffer.from` lies in a shared 8 KiB slab, which one kept body would hold.
      const body = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
      body.write(text);
      if (ready && trusted() && epoch === startedAt && loaded.render(now + YEAR_MS) === text) {
        keep({ key, sessionKey: sessionKeyOf(tenantId, loaded.sessionId), body, at: Date.now() });
      }
      return body;
    },
    stats: () => ({ entries: entries.size, bytes, hits, misses }),
    close() {
      stopLocal();
      void subscription?.then((unsubscribe) => unsubscribe()).catch(() => undefined);
      entries.clear();
      bySession.clear();
      bytes = 0;
    },
  };
}
