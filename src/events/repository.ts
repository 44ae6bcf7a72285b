/** SQL of the event log and the session rows it feeds. */
import { createHash } from 'node:crypto';
import type { Queryable } from '../db/store.js';
import type { SessionEvent } from '../domain/events.js';
import { botIdsOf, type Session } from '../domain/session.js';
import { sessionDurations } from '../domain/durations.js';
import { jsonArrays, LoopTurns } from '../loop-turns.js';
import { encodeContribution } from '../analytics/codec.js';
import type { Contribution } from '../analytics/contribution.js';

export interface StoredEvent {
  event: SessionEvent;
  /** SHA-256 (hex) of the event's canonical JSON: equal content, equal hash, whatever the key order. */
  hash: string;
}

/** A 64-bit advisory-lock key for a name made of parts (the first 8 bytes of its SHA-1). */
export function advisoryKey(...parts: string[]): bigint {
  return createHash('sha1').update(parts.join('\u0000')).digest().readBigInt64BE(0);
}

/**
 * 64-bit advisory-lock keys for sessions, sorted so that concurrent batches always lock in the same order
 * and cannot deadlock.
 */
export function sessionLockKeys(tenantId: string, sessionIds: Iterable<string>): string[] {
  return [...new Set(sessionIds)]
    .map((sessionId) => advisoryKey(tenantId, sessionId))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map(String);
}

export async function lockSessions(q: Queryable, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await q.query('SELECT count(pg_advisory_xact_lock(k)) FROM unnest($1::bigint[]) AS k', [keys]);
}

/** The stored `created` and bots of sessions: what their per-day counts were kept with. */
export type StoredCounted = Map<string, { created: Date; bot_ids: string[] }>;

/**
 * Locks the stored rows of sessions whose advisory keys this transaction holds, in session id order, and
 * answers what they are counted under. A bulk delete or retention locks the rows it deletes (not the advisory
 * keys), in the same order: whichever comes second waits for the first to commit and then sees what it did —
 * intake after a delete finds no row (the session is new again: its events, contribution and count start
 * afresh), so nothing is taken back twice or counted once too often. Taken before anything of the sessions
 * is read or written.
 */
export async function lockSessionRows(
  q: Queryable,
  tenantId: string,
  sessionIds: string[],
): Promise<StoredCounted> {
  if (sessionIds.length === 0) return new Map();
  const rows = await q.query<{ session_id: string; created: Date; bot_ids: string[] }>(
    `SELECT session_id, created, bot_ids FROM sessions WHERE tenant_id = $1 AND session_id = ANY($2::text[])
      ORDER BY session_id FOR UPDATE`,
    [tenantId, sessionIds],
  );
  return new Map(rows.rows.map((r) => [r.session_id, r]));
}

/**
 * The 64-bit key of an event id in the tenant-wide duplicate index: the first 8 bytes of
 * md5(tenant id ":" event id), as a signed integer in decimal (migration 016 computes the same in SQL).
 */
export function eventKey(tenantId: string, id: string): string {
  return createHash('md5').update(`${tenantId}:${id}`).digest().readBigInt64BE(0).toString();
}

/** The event keys of one tenant's ids, each computed once (a batch needs them twice). */
export class EventKeys {
  private readonly known = new Map<string, string>();
  constructor(private readonly tenantId: string) {}

  key(id: string): string {
    let key = this.known.get(id);
    if (key === undefined) this.known.set(id, (key = eventKey(this.tenantId, id)));
    return key;
  }

  /** The keys of `ids`, computed in slices of the event loop. */
  of(ids: string[], turns: LoopTurns): Promise<string[]> {
    return turns.map(ids, (id) => this.key(id));
  }
}

/** Events per row of `session_events`: a long session rewrites at most this many when it grows. */
export const CHUNK_EVENTS = 64;

/** One row of `session_events`: up to CHUNK_EVENTS of a session's events. */
export interface EventChunk {
  chunk: number;
  events: SessionEvent[];
  /** Hashes of the original content of events anonymisation rewrote (id → hash); null when none were. */
  keptHashes: Record<string, string> | null;
}

/** The stored events of a session, in its chunks (ascending). */
export class EventArchive {
  private byId?: Map<string, EventChunk>;
  constructor(readonly chunks: EventChunk[] = []) {}

