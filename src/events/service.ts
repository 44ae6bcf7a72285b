/**
 * Event intake: atomic, idempotent batches. Either every event of a batch is stored and every touched session
 * re-projected in the same transaction, or nothing is.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../db/store.js';
import { canonicalJson } from '../domain/canonical.js';
import type { SessionEvent } from '../domain/events.js';
import { project } from '../domain/projector.js';
import type { Session } from '../domain/session.js';
import { validateBatch } from '../domain/validate.js';
import { AppError } from '../http/errors.js';
import {
  eventsOfSessions,
  existingSessions,
  insertEvents,
  lockSessions,
  sessionLockKeys,
  storedHashes,
  upsertSessions,
  type StoredEvent,
} from './repository.js';

/** Largest batch accepted by `POST /v1/events`. */
export const MAX_BATCH = 10_000;

export interface IngestResult {
  accepted: number;
  duplicates: number;
  /** Sessions whose projection changed (for live subscribers). */
  sessions: Session[];
}

/** An event ready to store: its canonical text (key order never matters) and that text's SHA-256. */
export function storedEvent(event: SessionEvent): StoredEvent {
  const text = canonicalJson(event);
  return { event, text, hash: createHash('sha256').update(text).digest('hex') };
}

function conflict(ids: string[]): AppError {
  return new AppError('conflict', `event ids reused with different content: ${ids.slice(0, 20).join(', ')}`, {
    ids,
  });
}

/** Validates and stores a batch of raw events for one tenant. */
export async function ingest(db: Db, tenantId: string, raw: readonly unknown[]): Promise<IngestResult> {
  if (raw.length === 0) throw new AppError('bad_request', 'the batch is empty: send at least one event');
  if (raw.length > MAX_BATCH) {
    throw new AppError(
      'payload_too_large',
      `a batch holds at most ${MAX_BATCH} events; this one has ${raw.length}`,
      {
        limit: MAX_BATCH,
      },
    );
  }
  const checked = validateBatch(raw);
  if (!checked.ok) {
    throw new AppError(
      'validation_failed',
      `${new Set(checked.errors.map((e) => e.index)).size} invalid event(s)`,
      checked.errors,
    );
  }

  const unique = new Map<string, StoredEvent>();
  const clashes: string[] = [];
  let duplicates = 0;
  for (const event of checked.events) {
    const stored = storedEvent(event);
    const seen = unique.get(event.id);
    if (!seen) unique.set(event.id, stored);
    else if (seen.hash === stored.hash) duplicates++;
    else clashes.push(event.id);
  }
  if (clashes.length > 0) throw conflict([...new Set(clashes)]);
  const batch = [...unique.values()];

  return db.tx(async (q) => {
    await lockSessions(
      q,
      sessionLockKeys(
        tenantId,
        batch.map((e) => e.event.sessionId),
      ),
    );
    const inserted = await insertEvents(q, tenantId, batch);
    const skipped = batch.filter((e) => !inserted.has(e.event.id));
    if (skipped.length > 0) {
      const stored = await storedHashes(
        q,
        tenantId,
        skipped.map((e) => e.event.id),
      );
      const differing = skipped.filter((e) => stored.get(e.event.id) !== e.hash).map((e) => e.event.id);
      if (differing.length > 0) throw conflict(differing);
      duplicates += skipped.length;
    }

    const fresh = batch.filter((e) => inserted.has(e.event.id)).map((e) => e.event);
    const touched = [...new Set(fresh.map((e) => e.sessionId))];
    const known = await existingSessions(q, tenantId, touched);
    // A session with a row may have earlier events: read them all back (this batch's included).
    const bySession = groupBySession(fresh.filter((e) => !known.has(e.sessionId)));
    for (const [sessionId, events] of groupBySession(await eventsOfSessions(q, tenantId, [...known]))) {
      bySession.set(sessionId, events);
    }
    const sessions = [...bySession.values()].map((events) => project(events)!);
    await upsertSessions(q, tenantId, sessions);
    return { accepted: inserted.size, duplicates, sessions };
  });
}

function groupBySession(events: SessionEvent[]): Map<string, SessionEvent[]> {
  const groups = new Map<string, SessionEvent[]>();
  for (const event of events) {
    const list = groups.get(event.sessionId);
    if (list) list.push(event);
    else groups.set(event.sessionId, [event]);
  }
  return groups;
}
