import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import { parse } from 'csv-parse/sync';
import { assertError, commonRouteTests, harness, type Harness } from './harness.js';
import { simulate } from '../../src/simulator/simulate.js';
import { exportChunks, OPERATOR_COLUMNS, SESSION_COLUMNS } from '../../src/exports/stream.js';
import { toSummary } from '../../src/sessions/map.js';
import type { Session } from '../../src/domain/session.js';

const NOW = Date.parse('2026-03-10T12:00:00Z');
const DAY = 86_400_000;
let h: Harness;

before(async () => {
  h = await harness({ now: () => NOW });
  const all = [...simulate({ seed: 11, sessions: 240, start: NOW - 3 * DAY, end: NOW - 600_000 })];
  for (let i = 0; i < all.length; i += 60) await h.ingest(all.slice(i, i + 60).flat());
  await h.ingest([...simulate({ seed: 12, sessions: 5, start: NOW - DAY, end: NOW })].flat(), h.other);
  // Sessions still running at NOW: their durations run against the export's clock.
  const at = (minutes: number) => new Date(NOW - minutes * 60_000).toISOString();
  const operator = { id: '7' };
  const group = { id: 1, name: 'Support' };
  // Created, queued, answered by operator 7 and joined by the guest, `minutesAgo` minutes ago.
  const answered = (sessionId: string, channel: string, minutesAgo: number) =>
    [
      { type: 'session.created', at: at(minutesAgo), channel },
      { type: 'routing.requested', at: at(minutesAgo), group },
      { type: 'routing.assigned', at: at(minutesAgo - 1), operator },
      { type: 'routing.accepted', at: at(minutesAgo - 1), operator },
      { type: 'operator.joined', at: at(minutesAgo - 1), operator },
      { type: 'guest.joined', at: at(minutesAgo - 2) },
    ].map((e, i) => ({ id: `${sessionId}-${i}`, sessionId, ...e }));
  await h.ingest([
    { id: 'q-1', sessionId: 'open-queued', type: 'session.created', at: at(5), channel: 'chat' },
    { id: 'q-2', sessionId: 'open-queued', type: 'routing.requested', at: at(5), group },
    ...answered('open-talking', 'phone', 9),
    ...answered('in-acw', 'chat', 20),
    { id: 'a-7', sessionId: 'in-acw', type: 'session.ended', at: at(10) },
  ]);
});
after(() => h.close());

/** The harness app on a real socket (listening once). */
async function port(): Promise<number> {
  if (!h.app.server.listening) await h.app.listen({ port: 0, host: '127.0.0.1' });
  return (h.app.server.address() as AddressInfo).port;
}

const get = (url: string, headers: Record<string, string> = h.auth()) =>
  h.request({ method: 'GET', url, headers });

/** Every session of the list, oldest first, as the list pages them. */
async function listed(filters = ''): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | null = null;
  do {
    const page: any = (
      await get(`/v1/sessions?limit=1000${filters}${cursor ? `&cursor=${cursor}` : ''}`)
    ).json();
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items.reverse();
}

const lines = (body: string) =>
  body
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));

test('security: the export route', async () => {
  await commonRouteTests(h, { method: 'GET', url: '/v1/exports/sessions' });
});

test('NDJSON: every session once, oldest first, the list’s summaries; byte-identical when repeated', async () => {
  const response = await get('/v1/exports/sessions');
  assert.equal(response.statusCode, 200);
  assert.match(String(response.headers['content-type']), /^application\/x-ndjson/);
  assert.match(String(response.headers['content-disposition']), /attachment; filename="sessions-.*\.ndjson"/);
  const exported = lines(response.body);
  const expected = await listed();
  assert.equal(exported.length, expected.length);
  assert.ok(exported.length >= 240);
  // The list is newest first by (created, id); the export the same order reversed.
  assert.deepEqual(exported, expected);
  assert.equal((await get('/v1/exports/sessions')).body, response.body, 'a repeat is byte-identical');
  // Another tenant sees only its own.
  const theirs = lines((await get('/v1/exports/sessions', h.auth(h.other))).body);
  assert.equal(theirs.length, 5);
  const mine = new Set(exported.map((s) => s.sessionId));
  assert.ok(theirs.every((s) => !mine.has(s.sessionId)));
});

