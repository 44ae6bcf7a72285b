/**
 * The same payload sent many times at once is stored once and every copy answers 200: through the mluvii
 * intake (whose payloads may lack timestamps, so each copy is read at another instant) and through native
 * POST /v1/events. Real sockets, 40 copies in flight together.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, type Harness } from './harness.js';

const COPIES = 40;
let h: Harness;
let base: string;
// Every read of the clock is a millisecond later, so no two requests share a receive time.
let clock = Date.parse('2026-03-09T10:00:00Z');

before(async () => {
  h = await harness({ now: () => clock++ });
  base = await h.app.listen({ port: 0, host: '127.0.0.1' });
});
after(() => h.close());

async function all(path: string, body: unknown) {
  const text = JSON.stringify(body);
  return Promise.all(
    Array.from({ length: COPIES }, async () => {
      const response = await fetch(base + path, {
        method: 'POST',
        headers: { ...h.auth(), 'content-type': 'application/json' },
        body: text,
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    }),
  );
}

const stored = async (sessionId: string) =>
  Number(
    (await h.db.query<{ n: number }>('SELECT count(*) AS n FROM events WHERE session_id = $1', [sessionId]))
      .rows[0].n,
  );

test('copies of a mluvii payload arriving at once are one event and 39 duplicates', async () => {
  // Payloads without their own times: the event time falls back to the receive time.
  const payloads = [
    { eventType: 'SessionCreated', data: { id: 9001, channel: 'Chat', source: 'Default' } },
    { eventType: 'SessionStarted', data: { id: 9001, started: '2026-03-09T10:00:40Z' } },
    { eventType: 'SessionEnded', data: { id: 9001 } },
  ];
  const answers = await all('/v1/intake/mluvii', payloads);
  const bad = answers.filter((a) => a.status !== 200);
  assert.deepEqual(bad.slice(0, 3), [], `${bad.length} of ${COPIES} copies were not 200`);
  assert.equal(
    answers.reduce((n, a) => n + Number(a.body.accepted), 0),
    3,
  );
  assert.ok(answers.every((a) => Number(a.body.accepted) + Number(a.body.duplicates) === 3));
  assert.equal(await stored('mluvii-9001'), 3);
});

test('copies of a native batch arriving at once are stored once, the others count duplicates', async () => {
  const at = (s: number) => new Date(Date.parse('2026-03-09T11:00:00Z') + s * 1000).toISOString();
  const batch = [
    { id: 'race-1', sessionId: 'race', type: 'session.created', at: at(0), channel: 'chat' },
    { id: 'race-2', sessionId: 'race', type: 'routing.requested', at: at(2), group: { id: 3 } },
    {
      id: 'race-3',
      sessionId: 'race',
      type: 'tags.added',
      at: at(3),
      tags: [{ name: 'vip', scope: 'session' }],
    },
    { id: 'race-4', sessionId: 'race-b', type: 'session.created', at: at(0), channel: 'phone' },
    {
      id: 'race-5',
      sessionId: 'race-b',
      type: 'tags.added',
      at: at(1),
      tags: [{ name: 'vip', scope: 'session' }],
    },
  ];
  const answers = await all('/v1/events', batch);
  const bad = answers.filter((a) => a.status !== 200);
  assert.deepEqual(bad.slice(0, 3), [], `${bad.length} of ${COPIES} copies were not 200`);
  assert.equal(
    answers.reduce((n, a) => n + Number(a.body.accepted), 0),
    batch.length,
  );
  assert.ok(answers.every((a) => Number(a.body.accepted) + Number(a.body.duplicates) === batch.length));
  assert.equal((await stored('race')) + (await stored('race-b')), batch.length);
});