  get events(): SessionEvent[] {
    return this.chunks.length === 1 ? this.chunks[0].events : this.chunks.flatMap((c) => c.events);
  }

  /** The stored event with this id and the chunk that holds it. */
  find(id: string): { event: SessionEvent; keptHash: string | undefined } | undefined {
    if (!this.byId) {
      this.byId = new Map();
      for (const c of this.chunks) for (const e of c.events) this.byId.set(e.id, c);
    }
    const chunk = this.byId.get(id);
    if (!chunk) return undefined;
    return { event: chunk.events.find((e) => e.id === id)!, keptHash: chunk.keptHashes?.[id] };
  }

  /**
   * Adds new events: the last chunk is filled up to CHUNK_EVENTS, then new chunks follow. Answers the chunks
   * to write (the changed last one and the new ones).
   */
  append(events: SessionEvent[]): EventChunk[] {
    const changed: EventChunk[] = [];
    for (const event of events) {
      let last = this.chunks.at(-1);
      if (!last || last.events.length >= CHUNK_EVENTS) {
        last = { chunk: last ? last.chunk + 1 : 0, events: [], keptHashes: null };
        this.chunks.push(last);
      }
      if (changed.at(-1) !== last) changed.push(last);
      last.events.push(event);
    }
    this.byId = undefined;
    return changed;
  }
}

/** The stored events of these sessions (a primary-key range read per session). */
export async function eventArchives(
  q: Queryable,
  tenantId: string,
  sessionIds: string[],
): Promise<Map<string, EventArchive>> {
  const archives = new Map<string, EventArchive>();
  if (sessionIds.length === 0) return archives;
  const result = await q.query<{
    session_id: string;
    chunk: number;
    events: SessionEvent[];
    kept_hashes: Record<string, string> | null;
  }>(
    `SELECT session_id, chunk, events, kept_hashes FROM session_events
      WHERE tenant_id = $1 AND session_id = ANY($2::text[]) ORDER BY session_id, chunk`,
    [tenantId, sessionIds],
  );
  for (const r of result.rows) {
    let archive = archives.get(r.session_id);
    if (!archive) archives.set(r.session_id, (archive = new EventArchive()));
    archive.chunks.push({ chunk: r.chunk, events: r.events, keptHashes: r.kept_hashes });
  }
  return archives;
}

/**
 * Which of these event ids the tenant already stored, and in which session: the GIN index finds the chunks
 * holding one of their keys, and the ids themselves confirm it (a key collision is a look, never an answer).
 * The query is a function of migration 023 that keeps the planner on the index.
 */
export async function storedElsewhere(
  q: Queryable,
  tenantId: string,
  ids: string[],
  /** `eventKey` of each id, in order. */
  keys: string[],
): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const result = await q.query<{ id: string; session_id: string }>(
    'SELECT id, session_id FROM stored_event_sessions($1, $2::bigint[], $3::text[])',
    [tenantId, keys, ids],
  );
  return new Map(result.rows.map((r) => [r.id, r.session_id]));
}

/**
 * Writes (inserts or replaces) these chunks of these sessions' stored events: one statement per million
 * characters of JSON, each row serialised in its own slice of the event loop.
 */
export async function writeChunks(
  q: Queryable,
  tenantId: string,
  chunks: { sessionId: string; chunk: EventChunk }[],
  keys = new EventKeys(tenantId),
  turns = new LoopTurns(),
): Promise<void> {
  if (chunks.length === 0) return;
  // JSON parameters: each chunk's events travel as a JSON value and are stored as its text.
  const row = ({ sessionId, chunk }: { sessionId: string; chunk: EventChunk }) => ({
    session_id: sessionId,
    chunk: chunk.chunk,
    id_keys: chunk.events.map((e) => keys.key(e.id)),
    events: chunk.events,
    kept_hashes: chunk.keptHashes,
  });
  for (const json of await jsonArrays(chunks, row, turns)) {
    await q.query(
      `INSERT INTO session_events (tenant_id, session_id, chunk, id_keys, events, kept_hashes)
       SELECT $1, r.session_id, r.chunk, r.id_keys, r.events, r.kept_hashes
         FROM json_to_recordset($2::json)
           AS r(session_id text, chunk integer, id_keys bigint[], events json, kept_hashes jsonb)
       ON CONFLICT (tenant_id, session_id, chunk) DO UPDATE
         SET id_keys = EXCLUDED.id_keys, events = EXCLUDED.events, kept_hashes = EXCLUDED.kept_hashes`,
      [tenantId, json],
    );
  }
}