test('a closed session’s line from its columns is byte for byte its summary from the document', async () => {
  const text = (await get('/v1/exports/sessions')).body;
  const exported = text.split('\n').filter((l) => l !== '');
  const docs = await h.db.query<{ doc: Session }>(
    `SELECT doc FROM sessions WHERE tenant_id = $1 ORDER BY created, id`,
    [h.tenant.id],
  );
  // Both paths are exercised: closed sessions (columns) and sessions still running (documents).
  const statuses = new Set(docs.rows.map((r) => r.doc.status));
  for (const status of ['CLOSED', 'IN_QUEUE', 'ACTIVE', 'ACW'] as const)
    assert.ok(statuses.has(status), status);
  assert.deepEqual(
    exported,
    docs.rows.map((r) => JSON.stringify(toSummary(r.doc, NOW))),
  );
});

test('filters are the list’s filters', async () => {
  const from = new Date(NOW - 2 * DAY).toISOString();
  for (const filters of [`&createdFrom=${from}`, '&channel=phone', '&status=CLOSED&channel=chat']) {
    const exported = lines((await get(`/v1/exports/sessions?x=1${filters}`.replace('x=1&', ''))).body);
    assert.deepEqual(exported, await listed(filters), filters);
  }
});

test('CSV: the documented columns, parsed back equal to the summaries; operator legs', async () => {
  const csv = await get('/v1/exports/sessions?format=csv');
  assert.equal(csv.statusCode, 200);
  assert.match(String(csv.headers['content-type']), /^text\/csv/);
  const records = parse<Record<string, string>>(csv.body, { columns: true });
  assert.deepEqual(Object.keys(records[0]), [...SESSION_COLUMNS]);
  const expected = await listed();
  assert.equal(records.length, expected.length);
  for (const [i, s] of expected.entries()) {
    const r = records[i];
    assert.equal(r.sessionId, s.sessionId);
    assert.equal(r.created, s.created);
    assert.equal(r.ended, s.ended ?? '');
    assert.equal(r.activeMs, s.durations.active === null ? '' : String(s.durations.active));
    assert.equal(r.operatorIds, s.operatorIds.join(';'));
    assert.equal(Number(r.eventCount), s.eventCount);
  }
  // Accept: text/csv chooses CSV when format is not given.
  const byAccept = await get('/v1/exports/sessions', { ...h.auth(), accept: 'text/csv' });
  assert.equal(byAccept.body, csv.body);

  const legs = parse<Record<string, string>>(
    (await get('/v1/exports/sessions?format=csv&rows=operators')).body,
    { columns: true },
  );
  assert.deepEqual(Object.keys(legs[0]), [...OPERATOR_COLUMNS]);
  const legCount = expected.reduce((n, s) => n + s.operatorIds.length, 0);
  assert.equal(legs.length, legCount);
  const one = legs.find((l) => l.acwMs !== '')!;
  const session = (await get(`/v1/sessions/${one.sessionId}`)).json();
  const op = session.operators.find((o: any) => o.id === one.operatorId);
  assert.equal(Number(one.acwMs), op.durations.acw);
  assert.equal(Number(one.userId), op.userId);
});

