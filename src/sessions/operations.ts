/**
 * Changes made through an API rather than by a producer. Each is recorded as a native event through the
 * same intake, so the projection, the history and the webhooks all see it.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/store.js';
import { anonymizeEvent } from '../domain/anonymize.js';
import {
  eventArchives,
  lockSessionRows,
  lockSessions,
  sessionLockKeys,
  writeChunks,
  type EventChunk,
} from '../events/repository.js';
import {
  prepareBatch,
  storeBatch,
  storedEvent,
  type IngestObserver,
  type IngestResult,
} from '../events/service.js';
import type { BlobStore } from '../files/blobs.js';

/** A native event made by the server itself: a fresh id, stamped now. */
export function serverEvent(
  sessionId: string,
  type: string,
  at: number,
  fields: Record<string, unknown> = {},
) {
  return { id: `sb-${randomUUID()}`, sessionId, type, at: new Date(at).toISOString(), ...fields };
}

/**
 * Removes the guest's personal data and the message texts of a session for good: the stored events are
 * rewritten (their content hash is kept, so a producer re-sending an original event still gets a harmless
 * duplicate rather than a conflict), then a `session.anonymized` event re-projects the session.
 */
export async function anonymizeSession(
  db: Db,
  tenantId: string,
  sessionId: string,
  at: number,
  observer?: IngestObserver,
): Promise<IngestResult> {
  const batch = prepareBatch([serverEvent(sessionId, 'session.anonymized', at)]);
  return db.tx(async (q) => {
    await lockSessions(q, sessionLockKeys(tenantId, [sessionId]));
    // The row before its events, as every writer and deleter of sessions does (src/events/repository.ts).
    await lockSessionRows(q, tenantId, [sessionId]);
    const archive = (await eventArchives(q, tenantId, [sessionId])).get(sessionId);
    const rewritten: EventChunk[] = [];
    for (const chunk of archive?.chunks ?? []) {
      const kept = { ...chunk.keptHashes };
      let changed = false;
      const events = chunk.events.map((event) => {
        const scrubbed = anonymizeEvent(event);
        if (!scrubbed) return event;
        kept[event.id] ??= storedEvent(event).hash;
        changed = true;
        return scrubbed;
      });
      if (changed) rewritten.push({ chunk: chunk.chunk, events, keptHashes: kept });
    }
    await writeChunks(
      q,
      tenantId,
      rewritten.map((chunk) => ({ sessionId, chunk })),
    );
    return storeBatch(q, tenantId, batch, observer);
  });
}

/** Deletes the bytes of a file or recording and records `file.deleted`. False when there were none. */
export async function deleteFileBytes(
  db: Db,
  blobs: BlobStore,
  tenantId: string,
  sessionId: string,
  fileId: string,
  at: number,
  observer?: IngestObserver,
): Promise<void> {
  const batch = prepareBatch([serverEvent(sessionId, 'file.deleted', at, { fileId })]);
  const key = await db.tx(async (q) => {
    const row = await q.query<{ storage_key: string }>(
      'DELETE FROM files WHERE tenant_id = $1 AND session_id = $2 AND file_id = $3 RETURNING storage_key',
      [tenantId, sessionId, fileId],
    );
    await storeBatch(q, tenantId, batch, observer);
    return row.rows[0]?.storage_key ?? null;
  });
  // The row is gone first, so a crash here leaves an orphan blob, never a row without bytes.
  if (key) await blobs.remove(key);
}