/** The current projections of these sessions. */
export async function sessionDocs(
  q: Queryable,
  tenantId: string,
  sessionIds: string[],
): Promise<Map<string, Session>> {
  if (sessionIds.length === 0) return new Map();
  const result = await q.query<{ session_id: string; doc: Session }>(
    'SELECT session_id, doc FROM sessions WHERE tenant_id = $1 AND session_id = ANY($2::text[])',
    [tenantId, sessionIds],
  );
  return new Map(result.rows.map((r) => [r.session_id, r.doc]));
}

/** The stored bytes of a contribution as base64 text, for `json_to_recordset` (decoded in the statement). */
const contributionText = (c: Contribution | undefined) =>
  c === undefined ? null : encodeContribution(c).toString('base64');

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const DAY_MS = 86_400_000;

/**
 * What writing these sessions changes in the per-day session counts (migrations 006 and 028): each session whose
 * UTC day of `created` or whose bots changed leaves its stored day and bots (−1) and counts in its new ones (+1);
 * a new session only adds. Intake is the only writer of these columns, and it computes this itself instead of a
 * trigger over the statements' transition tables, which copied every written row (0.2 ms a session of
 * `INSERT INTO sessions`' 0.93: docs/performance.md). `counted` is what `lockSessionRows` answered (read
 * here when absent): under the rows' locks, so exact under concurrent intake and deletes. Deletes still count
 * through their triggers (retention, bulk delete, tenant deletion).
 */
async function dayCountChanges(
  q: Queryable,
  tenantId: string,
  sessions: Session[],
  counted?: StoredCounted,
): Promise<{ created: string; bot_ids: string[]; n: 1 | -1 }[]> {
  if (new Set(sessions.map((s) => s.sessionId)).size !== sessions.length)
    throw new Error('upsertSessions: a session is written at most once a call');
  const before =
    counted ??
    (await lockSessionRows(
      q,
      tenantId,
      sessions.map((s) => s.sessionId),
    ));
  const changes: { created: string; bot_ids: string[]; n: 1 | -1 }[] = [];
  for (const s of sessions) {
    const bots = botIdsOf(s);
    const old = before.get(s.sessionId);
    if (old) {
      const sameDay = Math.floor(old.created.getTime() / DAY_MS) === Math.floor(s.created / DAY_MS);
      if (sameDay && JSON.stringify(old.bot_ids) === JSON.stringify(bots)) continue;
      changes.push({ created: old.created.toISOString(), bot_ids: old.bot_ids, n: -1 });
    }
    changes.push({ created: new Date(s.created).toISOString(), bot_ids: bots, n: 1 });
  }
  return changes;
}

/**
 * Writes (inserts or replaces) the projected rows of these sessions and adds their tag names to the tenant's
 * catalogue (one statement per million characters of JSON, each row serialised in its own slice of the event
 * loop), and keeps the per-day session counts. Answers each session's integer id (mluvii's `id`).
 */
