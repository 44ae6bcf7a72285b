import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isoDuration, isoOffset, parseDate, parseDuration } from '../../src/dialects/mluvii/format.js';
import { backoff, callbackTarget } from '../../src/webhooks/dispatcher.js';
import { webhookEvents } from '../../src/dialects/mluvii/webhook-events.js';
import { project } from '../../src/domain/projector.js';
import { inboundChat } from './builders.js';

test('ISO 8601 durations as .NET writes TimeSpans, and both parse forms', () => {
  assert.equal(isoDuration(null), null);
  assert.equal(isoDuration(0), 'PT0S');
  assert.equal(isoDuration(72_500), 'PT1M12.5S');
  assert.equal(isoDuration(3_600_000), 'PT1H');
  assert.equal(isoDuration(90_061_001), 'P1DT1H1M1.001S');
  for (const ms of [0, 1, 999, 72_500, 3_600_000, 90_061_001])
    assert.equal(parseDuration(isoDuration(ms)!), ms);
  assert.equal(parseDuration('00:05:00'), 300_000);
  assert.equal(parseDuration('1.02:03:04.5'), 93_784_500);
  assert.equal(parseDuration('PT5M'), 300_000);
  for (const bad of ['5', 'P', 'PT', '25:00:00', '00:61:00', 'five', 'PT1X'])
    assert.equal(parseDuration(bad), null, bad);
});

test('isoOffset writes what toISOString writes, with +00:00, for every instant', () => {
  const reference = (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00');
  const edges = [0, 1, 9, 10, 99, 100, 999, 1000, 59_999, 3_599_999, 86_399_999, 86_400_000];
  const samples = [...edges, 253_402_300_799_999, Date.parse('2026-03-29T00:59:59.999Z')];
  // Random instants over the four-digit years, several on the same day (the kept date part) and across days.
  let seed = 42;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 2000; i++) {
    const day = Math.floor(random() * 2_932_897) * 86_400_000;
    for (let j = 0; j < 3; j++) samples.push(day + Math.floor(random() * 86_400_000));
  }
  for (const ms of samples) assert.equal(isoOffset(ms), reference(ms), String(ms));
  assert.equal(isoOffset(Date.parse('2024-05-02T14:05:24.454Z')), '2024-05-02T14:05:24.454+00:00');
  // Outside the fast path: toISOString's own answer, or its error.
  for (const ms of [-1, -86_400_001, 253_402_300_800_000, 1.5]) assert.equal(isoOffset(ms), reference(ms));
  assert.throws(() => isoOffset(Number.NaN), RangeError);
});

test('dates: date-only is midnight UTC at the start of the day; impossible dates refused', () => {
  assert.equal(parseDate('2026-03-03'), Date.parse('2026-03-03T00:00:00Z'));
  assert.equal(parseDate('2026-03-03T10:00:00'), Date.parse('2026-03-03T10:00:00Z'));
  assert.equal(parseDate('2026-03-03T10:00:00.123Z'), Date.parse('2026-03-03T10:00:00.123Z'));
  assert.equal(parseDate('2026-03-03T10:00:00+02:00'), Date.parse('2026-03-03T08:00:00Z'));
  for (const bad of ['2026-02-30', '2026-13-01', 'yesterday', '2026-3-3', '2026-02-30T10:00:00Z'])
    assert.equal(parseDate(bad), null, bad);
});

test('retry backoff doubles from the base, capped, with ±20 % jitter', () => {
  assert.equal(
    backoff(1, 10_000, 3_600_000, () => 0.5),
    10_000,
  );
  assert.equal(
    backoff(2, 10_000, 3_600_000, () => 0.5),
    20_000,
  );
  assert.equal(
    backoff(20, 10_000, 3_600_000, () => 0.5),
    3_600_000,
  );
  assert.equal(
    backoff(1, 10_000, 3_600_000, () => 0),
    8_000,
  );
  assert.equal(
    backoff(1, 10_000, 3_600_000, () => 1),
    12_000,
  );
});

test('callback credentials move from the URL into a Basic header', () => {
  assert.deepEqual(callbackTarget('https://u%20x:p%40ss@example.com/hook?a=1'), {
    url: 'https://example.com/hook?a=1',
    authorization: `Basic ${Buffer.from('u x:p@ss').toString('base64')}`,
  });
  assert.deepEqual(callbackTarget('http://example.com/'), {
    url: 'http://example.com/',
    authorization: null,
  });
});

test('webhook events: a session seen whole sends each change once; the same session again sends nothing', () => {
  const session = project(inboundChat())!;
  const events = webhookEvents(null, session, 5, 9, (f) => f);
  assert.deepEqual(
    events.map((e) => e.eventType).filter((t) => !t.startsWith('SessionActivity')),
    [
      'SessionCreated',
      'SessionStarted',
      'SessionOperatorJoined',
      'SessionEnded',
      'SessionOperatorLeft',
      'SessionOperatorConcluded',
    ],
  );
  assert.deepEqual(
    webhookEvents(session, session, 5, 9, (f) => f),
    [],
  );
  const half = project(inboundChat().slice(0, 8))!;
  const rest = webhookEvents(half, session, 5, 9, (f) => f).map((e) => e.eventType);
  assert.ok(
    !rest.includes('SessionCreated') && !rest.includes('SessionStarted') && rest.includes('SessionEnded'),
  );
  // Without its session.created nothing is sent yet.
  assert.deepEqual(
    webhookEvents(null, project(inboundChat().slice(1))!, 5, 9, (f) => f),
    [],
  );
});
