/**
 * Event intake: atomic, idempotent batches. Either every event of a batch is stored and every touched session
 * re-projected in the same transaction, or nothing is.
 */
import type { Db, Queryable } from '../db/store.js';
import { contentHash } from '../domain/canonical.js';
import { LoopTurns } from '../loop-turns.js';
import type { SessionEvent } from '../domain/events.js';
import { recordChanges } from '../live/changes.js';
import { contributionOf } from '../analytics/contribution.js';
import { loadSlLookup } from '../analytics/sl-settings.js';
import {
  applyContributionChanges,
  rememberOperators,
  rememberQueueNames,
  storedContributions,
} from '../analytics/rollups.js';
import { project } from '../domain/projector.js';
import { botIdsOf, type Session } from '../domain/session.js';
import { validateMixedBatch } from '../operators/validate.js';
import {
  prepareOperatorEvents,
  storeOperatorEvents,
  type PreparedOperatorEvents,
} from '../operators/service.js';
import { recordOperatorChanges } from '../live/changes.js';
import type { OperatorNames } from '../operators/model.js';
import { AppError } from '../http/errors.js';
import {
  eventArchives,
  lockSessionRows,
  lockSessions,
  sessionDocs,
  sessionLockKeys,
  storedElsewhere,
  upsertSessions,
  type StoredCounted,
  writeChunks,
  EventArchive,
  EventKeys,
  type EventChunk,
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

/** An event ready to store with its content hash (key order never matters). */
export function storedEvent(event: SessionEvent): StoredEvent {
  return { event, hash: contentHash(event) };
}

function conflict(ids: string[]): AppError {
  return new AppError('conflict', `event ids reused with different content: ${ids.slice(0, 20).join(', ')}`, {
    ids,
  });
}

/** A session as it was before a batch and as it is after (`before` is null for a new session). */
export interface SessionChange {
  before: Session | null;
  after: Session;
  /** The session's integer id (mluvii's `id`). */
  id: number;
}

/**
 * Something that must see the sessions a batch changed inside the batch's own transaction, so that what it
 * writes (webhook deliveries) commits or rolls back with the events.
 */
export interface IngestObserver {
  /** Whether this tenant needs before/after pairs (reading the previous documents has a cost). */
  wants(q: Queryable, tenantId: string): Promise<boolean>;
  observe(q: Queryable, tenantId: string, changes: SessionChange[]): Promise<void>;
}

/** A validated batch, de-duplicated within itself. */
export interface PreparedBatch {
  events: StoredEvent[];
  duplicates: number;
  /** See `BatchOptions.idsFromContent`. */
  idsFromContent: boolean;
  /** The batch's `operator.state` events (src/operators; not session events). */
  operators?: PreparedOperatorEvents;
}

export interface BatchOptions {
  /**
   * The event ids were derived from the content they stand for (the mluvii intake hashes each payload), so
   * an id already stored is a duplicate even where the body differs: a payload without its own times is
   * dated when it is received, and each copy of it is received at another instant. Default false: the same id
   * with other content is a conflict.
   */
  idsFromContent?: boolean;
  /**
   * Keep the analytics rollups (default true). Only the benchmark turns it off, to measure what keeping them
   * costs intake (issue 11: intake with and without them, same run); sessions stored without it have no
   * contribution until `switchboard analytics rebuild --fix`.
   */
  rollups?: boolean;
}

/** Validates a batch of raw events without touching the store. */
export function prepareBatch(raw: readonly unknown[], options: BatchOptions = {}): PreparedBatch {
  const idsFromContent = options.idsFromContent ?? false;
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
  const checked = validateMixedBatch(raw);
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
    else if (seen.hash === stored.hash || idsFromContent) duplicates++;
    else clashes.push(event.id);
  }
  if (clashes.length > 0) throw conflict([...new Set(clashes)]);
  const operators = prepareOperatorEvents(checked.operatorEvents, idsFromContent);
  return { events: [...unique.values()], duplicates, idsFromContent, operators };
}

/**
 * Validates and stores a batch of raw events for one tenant, in one transaction. Whether an event is new, a
 * duplicate or a conflict is decided only inside that transaction, under the locks of the batch's sessions, so
 * copies of one batch sent at once are one store and duplicates, never a conflict.
 */
export async function ingest(
  db: Db,
  tenantId: string,
  raw: readonly unknown[],
  observer?: IngestObserver,
  options: BatchOptions = {},
): Promise<IngestResult> {
  const batch = prepareBatch(raw, options);
  return db.tx((q) => storeBatch(q, tenantId, batch, observer, options.rollups ?? true));
}

/**
 * Stores a prepared batch inside the caller's transaction: locks its sessions, inserts the new events,
 * re-projects every touched session and lets the observer see the changes.
 */
