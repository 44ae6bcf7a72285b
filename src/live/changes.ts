/**
 * The change feed's storage: a row per changed session, in the ingest transaction. Ids must be handed out in
 * commit order, or a reader that has seen id 12 would never look back for an id 11 committed after it: a
 * transaction-scoped advisory lock taken just before the insert (the last statement before COMMIT) makes the
 * transactions that write changes allocate and commit one after the other. It is held only for the insert and
 * the commit.
 */
import type { Queryable } from '../db/store.js';
import type { Session } from '../domain/session.js';
import { advisoryKey } from '../events/repository.js';
import { toSummary } from '../sessions/map.js';
import type { SessionSummary } from '../sessions/schemas.js';
import type { LiveOperator } from '../operators/service.js';

/** The NOTIFY channel servers LISTEN on for new changes. */
export const CHANGES_CHANNEL = 'switchboard_changes';
const ORDER_LOCK = advisoryKey('session-changes', 'order', 'lock');
/** How long changes are kept for clients resuming with Last-Event-ID. */
export const RESUME_WINDOW_MS = 24 * 3_600_000;

export interface Change {
  id: number;
  tenantId: string;
  sessionId: string;
  /** The session as it now stands; null when it was removed (retention, a bulk delete). */
  summary: SessionSummary | null;
  /** Set for an operator's state change (then `sessionId` is '' and `summary` null). */
  operator?: LiveOperator | null;
}

export async function recordChanges(q: Queryable, tenantId: string, sessions: Session[], now: number) {
  if (sessions.length === 0) return;
  await q.query('SELECT pg_advisory_xact_lock($1::bigint)', [String(ORDER_LOCK)]);
  await q.query(
    `INSERT INTO session_changes (tenant_id, session_id, summary)
     SELECT $1, s, d FROM unnest($2::text[], $3::jsonb[]) AS c(s, d)`,
    [tenantId, sessions.map((s) => s.sessionId), sessions.map((s) => JSON.stringify(toSummary(s, now)))],
  );
  await q.query(`SELECT pg_notify('${CHANGES_CHANNEL}', '')`);
  q.changed?.(
    tenantId,
    sessions.map((s) => s.sessionId),
  );
}

/** Records operators' state changes: like `recordChanges`, the last statements before COMMIT. */
export async function recordOperatorChanges(q: Queryable, tenantId: string, changes: LiveOperator[]) {
  if (changes.length === 0) return;
  await q.query('SELECT pg_advisory_xact_lock($1::bigint)', [String(ORDER_LOCK)]);
  await q.query(
    `INSERT INTO session_changes (tenant_id, session_id, summary, operator)
     SELECT $1, '', NULL, o FROM unnest($2::jsonb[]) AS o`,
    [tenantId, changes.map((c) => JSON.stringify(c))],
  );
  await q.query(`SELECT pg_notify('${CHANGES_CHANNEL}', '')`);
}

/** Records that sessions were removed: the last statements before the caller's transaction commits. */
export async function recordRemovals(q: Queryable, tenantId: string, sessionIds: string[]) {
  if (sessionIds.length === 0) return;
  await q.query('SELECT pg_advisory_xact_lock($1::bigint)', [String(ORDER_LOCK)]);
  await q.query(
    `INSERT INTO session_changes (tenant_id, session_id, summary) SELECT $1, s, NULL FROM unnest($2::text[]) AS s`,
    [tenantId, sessionIds],
  );
  await q.query(`SELECT pg_notify('${CHANGES_CHANNEL}', '')`);
  q.changed?.(tenantId, sessionIds);
}

interface ChangeRow {
  id: string;
  tenant_id: string;
  session_id: string;
  summary: SessionSummary | null;
  operator: LiveOperator | null;
}

const toChange = (row: ChangeRow): Change => ({
  id: Number(row.id),
  tenantId: row.tenant_id,
  sessionId: row.session_id,
  summary: row.summary,
  operator: row.operator,
});

/** Every tenant's changes after `afterId`, oldest first. */
export async function changesAfter(q: Queryable, afterId: number, limit: number): Promise<Change[]> {
  const rows = await q.query<ChangeRow>(
    'SELECT id, tenant_id, session_id, summary, operator FROM session_changes WHERE id > $1 ORDER BY id LIMIT $2',
    [afterId, limit],
  );
  return rows.rows.map(toChange);
}

/** One tenant's changes after `afterId` (a resuming client), oldest first. */
export async function tenantChangesAfter(
  q: Queryable,
  tenantId: string,
  afterId: number,
  limit: number,
): Promise<Change[]> {
  const rows = await q.query<ChangeRow>(
    `SELECT id, tenant_id, session_id, summary, operator FROM session_changes
      WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
    [tenantId, afterId, limit],
  );
  return rows.rows.map(toChange);
}

/** The newest change id (0 when none): where a new subscriber starts. */
export async function lastChangeId(q: Queryable): Promise<number> {
  const row = await q.query<{ id: string | null }>('SELECT max(id) AS id FROM session_changes');
  return Number(row.rows[0]?.id ?? 0);
}

/** The oldest change id still kept (resuming before it would miss changes). */
export async function oldestChangeId(q: Queryable, tenantId: string): Promise<number | null> {
  const row = await q.query<{ id: string | null }>(
    'SELECT min(id) AS id FROM session_changes WHERE tenant_id = $1',
    [tenantId],
  );
  return row.rows[0]?.id ? Number(row.rows[0].id) : null;
}

/** Drops changes older than the resume window, in batches; answers how many. */
export async function pruneChanges(q: Queryable, now: number, batch = 5000): Promise<number> {
  let total = 0;
  for (;;) {
    const result = await q.query(
      `DELETE FROM session_changes WHERE id IN (SELECT id FROM session_changes WHERE at < $1 ORDER BY at LIMIT $2)`,
      [new Date(now - RESUME_WINDOW_MS), batch],
    );
    total += result.rowCount ?? 0;
    if ((result.rowCount ?? 0) < batch) return total;
  }
}
