/** The demo's recordings get bytes (a generated tone), so its downloads work on a fresh start. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, type Harness } from './harness.js';
import { simulate } from '../../src/simulator/simulate.js';
import { fileBlobStore } from '../../src/files/blobs.js';
import { demoTone, fillDemoRecordings } from '../../src/demo/recordings.js';

let h: Harness;
before(async () => {
  h = await harness();
});
after(() => h.close());

test('every declared audio recording gets the tone once; downloads serve it as audio/wav', async () => {
  const now = Date.parse('2026-03-10T12:00:00Z');
  const sessions = [...simulate({ seed: 5, sessions: 60, start: now - 86_400_000, end: now })];
  await h.ingest(sessions.flat());
  const declared = sessions
    .flat()
    .filter((e) => e.type === 'recording.available')
    .map((e) => ({
      sessionId: e.sessionId,
      recording: (e as { recording: { id: string; contentType: string } }).recording,
    }));
  const audio = declared.filter((d) => d.recording.contentType.startsWith('audio/'));
  assert.ok(audio.length > 0, 'the simulation has audio recordings');

  const blobs = fileBlobStore(h.blobDir);
  assert.equal(await fillDemoRecordings(h.db, blobs, h.tenant.id), audio.length);
  assert.equal(await fillDemoRecordings(h.db, blobs, h.tenant.id), 0);
  // Another tenant's recordings are not touched.
  assert.equal((await h.db.query('SELECT 1 FROM files WHERE tenant_id = $1', [h.other.id])).rowCount, 0);

  const { sessionId, recording } = audio[0];
  const download = await h.request({
    method: 'GET',
    url: `/v1/sessions/${sessionId}/files/${recording.id}`,
    headers: h.auth(),
  });
  assert.equal(download.statusCode, 200);
  assert.equal(download.headers['content-type'], 'audio/wav');
  assert.deepEqual(download.rawPayload, demoTone());
  assert.equal(download.rawPayload.subarray(0, 4).toString('ascii'), 'RIFF');
  // Video recordings stay without bytes: a tone is not a video.
  const video = declared.find((d) => d.recording.contentType.startsWith('video/'));
  if (video) {
    const none = await h.request({
      method: 'GET',
      url: `/v1/sessions/${video.sessionId}/files/${video.recording.id}`,
      headers: h.auth(),
    });
    assert.equal(none.statusCode, 404);
  }
});
