/**
 * Erasure by guest (GDPR art. 17): every session of the tenant whose guest has the given identity, phone
 * number or e-mail is anonymised (events rewritten, session re-projected), its file and recording bytes
 * deleted and its webhook payloads dropped. An audit record says which key kind matched, which sessions,
 * when and by whom — never the erased value.
 */
import type { Db } from '../db/store.js';
import type { BlobStore } from '../files/blobs.js';
import { anonymizeSession, deleteFileBytes } from '../sessions/operations.js';

export type ErasureKey = { identity: string } | { phone: string } | { email: string };

export interface Erasure {
  id: number;
  at: string;
  requestedBy: string;
  matchedBy: 'identity' | 'phone' | 'email';
  sessionIds: string[];
  webhookDeliveriesDropped: number;
}

/** The tagged, normalised key `session_personal_keys` answers (migration 023), hashed by its index (031). */
export function personalKey(key: ErasureKey): { kind: Erasure['matchedBy']; tagged: string } {
  if ('identity' in key) return { kind: 'identity', tagged: `i:${key.identity}` };
  if ('phone' in key) return { kind: 'phone', tagged: `p:${key.phone.replace(/[^0-9+]/g, '')}` };
  return { kind: 'email', tagged: `e:${key.email.toLowerCase()}` };
}

interface ErasureRow {
  id: number;
  at: Date;
  requested_by: string;
  matched_by: Erasure['matchedBy'];
  session_ids: string[];
  deliveries: number;
}

const toErasure = (row: ErasureRow): Erasure => ({
  id: Number(row.id),
  at: row.at.toISOString(),
  requestedBy: row.requested_by,
  matchedBy: row.matched_by,
  sessionIds: row.session_ids,
  webhookDeliveriesDropped: row.deliveries,
});

export async function eraseGuest(
  db: Db,
  blobs: BlobStore,
  tenantId: string,
  key: ErasureKey,
  requestedBy: string,
  now: number,
): Promise<Erasure> {
  const { kind, tagged } = personalKey(key);
  // The index holds the keys' 64-bit hashes: the exact key is checked on its candidates, so that a hash
  // collision can never erase another guest's sessions.
  const matches = await db.query<{ session_id: string }>(
    `SELECT session_id FROM sessions
      WHERE tenant_id = $1
        AND personal_key_hashes(session_personal_keys(doc)) @> ARRAY[hashtextextended($2::text, 0)]
        AND session_personal_keys(doc) @> ARRAY[$2::text]
      ORDER BY created, id`,
    [tenantId, tagged],
  );
  const sessionIds = matches.rows.map((r) => r.session_id);
  for (const sessionId of sessionIds) {
    await anonymizeSession(db, tenantId, sessionId, now);
    const files = await db.query<{ file_id: string }>(
      'SELECT file_id FROM files WHERE tenant_id = $1 AND session_id = $2',
      [tenantId, sessionId],
    );
    for (const file of files.rows) await deleteFileBytes(db, blobs, tenantId, sessionId, file.file_id, now);
  }
  return db.tx(async (q) => {
    const dropped = await q.query(
      'DELETE FROM webhook_deliveries WHERE tenant_id = $1 AND session_id = ANY($2::text[])',
      [tenantId, sessionIds],
    );
    const row = await q.query<ErasureRow>(
      `INSERT INTO erasures (tenant_id, at, requested_by, matched_by, session_ids, deliveries)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
      [tenantId, new Date(now), requestedBy, kind, sessionIds, dropped.rowCount ?? 0],
    );
    return toErasure(row.rows[0]);
  });
}

export async function listErasures(db: Db, tenantId: string, limit = 100): Promise<Erasure[]> {
  const rows = await db.query<ErasureRow>(
    'SELECT * FROM erasures WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2',
    [tenantId, limit],
  );
  return rows.rows.map(toErasure);
}
