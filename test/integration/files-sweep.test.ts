/**
 * Superseded and orphaned blobs: an upload removes the blob it replaced, a refused upload leaves nothing, and
 * the sweep removes what a crash left behind while sparing young blobs and every blob a row names.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileBlobStore } from '../../src/files/blobs.js';
import { sweepBlobs, SWEEP_GRACE_MS } from '../../src/files/sweep.js';
import { harness, type Harness } from './harness.js';

let h: Harness;
before(async () => {
  h = await harness({ maxFileBytes: 10_000 });
  await h.ingest([
    { id: 's-1', sessionId: 'swept', type: 'session.created', at: '2026-03-02T09:00:00Z', channel: 'chat' },
    {
      id: 's-2',
      sessionId: 'swept',
      type: 'file.shared',
      at: '2026-03-02T09:01:00Z',
      from: 'guest',
      file: { id: 'a.txt', name: 'a.txt' },
    },
  ]);
});
after(() => h.close());

function blobFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else out.push(relative(h.blobDir, join(dir, entry.name)));
    }
  };
  walk(h.blobDir);
  return out.sort();
}

const put = (payload: Buffer | string) =>
  h.request({
    method: 'PUT',
    url: '/v1/sessions/swept/files/a.txt',
    headers: { ...h.auth(), 'content-type': 'text/plain' },
    payload,
  });

const currentKey = async () =>
  (await h.db.query<{ storage_key: string }>("SELECT storage_key FROM files WHERE file_id = 'a.txt'")).rows[0]
    .storage_key;

test('a replacement removes the blob it replaced; a refused upload leaves nothing', async () => {
  assert.equal((await put('first')).statusCode, 201);
  const first = await currentKey();
  assert.deepEqual(blobFiles(), [first]);
  assert.equal((await put('second, longer')).statusCode, 201);
  const second = await currentKey();
  assert.notEqual(second, first);
  assert.deepEqual(blobFiles(), [second]);
  assert.equal((await put(randomBytes(20_000))).statusCode, 413);
  assert.deepEqual(blobFiles(), [second], 'neither the refused bytes nor a temporary file are left');
  const download = await h.request({
    method: 'GET',
    url: '/v1/sessions/swept/files/a.txt',
    headers: h.auth(),
  });
  assert.equal(download.body, 'second, longer');
});

test('the sweep removes old orphans and unfinished uploads, nothing young or referenced', async () => {
  assert.equal((await put('kept')).statusCode, 201);
  const kept = await currentKey();
  const now = Date.now();
  const old = new Date(now - SWEEP_GRACE_MS - 60_000);
  const plant = (key: string, age: Date | null) => {
    mkdirSync(join(h.blobDir, key, '..'), { recursive: true });
    writeFileSync(join(h.blobDir, key), 'orphan');
    if (age) utimesSync(join(h.blobDir, key), age, age);
  };
  plant('ab/cd/orphan-old', old);
  plant('ab/cd/orphan-young', null);
  plant('ab/cd/upload.1234.part', old);
  utimesSync(join(h.blobDir, kept), old, old); // referenced, however old

  const removed = await sweepBlobs(h.db, fileBlobStore(h.blobDir), now);
  assert.equal(removed, 2);
  assert.deepEqual(blobFiles(), [join('ab/cd/orphan-young'), kept].sort());
  assert.ok(existsSync(join(h.blobDir, kept)));
});
