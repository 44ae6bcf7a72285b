/**
 * The blob sweep: removes blobs no file row names, and uploads that never finished. An upload removes the blob
 * it replaced at once; the sweep catches what a crash or a failed removal left behind, and the bytes of
 * tenants and files deleted without their blobs.
 */
import type { Queryable } from '../db/store.js';
import type { BlobStore } from './blobs.js';
import { referencedKeys } from './repository.js';

/** Blobs younger than this are never swept: an upload may be between its rename and its commit. */
export const SWEEP_GRACE_MS = 3_600_000;

/** Removes orphaned blobs last modified more than `graceMs` before `now`; answers how many it removed. */
export async function sweepBlobs(
  db: Queryable,
  blobs: BlobStore,
  now: number,
  graceMs = SWEEP_GRACE_MS,
): Promise<number> {
  let removed = 0;
  let batch: string[] = [];
  const flush = async () => {
    const referenced = await referencedKeys(db, batch);
    for (const key of batch) {
      if (referenced.has(key)) continue;
      await blobs.remove(key);
      removed++;
    }
    batch = [];
  };
  for await (const blob of blobs.list()) {
    if (blob.modified > now - graceMs) continue;
    if (blob.partial) {
      await blobs.remove(blob.key);
      removed++;
      continue;
    }
    batch.push(blob.key);
    if (batch.length >= 500) await flush();
  }
  if (batch.length > 0) await flush();
  return removed;
}
