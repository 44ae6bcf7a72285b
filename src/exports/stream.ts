/**
 * Bulk export of a tenant's sessions: every session matching the list filters, oldest first (created, then
 * id), read in keyset batches so that server memory stays flat whatever the range, and written as NDJSON
 * (one `GET /v1/sessions` summary a line) or CSV (one row a session, or one row an operator leg). A broken
 * download resumes with `after=<sessionId of the last complete line>`.
 */
import { stringify } from 'csv-stringify/sync';
import type { Queryable } from '../db/store.js';
import { DURATION_NAMES, operatorDurations } from '../domain/durations.js';
import type { Session } from '../domain/session.js';
import { AppError } from '../http/errors.js';
import { sessionWhere, type SessionFilters } from '../sessions/repository.js';
import { toSummary } from '../sessions/map.js';
import type { SessionSummary } from '../sessions/schemas.js';

/**
 * Sessions read per query. A batch's NDJSON text (about 500 bytes a session) must stay under V8's
 * large-object size (128 KiB): a larger string is allocated in the large-object space, which only a full
 * mark-compact frees, and at 1,000 a batch those texts were most of the server's growth (docs/export.md).
 */
export const EXPORT_BATCH = 200;
/**
 * Batches read ahead of the client (the stream's high-water mark): enough to overlap the next query with the
 * writing of the last, few enough that only some 400 KiB of text waits (a `Readable.from` default of 16).
 */
export const EXPORT_READ_AHEAD = 4;

export type ExportFormat = 'ndjson' | 'csv';
export type ExportRows = 'sessions' | 'operators';

export interface ExportRequest {
  tenantId: string;
  filters: SessionFilters;
  format: ExportFormat;
  rows: ExportRows;
  /** Resume after this session (the last one a broken download received). */
  after?: string | undefined;
  /** The clock running durations of open sessions are computed against: one instant for the whole export. */
  now: number;
  /** Sessions a query (default EXPORT_BATCH). */
  batch?: number;
  /** Told after each batch is written: the lines it wrote and the created time of its last session. */
  onBatch?: (lines: number, reached: Date) => Promise<void>;
}

const list = (values: readonly (string | number)[]) => values.join(';');

/** The CSV columns of a session row, in order (docs/export.md). */
export const SESSION_COLUMNS = [
  'sessionId',
  'channel',
  'source',
  'direction',
  'status',
  'created',
  'started',
  'guestJoined',
  'ended',
  ...DURATION_NAMES.map((name) => `${name}Ms`),
  'containment',
  'groupIds',
  'operatorIds',
  'botIds',
  'eventCount',
] as const;

/** The CSV columns of an operator-leg row, in order (docs/export.md). */
export const OPERATOR_COLUMNS = [
  'sessionId',
  'channel',
  'created',
  'operatorId',
  'userId',
  'userName',
  'joined',
  'left',
  'concluded',
  'queueMs',
  'acwMs',
] as const;

function sessionRecord(summary: SessionSummary): Record<string, unknown> {
  const durations = summary.durations as Record<string, number | null>;
  return {
    sessionId: summary.sessionId,
    channel: summary.channel,
    source: summary.source,
    direction: summary.direction,
    status: summary.status,
    created: summary.created,
    started: summary.started,
    guestJoined: summary.guestJoined,
    ended: summary.ended,
    ...Object.fromEntries(DURATION_NAMES.map((name) => [`${name}Ms`, durations[name]])),
    containment: summary.containment,
    groupIds: list(summary.groups.map((g) => g.id)),
    operatorIds: list(summary.operatorIds),
    botIds: list(summary.botIds),
    eventCount: summary.eventCount,
  };
}

const isoOrNull = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function operatorRecords(doc: Session, now: number): Record<string, unknown>[] {
  return doc.operators.map((op) => {
    const durations = operatorDurations(doc, op, now);
    return {
      sessionId: doc.sessionId,
      channel: doc.channel,
      created: new Date(doc.created).toISOString(),
      operatorId: op.id,
      userId: op.userId,
      userName: op.userName,
      joined: isoOrNull(op.joined),
      left: isoOrNull(op.left),
      concluded: isoOrNull(op.concluded),
      queueMs: durations.queue,
      acwMs: durations.acw,
    };
  });
}

/** The stored document without what no export row shows. */
const TRIMMED_DOC = `doc - 'log' - 'statusHistory' - 'activities'`;
const FULL_DOC = `${TRIMMED_DOC} AS doc`;

/**
 * A closed session's summary is in its columns (the stored durations are final once it is closed: no phase
 * runs against the clock) and its groups; only the other sessions need the document, whose durations run to
 * `now`. Reading one key of the document and no text conversion of it is what makes the export fast: turning
 * the trimmed document into text costs the database several times more than the detoasting itself
 * (docs/export.md).
 */
const SUMMARY_COLUMNS = `session_id, channel, source, direction, status, containment, event_count,
  operator_ids, bot_ids, d_created, d_in_queue, d_waiting, d_bcw, d_active, d_acw, d_ring, d_waited,
  ${['created', 'started', 'guest_joined', 'ended']
    .map((c) => `(extract(epoch FROM ${c}) * 1000)::bigint AS ${c}_ms`)
    .join(', ')},
  CASE WHEN status = 'CLOSED' THEN doc -> 'groups' END AS groups,
  CASE WHEN status = 'CLOSED' THEN NULL ELSE ${TRIMMED_DOC} END AS doc`;

