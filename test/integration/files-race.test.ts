/**
 * Replacing a file while it is downloaded: concurrent PUTs of contents of different sizes and concurrent GETs
 * over real sockets. Every download must be one whole version (its length equal to its Content-Length, its
 * bytes one of the uploaded versions, its ETag that version's hash), and once the PUTs are done the row and
 * the bytes on disk must agree, with no superseded blob left behind.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { harness, type Harness } from './harness.js';

let h: Harness;
let base: URL;

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
// Sizes far apart, so a length from one version and bytes from another cannot pass by chance.
const versions = [1, 40_000, 400_000, 1_500_000, 0].map((n) => randomBytes(n));
const hashes = new Map(versions.map((v, i) => [sha256(v), i]));
const path = '/v1/sessions/racy/files/race.bin';

before(async () => {
  h = await harness();
  base = new URL(await h.app.listen({ port: 0, host: '127.0.0.1' }));
  await h.ingest([
    { id: 'r-1', sessionId: 'racy', type: 'session.created', at: '2026-03-02T09:00:00Z', channel: 'chat' },
    {
      id: 'r-2',
      sessionId: 'racy',
      type: 'file.shared',
      at: '2026-03-02T09:01:00Z',
      from: 'guest',
      file: { id: 'race.bin', name: 'race.bin' },
    },
  ]);
});
after(() => h.close());

interface Got {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The connection ended before the body was complete. */
  aborted: boolean;
  /** The answer could not be parsed (e.g. more bytes than its Content-Length). */
  error?: string;
}

/** One request over a fresh socket; the body is collected as raw bytes, whatever the headers claim. */
function send(method: string, body?: Buffer, headers: Record<string, string> = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: base.hostname,
        port: base.port,
        path,
        method,
        agent: false,
        headers: {
          ...h.auth(),
          ...headers,
          ...(body ? { 'content-type': 'application/octet-stream', 'content-length': body.length } : {}),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        let aborted = false;
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('aborted', () => (aborted = true));
        response.on('error', () => (aborted = true));
        response.on('close', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks),
            aborted: aborted || !response.complete,
          }),
        );
      },
    );
    // A malformed answer is a finding of the test, not a crash of it.
    req.on('error', (error: NodeJS.ErrnoException) =>
      error.code?.startsWith('HPE_')
        ? resolve({ status: 0, headers: {}, body: Buffer.alloc(0), aborted: true, error: error.message })
        : reject(error),
    );
    req.end(body);
  });
}

function blobFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else out.push(relative(h.blobDir, join(dir, entry.name)));
    }
  };
  walk(h.blobDir);
  return out;
}

test(
  'downloads during concurrent replacements are each one whole version',
  { timeout: 120_000 },
  async (t) => {
    assert.equal((await send('PUT', versions[1])).status, 201);

    const problems: string[] = [];
    let downloads = 0;
    let writing = true;

    async function writer(seed: number) {
      for (let i = 0; i < 8; i++) {
        const v = versions[(seed + i * 3) % versions.length];
        const put = await send('PUT', v);
        if (put.status !== 201) problems.push(`PUT answered ${put.status}: ${put.body.toString()}`);
      }
    }

    async function reader(ranged: boolean) {
      while (writing) {
        const got = await send('GET', undefined, ranged ? { range: 'bytes=0-49999' } : {});
        downloads++;
        if (got.error) {
          problems.push(`GET answer malformed: ${got.error}`);
          continue;
        }
        const length = Number(got.headers['content-length']);
        // Only the empty version cannot satisfy the range.
        if (ranged && got.status === 416 && got.headers['content-range'] === 'bytes */0') continue;
        if (got.status !== (ranged ? 206 : 200)) {
          problems.push(`GET answered ${got.status}: ${got.body.toString()}`);
          continue;
        }
        if (got.aborted) problems.push(`GET was cut short after ${got.body.length} of ${length} bytes`);
        else if (got.body.length !== length)
          problems.push(`GET body has ${got.body.length} bytes, Content-Length says ${length}`);
        const etag = String(got.headers.etag).replaceAll('"', '');
        const version = hashes.get(etag);
        if (version === undefined) {
          problems.push(`ETag ${etag} is no uploaded version`);
          continue;
        }
        const expected = got.status === 206 ? versions[version].subarray(0, 50_000) : versions[version];
        if (!got.body.equals(expected))
          problems.push(`GET bytes (${got.body.length}) are not version ${version} its ETag names`);
        if (
          got.status === 206 &&
          got.headers['content-range'] !== `bytes 0-${expected.length - 1}/${versions[version].length}`
        )
          problems.push(
            `Content-Range ${String(got.headers['content-range'])} does not fit version ${version}`,
          );
      }
    }

    const writers = Promise.all([writer(0), writer(1), writer(2)]).finally(() => (writing = false));
    await Promise.all([writers, reader(false), reader(false), reader(false), reader(true)]);

    assert.deepEqual(problems.slice(0, 10), [], `${problems.length} bad answers of ${downloads} downloads`);
    t.diagnostic(`${downloads} downloads alongside 24 uploads`);
    assert.ok(downloads > 10, `only ${downloads} downloads ran alongside the uploads`);

    // Settled: the row names bytes that match it, and superseded blobs are gone.
    const row = (
      await h.db.query<{ size: number; sha256: string; storage_key: string }>(
        'SELECT size, sha256, storage_key FROM files WHERE session_id = $1 AND file_id = $2',
        ['racy', 'race.bin'],
      )
    ).rows[0];
    const onDisk = readFileSync(join(h.blobDir, row.storage_key));
    assert.equal(onDisk.length, Number(row.size));
    assert.equal(sha256(onDisk), row.sha256);
    assert.ok(hashes.has(row.sha256));
    assert.deepEqual(blobFiles(), [join(row.storage_key)], 'only the current blob is left');
    const last = await send('GET');
    assert.equal(sha256(last.body), row.sha256);
  },
);
