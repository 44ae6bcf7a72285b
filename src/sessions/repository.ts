/** SQL of session reads. Every query is bounded by the tenant and served by an index. */
import type { Queryable } from '../db/store.js';
import type { Session } from '../domain/session.js';
import { AppError } from '../http/errors.js';
import { parseInstant } from '../domain/events.js';
import type { ListQuery } from './schemas.js';

export async function sessionDoc(q: Queryable, tenantId: string, sessionId: string): Promise<Session | null> {
  const result = await q.query<{ doc: Session }>(
    'SELECT doc FROM sessions WHERE tenant_id = $1 AND session_id = $2',
    [tenantId, sessionId],
  );
  return result.rows[0]?.doc ?? null;
}

interface Cursor {
  created: string;
  id: number;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.created, cursor.id])).toString('base64url');
}

function decodeCursor(text: string): Cursor {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(value) &&
      typeof value[0] === 'string' &&
      parseInstant(value[0]) !== null &&
      Number.isSafeInteger(value[1])
    ) {
      return { created: value[0], id: value[1] as number };
    }
  } catch {
    // fall through to the error below
  }
  throw new AppError('validation_failed', 'cursor is not one this server issued', [
    { field: 'cursor', message: 'malformed' },
  ]);
}

function instant(name: string, value: string): string {
  const ms = parseInstant(value);
  if (ms === null) {
    throw new AppError(
      'validation_failed',
      `${name} must be an RFC 3339 instant, e.g. 2026-03-01T00:00:00Z`,
      [{ field: name, message: 'not an RFC 3339 instant' }],
    );
  }
  return new Date(ms).toISOString();
}

/** The list filters of `GET /v1/sessions` (and of the export), shared by every query that takes them. */
export type SessionFilters = Omit<ListQuery, 'limit' | 'cursor'>;

/** WHERE clauses and their parameters for a tenant's sessions matching `query`; parameters start at $1. */
export function sessionWhere(
  tenantId: string,
  query: SessionFilters,
): { where: string[]; params: unknown[] } {
  const where = ['tenant_id = $1'];
  const params: unknown[] = [tenantId];
  const add = (sql: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (query.createdFrom)
    add((p) => `created >= ${p}::timestamptz`, instant('createdFrom', query.createdFrom));
  if (query.createdTo) add((p) => `created < ${p}::timestamptz`, instant('createdTo', query.createdTo));
  if (query.endedFrom) add((p) => `ended >= ${p}::timestamptz`, instant('endedFrom', query.endedFrom));
  if (query.endedTo) add((p) => `ended < ${p}::timestamptz`, instant('endedTo', query.endedTo));
  if (query.channel) add((p) => `channel = ${p}`, query.channel);
  if (query.source) add((p) => `source = ${p}`, query.source);
  if (query.status) add((p) => `status = ${p}`, query.status);
  if (query.operator) add((p) => `operator_ids @> ARRAY[${p}::text]`, query.operator);
  if (query.group !== undefined) add((p) => `group_ids @> ARRAY[${p}::integer]`, query.group);
  if (query.bot) add((p) => `bot_ids @> ARRAY[${p}::text]`, query.bot);
  if (query.containment) add((p) => `containment = ${p}`, query.containment);
  return { where, params };
}

/** One page of sessions, newest first (created, then id), with the cursor of the next page. */
export async function listSessions(
  q: Queryable,
  tenantId: string,
  query: ListQuery,
): Promise<{ docs: Session[]; nextCursor: string | null }> {
  const { where, params } = sessionWhere(tenantId, query);
  if (query.cursor) {
    const cursor = decodeCursor(query.cursor);
    params.push(cursor.created, cursor.id);
    where.push(`(created, id) < ($${params.length - 1}::timestamptz, $${params.length}::bigint)`);
  }
  params.push(query.limit + 1);
  const result = await q.query<{ id: number; created: Date; doc: Session }>(
    `SELECT id, created, doc - 'activities' - 'log' - 'statusHistory' AS doc
       FROM sessions WHERE ${where.join(' AND ')}
      ORDER BY created DESC, id DESC LIMIT $${params.length}`,
    params,
  );
  const rows = result.rows.slice(0, query.limit);
  const last = rows.at(-1);
  const nextCursor =
    result.rows.length > query.limit && last
      ? encodeCursor({ created: last.created.toISOString(), id: Number(last.id) })
      : null;
  return { docs: rows.map((r) => r.doc), nextCursor };
}

/**
 * Exact number of a tenant's sessions created in [fromDay, toDay) (UTC dates `YYYY-MM-DD`; either end open),
 * from the per-day counters (migration 006; kept by intake and the delete triggers, migration 038) — no row is
 * counted.
 */
export async function sessionCount(
  q: Queryable,
  tenantId: string,
  range: { fromDay?: string | undefined; toDay?: string | undefined } = {},
): Promise<number> {
  const result = await q.query<{ n: string | null }>(
    `SELECT sum(n) AS n FROM session_day_counts
      WHERE tenant_id = $1 AND ($2::date IS NULL OR day >= $2::date) AND ($3::date IS NULL OR day < $3::date)`,
    [tenantId, range.fromDay ?? null, range.toDay ?? null],
  );
  return Number(result.rows[0]?.n ?? 0);
}
