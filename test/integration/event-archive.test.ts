/**
 * The event log's layout (migration 016): a session's events in chunks of at most CHUNK_EVENTS, the
 * tenant-wide duplicate check through the id keys, and the upgrade of an event-per-row log.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, harness, openTestStore, type Harness } from './harness.js';
import { migrate } from '../../src/db/migrate.js';
import { CHUNK_EVENTS } from '../../src/events/repository.js';
import { ingest, storedEvent } from '../../src/events/service.js';
import { AppError } from '../../src/http/errors.js';
import type { SessionEvent } from '../../src/domain/events.js';

let h: Harness;
before(async () => {
  h = await harness();
});
after(() => h.close());

const at = (second: number) => new Date(Date.parse('2026-03-02T09:00:00Z') + second * 1000).toISOString();
const chat = (sessionId: string, messages: number) => [
  { id: `${sessionId}-c`, sessionId, type: 'session.created', at: at(0), channel: 'chat' },
  ...Array.from({ length: messages }, (_, i) => ({
    id: `${sessionId}-m${i}`,
    sessionId,
    type: 'message',
    at: at(i + 1),
    from: 'guest',
    text: `message ${i}`,
  })),
];

const chunks = async (sessionId: string) =>
  (
    await h.db.query<{ chunk: number; n: number }>(
      `SELECT chunk, json_array_length(events) AS n FROM session_events
        WHERE tenant_id = $1 AND session_id = $2 ORDER BY chunk`,
      [h.tenant.id, sessionId],
    )
  ).rows.map((r) => [r.chunk, r.n]);

test('a long session grows chunk by chunk; every event counts once, whatever chunk holds it', async () => {
  const events = chat('long', 2 * CHUNK_EVENTS + 87);
  for (let i = 0; i < events.length; i += 50) {
    assert.deepEqual(await h.ingest(events.slice(i, i + 50)), {
      accepted: Math.min(50, events.length - i),
      duplicates: 0,
    });
  }
  // Filled in order: every chunk full but the last.
  const expected = Array.from({ length: Math.ceil(events.length / CHUNK_EVENTS) }, (_, i) => [
    i,
    Math.min(CHUNK_EVENTS, events.length - i * CHUNK_EVENTS),
  ]);
  assert.ok(expected.length >= 3);
  assert.deepEqual(await chunks('long'), expected);
  const session = (await h.request({ method: 'GET', url: '/v1/sessions/long', headers: h.auth() })).json();
  assert.equal(session.eventCount, events.length);
  // A replay in another order: all duplicates, nothing rewritten.
  assert.deepEqual(await h.ingest([...events].reverse()), { accepted: 0, duplicates: events.length });
  // An id of the first chunk with other content is a conflict, and nothing of its batch is stored.
  const response = await h.request({
    method: 'POST',
    url: '/v1/events',
    headers: h.auth(),
    payload: [
      { ...events[3], text: 'changed' },
      { id: 'long-new', sessionId: 'long', type: 'guest.joined', at: at(1) },
    ],
  });
  assert.deepEqual((assertError(response, 409, 'conflict').details as { ids: string[] }).ids, ['long-m2']);
  assert.deepEqual(await chunks('long'), expected);
});

test('an id the tenant stored in another session is a conflict; in another tenant it is free', async () => {
  await h.ingest(chat('first', 1));
  const reused = { id: 'first-m0', sessionId: 'second', type: 'session.created', at: at(0), channel: 'av' };
  const response = await h.request({
    method: 'POST',
    url: '/v1/events',
    headers: h.auth(),
    payload: [reused],
  });
  assert.deepEqual((assertError(response, 409, 'conflict').details as { ids: string[] }).ids, ['first-m0']);
  assert.equal(await chunks('second').then((c) => c.length), 0);
  assert.deepEqual(await h.ingest([reused], h.other), { accepted: 1, duplicates: 0 });
});

test('the events view reads the log one event per row', async () => {
  await h.ingest(chat('viewed', 3));
  const rows = await h.db.query<{ id: string; type: string; at: Date }>(
    'SELECT id, type, at FROM events WHERE tenant_id = $1 AND session_id = $2 ORDER BY at',
    [h.tenant.id, 'viewed'],
  );
  assert.deepEqual(
    rows.rows.map((r) => [r.id, r.type, r.at.toISOString()]),
    chat('viewed', 3).map((e) => [e.id, e.type, e.at]),
  );
});

test('upgrade: an event-per-row log becomes chunks; anonymised originals stay duplicates', async () => {
  const { db, drop } = await openTestStore(16);
  try {
    await db.query("INSERT INTO tenants (id, name, department_id) VALUES ('t-up', 'upgrade', 990016)");
    const plain = chat('plain', 300) as SessionEvent[];
    const original = chat('anon', 2) as SessionEvent[];
    // What anonymisation left in the old log: the text gone, the original's hash kept.
    const scrubbed = original.map((e) => (e.type === 'message' ? { ...e, text: '' } : e));
    const rows = [
      ...plain.map((e) => ({ e, hash: storedEvent(e).hash })),
      ...scrubbed.map((e, i) => ({ e, hash: storedEvent(original[i]).hash })),
    ];
    await db.query(
      `INSERT INTO events (tenant_id, id, session_id, type, at, body, content_hash)
       SELECT 't-up', r.e ->> 'id', r.e ->> 'sessionId', r.e ->> 'type', (r.e ->> 'at')::timestamptz, r.e, r.hash
         FROM jsonb_to_recordset($1::jsonb) AS r(e jsonb, hash text)`,
      [JSON.stringify(rows)],
    );
    for (const [sessionId, anonymized] of [
      ['plain', null],
      ['anon', Date.parse(at(5))],
    ] as const) {
      await db.query(
        `INSERT INTO sessions (tenant_id, session_id, source, direction, status, created, event_count, doc, last_event_at)
         VALUES ('t-up', $1, 'Default', 'inbound', 'CLOSED', $2, 1, $3, $2)`,
        [sessionId, at(0), JSON.stringify({ sessionId, anonymized })],
      );
    }
    await migrate(db);

    const archived = await db.query<{ session_id: string; chunk: number; n: number; kept: boolean }>(
      `SELECT session_id, chunk, json_array_length(events) AS n, kept_hashes IS NOT NULL AS kept
         FROM session_events ORDER BY session_id, chunk`,
    );
    assert.deepEqual(
      archived.rows.map((r) => [r.session_id, r.chunk, r.n, r.kept]),
      [
        ['anon', 0, 3, true],
        ...[0, 1, 2, 3].map((chunk) => ['plain', chunk, CHUNK_EVENTS, false]),
        ['plain', 4, 301 - 4 * CHUNK_EVENTS, false],
      ],
    );
    // The keys SQL computed are the ones the intake computes: every original is a duplicate.
    assert.deepEqual(
      await ingest(db, 't-up', [...plain, ...original]).then((r) => [r.accepted, r.duplicates]),
      [0, plain.length + original.length],
    );
    // An id moved to another session is still found, through the keys the migration wrote.
    await assert.rejects(
      ingest(db, 't-up', [{ ...plain[1], sessionId: 'elsewhere' }]),
      (error: unknown) => error instanceof AppError && error.code === 'conflict',
    );
  } finally {
    await drop();
  }
});
