/**
 * Bytes for the demo's recordings: every `recording.available` of the demo tenant that has no bytes yet gets a
 * short generated tone (a WAV file), so that the dashboard's player and the README's download examples work on
 * a fresh `npm start`. Only the demo does this; a real installation's recordings come from its producers.
 */
import { Readable } from 'node:stream';
import type { Db } from '../db/store.js';
import { newBlobKey, type BlobStore } from '../files/blobs.js';
import { replaceFile } from '../files/repository.js';

const RATE = 8_000;
const SECONDS = 2;

/** A 2-second 440 Hz tone, fading out: 8 kHz, 8-bit PCM, mono (RIFF/WAVE, 44-byte header). */
export function demoTone(): Buffer {
  const samples = RATE * SECONDS;
  const wav = Buffer.alloc(44 + samples);
  wav.write('RIFF', 0, 'ascii');
  wav.writeUInt32LE(36 + samples, 4);
  wav.write('WAVE', 8, 'ascii');
  wav.write('fmt ', 12, 'ascii');
  wav.writeUInt32LE(16, 16); // fmt chunk size
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(RATE, 24);
  wav.writeUInt32LE(RATE, 28); // bytes per second
  wav.writeUInt16LE(1, 32); // block align
  wav.writeUInt16LE(8, 34); // bits per sample
  wav.write('data', 36, 'ascii');
  wav.writeUInt32LE(samples, 40);
  for (let i = 0; i < samples; i++) {
    const fade = 1 - i / samples;
    wav[44 + i] = Math.round(128 + 60 * fade * Math.sin((2 * Math.PI * 440 * i) / RATE));
  }
  return wav;
}

/**
 * Stores the tone for every declared audio recording of the tenant that has no bytes (of the sessions changed
 * since `since`, when given: the live demo's recent ones, through the last-event index); answers how many.
 */
export async function fillDemoRecordings(
  db: Db,
  blobs: BlobStore,
  tenantId: string,
  since: Date | null = null,
): Promise<number> {
  const missing = await db.query<{ session_id: string; recording_id: string }>(
    `SELECT s.session_id, r ->> 'id' AS recording_id
       FROM sessions s, jsonb_array_elements(s.doc -> 'recordings') AS r
      WHERE s.tenant_id = $1 AND ($2::timestamptz IS NULL OR s.last_event_at >= $2)
        AND s.doc -> 'recordings' <> '[]'::jsonb AND r ->> 'contentType' LIKE 'audio/%'
        AND NOT EXISTS (SELECT 1 FROM files f WHERE f.tenant_id = s.tenant_id AND f.session_id = s.session_id
                                                AND f.file_id = r ->> 'id')`,
    [tenantId, since],
  );
  const tone = demoTone();
  for (const row of missing.rows) {
    const key = newBlobKey(tenantId, row.session_id, row.recording_id);
    const { size, sha256 } = await blobs.put(key, Readable.from([tone]), tone.length);
    await db.tx((q) =>
      replaceFile(q, tenantId, row.session_id, row.recording_id, {
        size,
        sha256,
        contentType: 'audio/wav',
        key,
      }),
    );
  }
  return missing.rowCount ?? 0;
}