export async function storeBatch(
  q: Queryable,
  tenantId: string,
  prepared: PreparedBatch,
  observer?: IngestObserver,
  rollups = true,
): Promise<IngestResult> {
  const operators = await storeOperatorEvents(
    q,
    tenantId,
    prepared.operators ?? { events: [], duplicates: 0 },
    prepared.idsFromContent,
  );
  const batch = prepared.events;
  let duplicates = prepared.duplicates + operators.duplicates;
  // Everything done per event or per session below runs in slices of the event loop (src/loop-turns.ts).
  const turns = new LoopTurns();
  const sessionIds = [...new Set(batch.map((e) => e.event.sessionId))];
  await lockSessions(q, sessionLockKeys(tenantId, sessionIds));
  const counted = await lockSessionRows(q, tenantId, sessionIds);

  // Under the sessions' locks: each event is new, a duplicate of one stored in its session, or a conflict.
  const archives = await eventArchives(q, tenantId, sessionIds);
  const differing: string[] = [];
  const candidates: StoredEvent[] = [];
  for (const e of batch) {
    const stored = archives.get(e.event.sessionId)?.find(e.event.id);
    if (!stored) candidates.push(e);
    else if (prepared.idsFromContent || (stored.keptHash ?? storedEvent(stored.event).hash) === e.hash)
      duplicates++;
    else differing.push(e.event.id);
    if (turns.due()) await turns.next();
  }
  // An id the tenant stored in another session: its content differs (the session id is part of it).
  const keys = new EventKeys(tenantId);
  const candidateIds = candidates.map((e) => e.event.id);
  const elsewhere = await storedElsewhere(q, tenantId, candidateIds, await keys.of(candidateIds, turns));
  for (const id of elsewhere.keys()) {
    if (prepared.idsFromContent) duplicates++;
    else differing.push(id);
  }
  if (differing.length > 0) throw conflict(differing);

  const fresh = candidates.filter((e) => !elsewhere.has(e.event.id)).map((e) => e.event);
  const bySession = groupBySession(fresh);
  const touched = [...bySession.keys()];
  const known = touched.filter((id) => archives.has(id));
  const watching = touched.length > 0 && observer !== undefined && (await observer.wants(q, tenantId));
  const before = watching ? await sessionDocs(q, tenantId, known) : new Map<string, Session>();
  const written: { sessionId: string; chunk: EventChunk }[] = [];
  const sessions: Session[] = [];
  for (const [sessionId, events] of bySession) {
    const archive = archives.get(sessionId) ?? new EventArchive();
    for (const chunk of archive.append(events)) written.push({ sessionId, chunk });
    sessions.push(project(archive.events)!);
    if (turns.due()) await turns.next();
  }
  await writeChunks(q, tenantId, written, keys, turns);
  const ids = await writeSessions(q, tenantId, sessions, {
    known,
    rollups,
    turns,
    operators: operators.names,
    counted,
  });
  if (watching) {
    await observer.observe(
      q,
      tenantId,
      sessions.map((after) => ({
        before: before.get(after.sessionId) ?? null,
        after,
        id: ids.get(after.sessionId)!,
      })),
    );
  }
  // Last before COMMIT: the change feed's insert takes the lock that orders the feed (src/live/changes.ts).
  await recordChanges(q, tenantId, sessions, Date.now());
  await recordOperatorChanges(q, tenantId, operators.changes);
  return { accepted: fresh.length + operators.accepted, duplicates, sessions };
}

/**
 * Writes projected sessions: their rows, the difference of their analytics contributions to the rollups
 * (each old contribution taken back, the new one added; src/analytics), and the queue and operator names
 * they carry. `known` lists the sessions already stored. Returns each session's integer id.
 */
export async function writeSessions(
  q: Queryable,
  tenantId: string,
  sessions: Session[],
  options: {
    known: string[];
    rollups: boolean;
    turns: LoopTurns;
    operators?: ReadonlyMap<string, OperatorNames>;
    /** What `lockSessionRows` answered for these sessions (read when absent). */
    counted?: StoredCounted;
  },
): Promise<Map<string, number>> {
  const ids = options.rollups
    ? await upsertWithRollups(q, tenantId, sessions, options.known, options.turns, options.counted)
    : await upsertSessions(q, tenantId, sessions, new Map(), options.turns, options.counted);
  await rememberQueueNames(q, tenantId, sessions);
  await rememberOperators(q, tenantId, sessions, options.operators);
  return ids;
}

/** Writes the sessions' rows with their contributions and applies the difference to the rollups. */
async function upsertWithRollups(
  q: Queryable,
  tenantId: string,
  sessions: Session[],
  known: string[],
  turns: LoopTurns,
  counted?: StoredCounted,
): Promise<Map<string, number>> {
  const stored = await storedContributions(q, tenantId, known);
  // Each session counted with the service-level settings of its queue at its queue entry (versioned).
  const sl = await loadSlLookup(q, tenantId);
  const contributions = new Map(
    await turns.map(sessions, (s) => [s.sessionId, contributionOf(s, botIdsOf(s), sl)] as const),
  );
  const ids = await upsertSessions(q, tenantId, sessions, contributions, turns, counted);
  await applyContributionChanges(
    q,
    tenantId,
    sessions.map((s) => ({
      sessionId: s.sessionId,
      before: stored.get(s.sessionId) ?? null,
      after: { contribution: contributions.get(s.sessionId)!, created: s.created },
    })),
  );
  return ids;
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
