/**
 * What the bench loads and posts: the seeded simulator's sessions, cut into intake batches of whole sessions
 * (as `switchboard simulate --url` posts them), so that every batch projects its sessions from its own events.
 */
import { simulate } from '../src/simulator/simulate.js';
import type { SessionEvent } from '../src/domain/events.js';

export interface Workload {
  seed: number;
  sessions: number;
  /** Window of arrivals, epoch ms. */
  start: number;
  end: number;
  /** A batch is closed once it holds at least this many events. */
  batchEvents: number;
}

export interface Batch {
  events: SessionEvent[];
  /** Session ids in the batch, in arrival order. */
  sessionIds: string[];
}

export function* batches(workload: Workload): Generator<Batch> {
  let events: SessionEvent[] = [];
  let sessionIds: string[] = [];
  for (const session of simulate({
    seed: workload.seed,
    sessions: workload.sessions,
    start: workload.start,
    end: workload.end,
  })) {
    events.push(...session);
    sessionIds.push(session[0].sessionId);
    if (events.length >= workload.batchEvents) {
      yield { events, sessionIds };
      events = [];
      sessionIds = [];
    }
  }
  if (events.length > 0) yield { events, sessionIds };
}

/** The NDJSON body `POST /v1/events` takes. */
export const ndjson = (events: readonly SessionEvent[]) => events.map((e) => JSON.stringify(e)).join('\n');

/** Runs `task` over `items` with at most `concurrency` in flight; stops at the first failure. */
export async function pool<T>(
  items: Iterable<T>,
  concurrency: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  const iterator = items[Symbol.iterator]();
  // An object, not a variable: the workers assign it, and TypeScript does not see through closures.
  const state: { failed: Error | null } = { failed: null };
  const worker = async () => {
    for (let next = iterator.next(); !next.done && state.failed === null; next = iterator.next()) {
      try {
        await task(next.value);
      } catch (error) {
        state.failed ??= error instanceof Error ? error : new Error(String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (state.failed !== null) throw state.failed;
}
