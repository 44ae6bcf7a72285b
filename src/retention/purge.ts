/**
 * Removes sessions for good: their rows, events, files and webhook deliveries, in the caller's transaction.
 * Answers the blob keys to remove once it commits (a crash before then leaves orphan blobs, which the daily
 * sweep removes — never a row without bytes). `analytics` says whether the sessions leave the analytics too
 * (a bulk delete: they never happened) or stay counted there, maxima included (retention: history is trimmed, not
 * rewritten); `ignore` leaves the rollups alone (the tenant is being deleted, its rollups with it).
 */
import { applyContributionChanges, keepMaxima, storedContributions } from '../analytics/rollups.js';
import type { Queryable } from '../db/store.js';
import { recordRemovals } from '../live/changes.js';

export interface Purged {
  sessions: number;
  events: number;
  deliveries: number;
  blobKeys: string[];
}

export async function purgeSessions(
  q: Queryable,
  tenantId: string,
  sessionIds: string[],
  analytics: 'keep' | 'remove' | 'ignore',
): Promise<Purged> {
  if (sessionIds.length === 0) return { sessions: 0, events: 0, deliveries: 0, blobKeys: [] };
  const args = [tenantId, sessionIds];
  if (analytics === 'remove') {
    const stored = await storedContributions(q, tenantId, sessionIds);
    await applyContributionChanges(
      q,
      tenantId,
      [...stored].map(([sessionId, before]) => ({ sessionId, before, after: null })),
    );
  } else if (analytics === 'keep') {
    await keepMaxima(q, tenantId, [...(await storedContributions(q, tenantId, sessionIds)).values()]);
  }
  const sessions = await q.query<{ session_id: string }>(
    'DELETE FROM sessions WHERE tenant_id = $1 AND session_id = ANY($2::text[]) RETURNING session_id',
    args,
  );
  const events = await q.query<{ n: number }>(
    'DELETE FROM session_events WHERE tenant_id = $1 AND session_id = ANY($2::text[]) RETURNING json_array_length(events) AS n',
    args,
  );
  const deliveries = await q.query(
    'DELETE FROM webhook_deliveries WHERE tenant_id = $1 AND session_id = ANY($2::text[])',
    args,
  );
  const files = await q.query<{ storage_key: string }>(
    'DELETE FROM files WHERE tenant_id = $1 AND session_id = ANY($2::text[]) RETURNING storage_key',
    args,
  );
  // Stream clients and every server's read cache learn of the removal from the change feed.
  await recordRemovals(
    q,
    tenantId,
    sessions.rows.map((r) => r.session_id),
  );
  return {
    sessions: sessions.rowCount ?? 0,
    events: events.rows.reduce((sum, r) => sum + r.n, 0),
    deliveries: deliveries.rowCount ?? 0,
    blobKeys: files.rows.map((r) => r.storage_key),
  };
}