/** A row of the export's query: the columns of SUMMARY_COLUMNS (session rows), or only the document. */
interface ExportRow {
  id: string;
  created: Date;
  /** Null for a closed session in a session export. */
  doc: Session | null;
  session_id: string;
  channel: SessionSummary['channel'];
  source: SessionSummary['source'];
  direction: SessionSummary['direction'];
  status: SessionSummary['status'];
  containment: SessionSummary['containment'];
  event_count: number;
  operator_ids: string[];
  bot_ids: string[];
  groups: SessionSummary['groups'];
  created_ms: string;
  started_ms: string | null;
  guest_joined_ms: string | null;
  ended_ms: string | null;
  d_created: string | null;
  d_in_queue: string | null;
  d_waiting: string | null;
  d_bcw: string | null;
  d_active: string | null;
  d_acw: string | null;
  d_ring: string | null;
  d_waited: string | null;
}

const msOrNull = (text: string | null) => (text === null ? null : Number(text));
const instant = (text: string | null) => (text === null ? null : new Date(Number(text)).toISOString());

/** The `GET /v1/sessions` summary of a row: `toSummary` of the document, or the same from the columns. */
function summaryOf(row: ExportRow, now: number): SessionSummary {
  if (row.doc !== null) return toSummary(row.doc, now);
  // Keys in toSummary's order: an export's lines are byte for byte what the list would show.
  return {
    sessionId: row.session_id,
    channel: row.channel,
    source: row.source,
    direction: row.direction,
    status: row.status,
    created: instant(row.created_ms)!,
    started: instant(row.started_ms),
    guestJoined: instant(row.guest_joined_ms),
    ended: instant(row.ended_ms),
    durations: {
      created: msOrNull(row.d_created),
      inQueue: msOrNull(row.d_in_queue),
      waiting: msOrNull(row.d_waiting),
      bcw: msOrNull(row.d_bcw),
      active: msOrNull(row.d_active),
      acw: msOrNull(row.d_acw),
      ring: msOrNull(row.d_ring),
      waited: msOrNull(row.d_waited),
    },
    containment: row.containment,
    groups: row.groups,
    operatorIds: row.operator_ids,
    botIds: row.bot_ids,
    eventCount: row.event_count,
  };
}

/** Where a resumed export starts: just after the named session, which must be the tenant's. */
async function resumePoint(
  q: Queryable,
  tenantId: string,
  after: string,
): Promise<{ created: Date; id: string }> {
  const result = await q.query<{ created: Date; id: string }>(
    'SELECT created, id FROM sessions WHERE tenant_id = $1 AND session_id = $2',
    [tenantId, after],
  );
  const row = result.rows[0];
  if (!row) {
    throw new AppError('validation_failed', `after: no session '${after}' to resume after`, [
      { field: 'after', message: 'names no session of this tenant' },
    ]);
  }
  return row;
}

/**
 * The export's text in chunks, one chunk a batch, pulled by the consumer (so a slow client slows the reads,
 * it never makes them pile up). Checks `after` before the first chunk, so that a bad resume point is a 400.
 */
export async function exportChunks(q: Queryable, request: ExportRequest): Promise<AsyncGenerator<string>> {
  let position = request.after ? await resumePoint(q, request.tenantId, request.after) : null;
  const { where, params } = sessionWhere(request.tenantId, request.filters);
  const csv = request.format === 'csv';
  const columns = request.rows === 'operators' ? OPERATOR_COLUMNS : SESSION_COLUMNS;
  const batch = request.batch ?? EXPORT_BATCH;
  const sessionRows = request.rows === 'sessions';

  /**
   * One batch after `after`, as text. The rows and records stay local to this call, so that none of them is
   * alive while the text waits for the client: what outlives a batch is its text and its last key.
   */
  const readBatch = async (after: { created: Date; id: string } | null) => {
    const batchParams = [...params];
    const clauses = [...where];
    if (after) {
      batchParams.push(after.created, after.id);
      clauses.push(
        `(created, id) > ($${batchParams.length - 1}::timestamptz, $${batchParams.length}::bigint)`,
      );
    }
    batchParams.push(batch);
    const { rows } = await q.query<ExportRow>(
      `SELECT id, created, ${sessionRows ? SUMMARY_COLUMNS : FULL_DOC}
         FROM sessions WHERE ${clauses.join(' AND ')}
        ORDER BY created, id LIMIT $${batchParams.length}`,
      batchParams,
    );
    if (rows.length === 0) return null;
    const records = sessionRows
      ? rows.map((r) => summaryOf(r, request.now))
      : rows.flatMap((r) => operatorRecords(r.doc!, request.now));
    let text: string;
    if (csv) {
      const flat = sessionRows ? (records as SessionSummary[]).map(sessionRecord) : records;
      text = stringify(flat, { columns: [...columns], cast: { boolean: (v) => String(v) } });
    } else {
      text = records.map((r) => JSON.stringify(r)).join('\n') + '\n';
    }
    const last = rows[rows.length - 1];
    return {
      text,
      lines: records.length,
      last: { created: last.created, id: last.id },
      full: rows.length === batch,
    };
  };

  return (async function* () {
    if (csv) yield stringify([], { header: true, columns: [...columns] });
    for (;;) {
      const read = await readBatch(position);
      if (read === null) return;
      yield read.text;
      await request.onBatch?.(read.lines, read.last.created);
      position = read.last;
      if (!read.full) return;
    }
  })();
}