export async function upsertSessions(
  q: Queryable,
  tenantId: string,
  sessions: Session[],
  contributions: Map<string, Contribution> = new Map(),
  turns = new LoopTurns(),
  counted?: StoredCounted,
): Promise<Map<string, number>> {
  if (sessions.length === 0) return new Map();
  const row = (s: Session) => {
    const d = sessionDurations(s);
    const contribution = contributions.get(s.sessionId);
    return {
      session_id: s.sessionId,
      channel: s.channel,
      source: s.source,
      direction: s.direction,
      status: s.status,
      created: iso(s.created),
      started: iso(s.started),
      guest_joined: iso(s.guestJoined),
      ended: iso(s.ended),
      d_created: d.created,
      d_in_queue: d.inQueue,
      d_waiting: d.waiting,
      d_bcw: d.bcw,
      d_active: d.active,
      d_acw: d.acw,
      d_ring: d.ring,
      d_waited: d.waited,
      operator_ids: s.operators.map((o) => o.id),
      operator_user_ids: s.operators.map((o) => o.userId),
      group_ids: s.groups.map((g) => g.id),
      bot_ids: botIdsOf(s),
      containment: s.containment,
      event_count: s.eventCount,
      last_event_at: iso(s.lastEventAt),
      queue_id: contribution?.queue?.q ?? null,
      contribution: contributionText(contribution),
      doc: s,
    };
  };
  const counts = await dayCountChanges(q, tenantId, sessions, counted);
  const ids = new Map<string, number>();
  for (const json of await jsonArrays(sessions, row, turns)) {
    const result = await q.query<{ session_id: string; id: string }>(
      `INSERT INTO sessions (tenant_id, session_id, channel, source, direction, status, created, started, guest_joined,
        ended, d_created, d_in_queue, d_waiting, d_bcw, d_active, d_acw, d_ring, d_waited, operator_ids,
        operator_user_ids, group_ids, bot_ids, containment, event_count, last_event_at, queue_id, contribution,
        doc)
     SELECT $1, r.session_id, r.channel, r.source, r.direction, r.status, r.created, r.started, r.guest_joined,
        r.ended, r.d_created, r.d_in_queue, r.d_waiting, r.d_bcw, r.d_active, r.d_acw, r.d_ring, r.d_waited,
        r.operator_ids, r.operator_user_ids, r.group_ids, r.bot_ids, r.containment, r.event_count, r.last_event_at, r.queue_id,
        decode(r.contribution, 'base64'), r.doc
     FROM json_to_recordset($2::json) AS r(session_id text, channel text, source text, direction text, status text,
        created timestamptz, started timestamptz, guest_joined timestamptz, ended timestamptz, d_created bigint,
        d_in_queue bigint, d_waiting bigint, d_bcw bigint, d_active bigint, d_acw bigint, d_ring bigint,
        d_waited bigint, operator_ids text[], operator_user_ids integer[], group_ids integer[], bot_ids text[],
        containment text, event_count integer, last_event_at timestamptz, queue_id integer, contribution text,
        doc jsonb)
     ON CONFLICT (tenant_id, session_id) DO UPDATE SET
        channel = EXCLUDED.channel, source = EXCLUDED.source, direction = EXCLUDED.direction,
        status = EXCLUDED.status, created = EXCLUDED.created, started = EXCLUDED.started,
        guest_joined = EXCLUDED.guest_joined, ended = EXCLUDED.ended, d_created = EXCLUDED.d_created,
        d_in_queue = EXCLUDED.d_in_queue, d_waiting = EXCLUDED.d_waiting, d_bcw = EXCLUDED.d_bcw,
        d_active = EXCLUDED.d_active, d_acw = EXCLUDED.d_acw, d_ring = EXCLUDED.d_ring, d_waited = EXCLUDED.d_waited,
        operator_ids = EXCLUDED.operator_ids, operator_user_ids = EXCLUDED.operator_user_ids, group_ids = EXCLUDED.group_ids, bot_ids = EXCLUDED.bot_ids,
        containment = EXCLUDED.containment, event_count = EXCLUDED.event_count,
        last_event_at = EXCLUDED.last_event_at, analytics = NULL, queue_id = EXCLUDED.queue_id,
        contribution = EXCLUDED.contribution, doc = EXCLUDED.doc,
        updated_at = now()
     RETURNING session_id, id`,
      [tenantId, json],
    );
    for (const r of result.rows) ids.set(r.session_id, Number(r.id));
  }
  if (counts.length > 0) {
    await q.query(
      `WITH d AS (SELECT * FROM jsonb_to_recordset($2::jsonb) AS d(created timestamptz, bot_ids text[], n bigint))
       SELECT session_day_counts_add((
                SELECT jsonb_agg(jsonb_build_object('tenant_id', $1::text,
                                   'day', (d.created AT TIME ZONE 'UTC')::date, 'n', d.n)) FROM d)),
              session_bot_day_counts_add((
                SELECT jsonb_agg(jsonb_build_object('tenant_id', $1::text, 'bot_id', b,
                                   'day', (d.created AT TIME ZONE 'UTC')::date, 'n', d.n))
                  FROM d, unnest(session_bot_keys(d.bot_ids)) AS b))`,
      [tenantId, JSON.stringify(counts)],
    );
  }
  // Sorted, so concurrent batches insert shared names in one order and cannot deadlock on them.
  const tagNames = [...new Set(sessions.flatMap((s) => s.tags.map((t) => t.name)))].sort();
  if (tagNames.length > 0) {
    await q.query(`INSERT INTO tags (tenant_id, name) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`, [
      tenantId,
      tagNames,
    ]);
  }
  return ids;
}
