/** SQL of the `files` table: which blob holds the current bytes of each file and recording. */
import type { Queryable } from '../db/store.js';
import { advisoryKey } from '../events/repository.js';

export interface FileRow {
  size: number;
  content_type: string;
  sha256: string;
  storage_key: string;
  uploaded_at: Date;
}

export async function findFile(
  q: Queryable,
  tenantId: string,
  sessionId: string,
  fileId: string,
): Promise<FileRow | null> {
  const result = await q.query<FileRow>(
    `SELECT size, content_type, sha256, storage_key, uploaded_at FROM files
      WHERE tenant_id = $1 AND session_id = $2 AND file_id = $3`,
    [tenantId, sessionId, fileId],
  );
  return result.rows[0] ?? null;
}

/**
 * Points a file at a newly written blob, in the caller's transaction; answers the key of the blob it
 * replaced (null for a first upload). A per-file lock orders concurrent uploads, so each replaced key is
 * answered to exactly one of them, which removes it: no blob is removed twice or while a row names it.
 */
export async function replaceFile(
  q: Queryable,
  tenantId: string,
  sessionId: string,
  fileId: string,
  blob: { size: number; sha256: string; contentType: string; key: string },
): Promise<string | null> {
  await q.query('SELECT pg_advisory_xact_lock($1::bigint)', [
    String(advisoryKey('file', tenantId, sessionId, fileId)),
  ]);
  const previous = await q.query<{ storage_key: string }>(
    'SELECT storage_key FROM files WHERE tenant_id = $1 AND session_id = $2 AND file_id = $3',
    [tenantId, sessionId, fileId],
  );
  await q.query(
    `INSERT INTO files (tenant_id, session_id, file_id, size, content_type, sha256, storage_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (tenant_id, session_id, file_id) DO UPDATE SET size = EXCLUDED.size,
       content_type = EXCLUDED.content_type, sha256 = EXCLUDED.sha256, storage_key = EXCLUDED.storage_key,
       uploaded_at = now()`,
    [tenantId, sessionId, fileId, blob.size, blob.contentType, blob.sha256, blob.key],
  );
  return previous.rows[0]?.storage_key ?? null;
}

/** Which of these blob keys a file row names (across tenants: keys are unique). */
export async function referencedKeys(q: Queryable, keys: string[]): Promise<Set<string>> {
  const result = await q.query<{ storage_key: string }>(
    `SELECT storage_key FROM files WHERE storage_key = ANY($1::text[])
     UNION ALL SELECT storage_key FROM export_jobs WHERE storage_key = ANY($1::text[])`,
    [keys],
  );
  return new Set(result.rows.map((r) => r.storage_key));
}
