/**
 * Fans the change feed out to this server's stream subscribers. One pump per server reads every tenant's new
 * changes in id order (one indexed query however many subscribers there are) and hands each to the
 * subscribers of its tenant; a subscriber never blocks the pump (it buffers or is dropped, see the stream).
 * The pump runs while someone subscribes. It wakes on PostgreSQL NOTIFY (a change committed by any server on
 * the database), on this server's own intake, and on a poll as a fallback (the only source on the embedded
 * store, which serves one process).
 */
import type { Db } from '../db/store.js';
import { CHANGES_CHANNEL, changesAfter, lastChangeId, type Change } from './changes.js';

export interface Subscriber {
  /** The tenant whose changes it takes; null for every tenant's (a server-wide cache). */
  tenantId: string | null;
  /** Takes one change; never awaits (the pump does not wait for anyone). */
  deliver(change: Change): void;
}

export interface LiveHub {
  /**
   * Registers a subscriber; changes after `position` (answered) reach it from the pump. A resuming caller
   * replays what lies between its last id and that position from the table itself.
   */
  subscribe(subscriber: Subscriber): Promise<{ position: number; unsubscribe: () => void }>;
  /** Something was committed here: read the feed now. */
  wake(): void;
  /**
   * When the feed was last read to its end without an error (ms since the epoch; 0 before the first read).
   * A cache that trusts the feed to invalidate it stops trusting it once this falls behind.
   */
  readThrough(): number;
  close(): Promise<void>;
}

export interface HubOptions {
  /** Fallback poll period (default 1 s with NOTIFY, 100 ms without). */
  pollMs?: number;
  /** Changes read per query (default 500). */
  batch?: number;
  onError?: (error: unknown) => void;
}

export function liveHub(db: Db, options: HubOptions = {}): LiveHub {
  const batch = options.batch ?? 500;
  const onError = options.onError ?? (() => undefined);
  const subscribers = new Set<Subscriber>();
  let position = 0;
  let starting: Promise<void> | null = null;
  let running = false;
  let pumping: Promise<void> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | null = null;
  let stopListening: (() => Promise<void>) | null = null;
  let readAt = 0;

  async function pumpOnce(): Promise<void> {
    const started = Date.now();
    for (;;) {
      const changes = await changesAfter(db, position, batch);
      // No await from here to the end of the loop body: a subscriber registered meanwhile sees either all of
      // this batch or none of it, and `position` says which.
      for (const change of changes) {
        for (const subscriber of subscribers) {
          if (subscriber.tenantId === null || subscriber.tenantId === change.tenantId)
            subscriber.deliver(change);
        }
        position = change.id;
      }
      if (changes.length < batch) {
        readAt = started;
        return;
      }
    }
  }

  function pump(): void {
    if (!running) return;
    if (pumping) {
      again = true;
      return;
    }
    pumping = pumpOnce()
      .catch(onError)
      .finally(() => {
        pumping = null;
        if (again) {
          again = false;
          pump();
        }
      });
  }

  async function start(): Promise<void> {
    const started = Date.now();
    position = await lastChangeId(db);
    readAt = started;
    running = true;
    stopListening = await db.listen(CHANGES_CHANNEL, pump).catch((error: unknown) => {
      onError(error);
      return null;
    });
    const pollMs = options.pollMs ?? (stopListening ? 1000 : 100);
    timer = setInterval(pump, pollMs);
    timer.unref();
  }

  async function stop(): Promise<void> {
    running = false;
    readAt = 0;
    if (timer) clearInterval(timer);
    timer = null;
    const listening = stopListening;
    stopListening = null;
    await listening?.();
    await pumping;
  }

  return {
    async subscribe(subscriber) {
      if (!running) {
        starting ??= start().finally(() => (starting = null));
        await starting;
      }
      subscribers.add(subscriber);
      return {
        position,
        unsubscribe: () => {
          subscribers.delete(subscriber);
          if (subscribers.size === 0 && running) void stop();
        },
      };
    },
    wake: pump,
    readThrough: () => readAt,
    async close() {
      subscribers.clear();
      await stop();
    },
  };
}
