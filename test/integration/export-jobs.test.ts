/**
 * Export jobs (`POST /v1/exports`): the server writes the export to a file; the file equals the streamed
 * export of the same parameters; jobs are per tenant, cancellable, expire, and a job whose server died is
 * taken up again.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { assertError, commonRouteTests, harness, type Harness } from './harness.js';
import { simulate } from '../../src/simulator/simulate.js';
import { sweepBlobs } from '../../src/files/sweep.js';
import { fileBlobStore } from '../../src/files/blobs.js';

const NOW = Date.parse('2026-03-10T12:00:00Z');
const DAY = 86_400_000;
const RANGE = {
  createdFrom: new Date(NOW - 3 * DAY).toISOString(),
  createdTo: new Date(NOW).toISOString(),
};
let h: Harness;

before(async () => {
  h = await harness({ now: () => NOW });
  const all = [...simulate({ seed: 21, sessions: 150, start: NOW - 3 * DAY, end: NOW - 600_000 })];
  for (let i = 0; i < all.length; i += 50) await h.ingest(all.slice(i, i + 50).flat());
  await h.ingest([...simulate({ seed: 22, sessions: 5, start: NOW - DAY, end: NOW })].flat(), h.other);
});
after(() => h.close());

const post = (payload: unknown, auth = h.auth()) =>
  h.request({ method: 'POST', url: '/v1/exports', headers: auth, payload: payload as object });
const get = (url: string, auth = h.auth()) => h.request({ method: 'GET', url, headers: auth });

/** Polls a job until it is finished (done or failed). */
async function finished(id: string): Promise<any> {
  for (let i = 0; i < 200; i++) {
    const job = (await get(`/v1/exports/${id}`)).json();
    if (job.status === 'done' || job.status === 'failed') return job;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`job ${id} did not finish`);
}

test('security: the export job routes', () =>
  commonRouteTests(h, { method: 'POST', url: '/v1/exports', payload: {} }));

test('a job writes the file the streamed export gives for the same parameters', async () => {
  const cases: Record<string, string>[] = [
    { ...RANGE },
    { ...RANGE, format: 'csv', rows: 'operators', channel: 'chat' },
  ];
  for (const params of cases) {
    const created = await post(params);
    assert.equal(created.statusCode, 202, created.body);
    const job = created.json();
    assert.equal(created.headers.location, `/v1/exports/${job.id}`);
    assert.equal(job.status, 'queued');
    const done = await finished(job.id);
    assert.equal(done.status, 'done', done.error);
    assert.equal(done.progress, 1);
    assert.match(done.download, new RegExp(`/v1/exports/${job.id}/download$`));

    const query = new URLSearchParams(params).toString();
    const streamed = await get(`/v1/exports/sessions?${query}`);
    assert.equal(streamed.statusCode, 200);
    const file = await get(`/v1/exports/${job.id}/download`);
    assert.equal(file.statusCode, 200);
    assert.equal(file.body, streamed.body);
    assert.ok(file.body.length > 1000);
    assert.equal(file.headers['content-length'], String(Buffer.byteLength(file.body)));
    assert.equal(done.bytes, Buffer.byteLength(file.body));
    const digest = createHash('sha256').update(file.body).digest('base64');
    assert.equal(file.headers.digest, `sha-256=${digest}`);
    const lines =
      params.format === 'csv' ? file.body.trim().split('\n').length - 1 : file.body.trim().split('\n').length;
    assert.equal(done.written, lines);
  }
  const list = (await get('/v1/exports')).json();
  assert.ok(list.jobs.length >= 2);
  assert.ok(list.jobs.every((j: { status: string }) => j.status === 'done'));
});

test('bad parameters are a 400 and make no job', async () => {
  const before = (await get('/v1/exports')).json().jobs.length;
  for (const bad of [
    { format: 'xml' },
    { after: 'x' },
    { rows: 'legs' },
    { createdFrom: 'yesterday' },
    { bogus: 1 },
  ]) {
    assertError(await post(bad), 400);
  }
  assertError(await get('/v1/exports/not-a-uuid'), 400);
  assert.equal((await get('/v1/exports')).json().jobs.length, before);
});

test("jobs are the tenant's own; a job deleted is gone with its file", async () => {
  const job = await finished((await post(RANGE)).json().id);
  const other = h.auth(h.other);
  assertError(await get(`/v1/exports/${job.id}`, other), 404);
  assertError(await get(`/v1/exports/${job.id}/download`, other), 404);
  assertError(await h.request({ method: 'DELETE', url: `/v1/exports/${job.id}`, headers: other }), 404);
  assert.ok(!(await get('/v1/exports', other)).json().jobs.some((j: { id: string }) => j.id === job.id));

  const key = (
    await h.db.query<{ storage_key: string }>('SELECT storage_key FROM export_jobs WHERE id = $1', [job.id])
  ).rows[0].storage_key;
  assert.ok(existsSync(join(h.blobDir, key)));
  // The blob sweep knows export files are not orphans.
  await sweepBlobs(h.db, fileBlobStore(h.blobDir), Date.now() + 2 * 3_600_000);
  assert.ok(existsSync(join(h.blobDir, key)));
  const deleted = await h.request({ method: 'DELETE', url: `/v1/exports/${job.id}`, headers: h.auth() });
  assert.equal(deleted.statusCode, 204);
  assert.ok(!existsSync(join(h.blobDir, key)));
  assertError(await get(`/v1/exports/${job.id}`), 404);
});

test('a job not done yet is a 409 to download; one whose server died is taken up again; expired jobs go', async () => {
  const stalled = '00000000-0000-4000-8000-000000000001';
  const busy = '00000000-0000-4000-8000-000000000002';
  await h.db.query(
    `INSERT INTO export_jobs (id, tenant_id, params, status, started_at, lease_until, attempts) VALUES
       ($1, $3, $4, 'running', now() - interval '10 minutes', now() - interval '1 minute', 1),
       ($2, $3, $4, 'running', now(), now() + interval '1 hour', 1)`,
    [stalled, busy, h.tenant.id, JSON.stringify({ filters: RANGE, format: 'ndjson', rows: 'sessions' })],
  );
  const conflict = assertError(await get(`/v1/exports/${busy}/download`), 409);
  assert.match(conflict.message, /running/);
  // Any new job wakes the runner, which also takes up the job whose lease ran out.
  const fresh = await finished((await post(RANGE)).json().id);
  const retaken = await finished(stalled);
  assert.equal(retaken.status, 'done');
  assert.equal(retaken.bytes, fresh.bytes);

  await h.db.query(`UPDATE export_jobs SET expires_at = now() - interval '1 second' WHERE id = $1`, [
    fresh.id,
  ]);
  const key = (
    await h.db.query<{ storage_key: string }>('SELECT storage_key FROM export_jobs WHERE id = $1', [fresh.id])
  ).rows[0].storage_key;
  await finished((await post(RANGE)).json().id);
  assertError(await get(`/v1/exports/${fresh.id}`), 404);
  assert.ok(!existsSync(join(h.blobDir, key)));
  await h.db.query('DELETE FROM export_jobs WHERE id = $1', [busy]);
});
