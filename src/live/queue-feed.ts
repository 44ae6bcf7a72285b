/**
 * Live queue snapshots for the stream's `queue` events: each queue's entry of `GET /v1/live/queues`, pushed
 * when it changes. One computation per tenant and time zone serves every subscriber of that pair: a change of
 * the tenant (a session or an operator's state) marks it dirty, and it is recomputed at most every
 * `intervalMs`; only queues whose snapshot differs from the last one sent go out. A new subscriber gets every
 * queue at once. Between changes a snapshot stays as it was: clients advance `longestWaitMs` on their clock.
 */
import type { Db } from '../db/store.js';
import type { LiveHub } from './hub.js';
import { liveQueues, type LiveQueue } from './queues.js';

/** Told the queues whose snapshot changed (all of them on subscribing), each with its JSON text. */
export type QueueListener = (queues: { queue: LiveQueue; json: string }[]) => void;

export interface QueueFeed {
  subscribe(tenantId: string, timeZone: string, listener: QueueListener): () => void;
}

interface Watch {
  tenantId: string;
  timeZone: string;
  listeners: Set<QueueListener>;
  /** The JSON text last sent for each queue id. */
  sent: Map<number, string>;
  dirty: boolean;
  timer: NodeJS.Timeout | null;
  running: boolean;
}

export function queueFeed(
  db: Db,
  hub: LiveHub,
  now: () => number,
  onError: (error: unknown) => void,
  intervalMs = 500,
): QueueFeed {
  const watches = new Map<string, Watch>();
  let unsubscribe: Promise<() => void> | null = null;

  async function compute(watch: Watch) {
    const { queues } = await liveQueues(db, watch.tenantId, now(), watch.timeZone);
    return queues.map((queue) => ({ queue, json: JSON.stringify(queue) }));
  }

  function schedule(watch: Watch) {
    watch.dirty = true;
    if (watch.timer || watch.running) return;
    watch.timer = setTimeout(() => void refresh(watch), intervalMs);
    watch.timer.unref();
  }

  async function refresh(watch: Watch) {
    watch.timer = null;
    if (watch.listeners.size === 0) return;
    watch.dirty = false;
    watch.running = true;
    try {
      const changed = (await compute(watch)).filter(
        ({ queue, json }) => watch.sent.get(queue.queue.id) !== json,
      );
      for (const { queue, json } of changed) watch.sent.set(queue.queue.id, json);
      if (changed.length > 0) for (const listener of watch.listeners) listener(changed);
    } catch (error) {
      onError(error);
    } finally {
      watch.running = false;
      if (watch.dirty) schedule(watch);
    }
  }

  function ensureSubscribed() {
    unsubscribe ??= hub
      .subscribe({
        tenantId: null,
        deliver: (change) => {
          for (const watch of watches.values()) if (watch.tenantId === change.tenantId) schedule(watch);
        },
      })
      .then(({ unsubscribe: stop }) => stop)
      .catch((error: unknown) => {
        unsubscribe = null;
        onError(error);
        return () => undefined;
      });
  }

  return {
    subscribe(tenantId, timeZone, listener) {
      ensureSubscribed();
      const key = `${tenantId}\u0000${timeZone}`;
      let watch = watches.get(key);
      const first = !watch;
      if (!watch) {
        watch = {
          tenantId,
          timeZone,
          listeners: new Set(),
          sent: new Map(),
          dirty: false,
          timer: null,
          running: false,
        };
        watches.set(key, watch);
      }
      const own = watch;
      own.listeners.add(listener);
      // The newcomer's first view: every queue as it stands (its own computation, so that it never waits
      // for the tenant's next change, nor gets only the queues that changed).
      compute(own)
        .then((queues) => {
          // What a first subscriber was sent is what later refreshes compare against.
          if (first && own.listeners.size === 1)
            for (const { queue, json } of queues) own.sent.set(queue.queue.id, json);
          if (own.listeners.has(listener) && queues.length > 0) listener(queues);
        })
        .catch(onError);
      return () => {
        own.listeners.delete(listener);
        if (own.listeners.size === 0) {
          if (own.timer) clearTimeout(own.timer);
          watches.delete(key);
          if (watches.size === 0 && unsubscribe) {
            void unsubscribe.then((stop) => stop());
            unsubscribe = null;
          }
        }
      };
    },
  };
}