test('batches: keyset reads in any batch size give the same export; resume after any session', async () => {
  const whole = lines((await get('/v1/exports/sessions')).body);
  const read = async (batch: number, after?: string) => {
    let text = '';
    const chunks = await exportChunks(h.db, {
      tenantId: h.tenant.id,
      filters: {},
      format: 'ndjson',
      rows: 'sessions',
      after,
      now: NOW,
      batch,
    });
    for await (const chunk of chunks) text += chunk;
    return lines(text);
  };
  assert.deepEqual(await read(7), whole);
  assert.deepEqual(await read(1), whole);
  assert.deepEqual(await read(17, whole[99].sessionId), whole.slice(100));
  assert.deepEqual(await read(5, whole.at(-1).sessionId), []);
});

test('a download cut off mid-stream resumes with after= and loses or repeats nothing', async () => {
  const whole = (await get('/v1/exports/sessions')).body;
  const where = await port();
  // Read part of the stream over a real socket, then cut the connection.
  const partial = await new Promise<string>((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: where, path: '/v1/exports/sessions', headers: h.auth() },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString('utf8');
          if (text.length > whole.length / 3) {
            req.destroy();
            resolve(text);
          }
        });
        res.on('end', () => resolve(text));
      },
    );
    req.on('error', (error) => (error.message.includes('socket hang up') ? undefined : reject(error)));
    req.end();
  });
  const complete = partial.slice(0, partial.lastIndexOf('\n') + 1);
  const received = lines(complete);
  assert.ok(received.length > 0 && complete.length < whole.length);
  const last = received.at(-1).sessionId;
  const rest = await get(`/v1/exports/sessions?after=${encodeURIComponent(last)}`);
  assert.equal(complete + rest.body, whole);
});

test('bad parameters → 400 naming them; nothing streamed', async () => {
  for (const [url, field] of [
    ['/v1/exports/sessions?format=xml', 'format'],
    ['/v1/exports/sessions?rows=legs', 'rows'],
    ['/v1/exports/sessions?after=no-such-session', 'after'],
    ['/v1/exports/sessions?after=bad%20id', 'after'],
    ['/v1/exports/sessions?createdFrom=yesterday', 'createdFrom'],
    ['/v1/exports/sessions?limit=5', 'limit'],
  ] as const) {
    const error = assertError(await get(url), 400);
    assert.match(JSON.stringify(error), new RegExp(field), url);
  }
  // A session of another tenant is not a resume point.
  const theirs = lines((await get('/v1/exports/sessions', h.auth(h.other))).body)[0].sessionId;
  assertError(await get(`/v1/exports/sessions?after=${theirs}`), 400);
});

test('switchboard export: to a file, and --resume after a torn last line', async () => {
  const bin = new URL('../../../bin/switchboard.js', import.meta.url).pathname;
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-export-'));
  try {
    const url = `http://127.0.0.1:${await port()}`;
    const { clientId, clientSecret } = h.tenant.credentials;
    const run = (...args: string[]) =>
      promisify(execFile)(process.execPath, [
        bin,
        'export',
        '--url',
        url,
        '--client-id',
        clientId,
        '--client-secret',
        clientSecret,
        ...args,
      ]);
    for (const format of ['ndjson', 'csv']) {
      const whole = (await get(`/v1/exports/sessions?format=${format}`)).body;
      const file = join(dir, `all.${format}`);
      const done = await run('--format', format, '--out', file);
      assert.match(done.stderr, /exported \d+ lines/);
      assert.equal(readFileSync(file, 'utf8'), whole, format);
      // A download cut in the middle of a line: --resume drops the torn line and appends the rest.
      writeFileSync(file, whole.slice(0, Math.floor(whole.length * 0.4)));
      await run('--format', format, '--out', file, '--resume');
      assert.equal(readFileSync(file, 'utf8'), whole, `${format} resumed`);
      // Only a header (or nothing) left: it starts again.
      truncateSync(file, 3);
      await run('--format', format, '--out', file, '--resume');
      assert.equal(readFileSync(file, 'utf8'), whole, `${format} restarted`);
    }
    await assert.rejects(run('--format', 'xml'), (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 2);
      assert.match(error.stderr, /--format must be ndjson or csv/);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
